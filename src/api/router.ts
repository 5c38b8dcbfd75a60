// The table of contents of Lamina's HTTP API: every route, grouped by resource.

import type { Route } from './http.js';
import { codeDownloadRoutes } from './code-download.js';
import { type FunctionRouteDeps, functionRoutes } from './functions.js';
import type { Invoker } from '../invoke/index.js';
import { invokeRoutes } from './invoke.js';
import { versionRoutes } from './versions.js';
import { aliasRoutes } from './aliases.js';
import { policyRoutes } from './policies.js';
import { tagRoutes } from './tags.js';
import { concurrencyRoutes } from './concurrency.js';
import { provisionedRoutes } from './provisioned.js';
import { accountRoutes } from './account.js';
import { logsRoutes } from './logs.js';

export interface RouteDeps extends FunctionRouteDeps {
  readonly invoker: Invoker;
}

export function allRoutes(deps: RouteDeps): Route[] {
  return [
    ...functionRoutes(deps), // CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions, UpdateFunctionCode, UpdateFunctionConfiguration, DeleteFunction
    ...versionRoutes(deps), // PublishVersion, ListVersionsByFunction
    ...aliasRoutes(deps), // CreateAlias, GetAlias, UpdateAlias, DeleteAlias, ListAliases
    ...policyRoutes(deps), // AddPermission, GetPolicy, RemovePermission
    ...tagRoutes(deps), // TagResource, UntagResource, ListTags
    ...concurrencyRoutes(deps), // PutFunctionConcurrency, GetFunctionConcurrency, DeleteFunctionConcurrency
    ...provisionedRoutes(deps), // PutProvisionedConcurrencyConfig, GetProvisionedConcurrencyConfig, DeleteProvisionedConcurrencyConfig, ListProvisionedConcurrencyConfigs
    ...accountRoutes(deps), // GetAccountSettings
    ...invokeRoutes(deps.account, deps.invoker), // Invoke, InvokeAsync
    ...codeDownloadRoutes(deps.store), // GetFunction's Code.Location
    ...logsRoutes(deps.store.logs, deps.account), // CloudWatch Logs: FilterLogEvents, GetLogEvents, DescribeLogGroups, DescribeLogStreams, DeleteLogGroup
  ];
}
