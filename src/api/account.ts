// Route of the account: GetAccountSettings.

import * as control from '../control/index.js';
import type { ControlDeps } from '../control/index.js';
import { ok, type Route } from './http.js';

export function accountRoutes(deps: ControlDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/2016-08-19/account-settings',
      operation: 'GetAccountSettings',
      async handle() {
        const { limit, usage } = await control.getAccountSettings(deps);
        return ok({
          AccountLimit: {
            TotalCodeSize: limit.totalCodeSize,
            CodeSizeUnzipped: limit.codeSizeUnzipped,
            CodeSizeZipped: limit.codeSizeZipped,
            ConcurrentExecutions: limit.concurrentExecutions,
            UnreservedConcurrentExecutions: limit.unreservedConcurrentExecutions,
          },
          AccountUsage: { TotalCodeSize: usage.totalCodeSize, FunctionCount: usage.functionCount },
        });
      },
    },
  ];
}
