// Routes of provisioned concurrency: PutProvisionedConcurrencyConfig,
// GetProvisionedConcurrencyConfig, DeleteProvisionedConcurrencyConfig and
// ListProvisionedConcurrencyConfigs (the same path as Get, told apart by `?List=ALL`).

import * as control from '../control/index.js';
import type { ControlDeps, ProvisionedConfigView } from '../control/index.js';
import { type AccountContext, functionArn } from '../model/index.js';
import { intParam } from './functions.js';
import { type ApiRequest, jsonBody, noContent, ok, type Route } from './http.js';
import { Members, Violations } from './input.js';
import { parseTarget, type Target } from './names.js';

const PATH = '/2019-09-30/functions/:FunctionName/provisioned-concurrency';

export function provisionedRoutes(deps: ControlDeps): Route[] {
  const ctx = deps.account;
  /** The function and the (required) qualifier, from the path, the query or a qualified name. */
  const qualified = (req: ApiRequest, v = new Violations()): Required<Target> => {
    const target = parseTarget(ctx, req.params.FunctionName, req.query.get('Qualifier'), 'read');
    v.required('qualifier', target.qualifier);
    v.check();
    return target as Required<Target>;
  };

  return [
    {
      method: 'PUT',
      path: PATH,
      operation: 'PutProvisionedConcurrencyConfig',
      async handle(req) {
        const body = new Members(jsonBody(req));
        const requested = body.int('ProvisionedConcurrentExecutions');
        const v = new Violations();
        if (v.required('provisionedConcurrentExecutions', requested)) v.range('provisionedConcurrentExecutions', requested, 1);
        const { name, qualifier } = qualified(req, v);
        const config = await control.putProvisionedConcurrencyConfig(deps, name, qualifier, requested!);
        return ok(renderConfig(config), 202);
      },
    },
    {
      method: 'GET',
      path: PATH,
      // …or ListProvisionedConcurrencyConfigs, with ?List=ALL.
      operation: 'GetProvisionedConcurrencyConfig',
      async handle(req) {
        if (req.query.get('List') === 'ALL') return list(req);
        const { name, qualifier } = qualified(req);
        return ok(renderConfig(await control.getProvisionedConcurrencyConfig(deps, name, qualifier)));
      },
    },
    {
      method: 'DELETE',
      path: PATH,
      operation: 'DeleteProvisionedConcurrencyConfig',
      async handle(req) {
        const { name, qualifier } = qualified(req);
        await control.deleteProvisionedConcurrencyConfig(deps, name, qualifier);
        return noContent();
      },
    },
  ];

  async function list(req: ApiRequest) {
    const maxItems = intParam(req, 'MaxItems');
    new Violations().range('maxItems', maxItems, 1, 50).check();
    const { name } = parseTarget(ctx, req.params.FunctionName, undefined, 'read');
    const marker = req.query.get('Marker') ?? undefined;
    const page = await control.listProvisionedConcurrencyConfigs(deps, name, {
      ...(marker !== undefined && { marker }),
      ...(maxItems !== undefined && { maxItems }),
    });
    return ok({
      ProvisionedConcurrencyConfigs: page.items.map((c) => renderListItem(ctx, c)),
      ...(page.nextMarker !== undefined && { NextMarker: page.nextMarker }),
    });
  }
}

function renderConfig(c: ProvisionedConfigView): Record<string, unknown> {
  return {
    RequestedProvisionedConcurrentExecutions: c.requested,
    AvailableProvisionedConcurrentExecutions: c.available,
    AllocatedProvisionedConcurrentExecutions: c.allocated,
    Status: c.status,
    ...(c.statusReason !== undefined && { StatusReason: c.statusReason }),
    LastModified: c.lastModified,
  };
}

function renderListItem(ctx: AccountContext, c: ProvisionedConfigView): Record<string, unknown> {
  return { FunctionArn: functionArn(ctx, c.functionName, c.qualifier), ...renderConfig(c) };
}
