// The control plane: the rules of functions, versions, aliases, policies, tags and
// concurrency over the store. Called by api/ with validated, camelCase inputs.

export type { ControlChange, ControlDeps, ProvisionedAllocation } from './deps.js';
export {
  type ConfigInput,
  type CreateFunctionInput,
  type ListFunctionsPage,
  type UpdateCodeInput,
  createFunction,
  deleteFunction,
  getFunction,
  listFunctions,
  updateFunctionCode,
  updateFunctionConfiguration,
} from './functions.js';
export { type FunctionView, paginate } from './view.js';
export { type PublishInput, listVersions, publishVersion } from './versions.js';
export { type Resolved, requireFunction, resolveVersion } from './resolve.js';
export {
  type CreateAliasInput,
  type UpdateAliasInput,
  type VersionWeights,
  createAlias,
  deleteAlias,
  getAlias,
  listAliases,
  updateAlias,
} from './aliases.js';
export {
  type PermissionInput,
  type PolicyDocument,
  POLICY_SIZE_LIMIT,
  addPermission,
  getPolicy,
  policyDocument,
  removePermission,
} from './policies.js';
export { type TaggableResource, TAG_LIMIT, listTags, tagResource, untagResource } from './tags.js';
export {
  deleteFunctionConcurrency,
  getFunctionConcurrency,
  minimumUnreserved,
  putFunctionConcurrency,
  unreservedConcurrency,
} from './concurrency.js';
export { type AccountSettings, getAccountSettings } from './account.js';
export {
  type ProvisionedConfigView,
  type ProvisionedStatus,
  INIT_FAILURE_REASON,
  deleteProvisionedConcurrencyConfig,
  getProvisionedConcurrencyConfig,
  listProvisionedConcurrencyConfigs,
  putProvisionedConcurrencyConfig,
} from './provisioned.js';
