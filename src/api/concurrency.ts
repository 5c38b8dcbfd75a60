// Routes of reserved concurrency: PutFunctionConcurrency, GetFunctionConcurrency,
// DeleteFunctionConcurrency. Note the three API versions in the paths, as on AWS.

import * as control from '../control/index.js';
import type { ControlDeps } from '../control/index.js';
import { type ApiRequest, jsonBody, noContent, ok, type Route } from './http.js';
import { Members, Violations } from './input.js';
import { parseTarget, requireUnqualified } from './names.js';

export function concurrencyRoutes(deps: ControlDeps): Route[] {
  const functionName = (req: ApiRequest): string =>
    requireUnqualified(parseTarget(deps.account, req.params.FunctionName, undefined, 'read'));
  return [
    {
      method: 'PUT',
      path: '/2017-10-31/functions/:FunctionName/concurrency',
      operation: 'PutFunctionConcurrency',
      async handle(req) {
        const body = new Members(jsonBody(req));
        const reserved = body.int('ReservedConcurrentExecutions');
        const v = new Violations();
        if (v.required('reservedConcurrentExecutions', reserved)) v.range('reservedConcurrentExecutions', reserved, 0);
        v.check();
        const name = functionName(req);
        const stored = await control.putFunctionConcurrency(deps, name, reserved!);
        return ok({ ReservedConcurrentExecutions: stored });
      },
    },
    {
      method: 'GET',
      path: '/2019-09-30/functions/:FunctionName/concurrency',
      operation: 'GetFunctionConcurrency',
      async handle(req) {
        const reserved = await control.getFunctionConcurrency(deps, functionName(req));
        return ok(reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved });
      },
    },
    {
      method: 'DELETE',
      path: '/2017-10-31/functions/:FunctionName/concurrency',
      operation: 'DeleteFunctionConcurrency',
      async handle(req) {
        await control.deleteFunctionConcurrency(deps, functionName(req));
        return noContent();
      },
    },
  ];
}
