// The invoke path: from an Invoke request to an outcome, through the pool of environments.

export { checkJsonPayload, type InvocationType, Invoker, type InvokerDeps, type InvokeRequest, type InvokeResult } from './invoker.js';
export { environmentSpec, specKey } from './spec.js';
export { ConcurrencyGovernor, type Lease, type ThrottleReason } from './concurrency.js';
export { type Allocation, Provisioner, type ProvisionerDeps, splitByWeight } from './provisioned.js';
