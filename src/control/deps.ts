// What every control-plane operation works with.

import type { AccountContext } from '../model/index.js';
import type { RuntimeCatalog } from '../runtime-catalog/index.js';
import type { Store } from '../store/index.js';

/** What changed, so that the invoke side can drop cached state and retire environments. */
export type ControlChange =
  | { readonly kind: 'latest-changed'; readonly functionName: string }
  | { readonly kind: 'version-published'; readonly functionName: string; readonly version: string }
  | { readonly kind: 'version-deleted'; readonly functionName: string; readonly version: string }
  | { readonly kind: 'alias-changed'; readonly functionName: string; readonly alias: string }
  | { readonly kind: 'function-changed'; readonly functionName: string }
  /** Reserved concurrency set (a number) or removed (undefined). */
  | { readonly kind: 'concurrency-changed'; readonly functionName: string; readonly reserved?: number }
  | { readonly kind: 'function-deleted'; readonly functionName: string }
  /** A provisioned concurrency configuration was put or deleted. */
  | { readonly kind: 'provisioned-changed'; readonly functionName: string; readonly qualifier: string };

/** How far the invoke side got allocating one provisioned concurrency configuration. */
export interface ProvisionedAllocation {
  /** Environments initialized for it and ready (idle or busy). */
  readonly allocated: number;
  /** Why allocation stopped (the error type of a failed Init), if it did. */
  readonly failure?: string;
}

export interface ControlDeps {
  readonly store: Store;
  readonly account: AccountContext;
  readonly runtimes: RuntimeCatalog;
  /** Account-wide concurrency limit (ConcurrentExecutions). */
  readonly accountConcurrency: number;
  /** Called after a change has been committed. */
  readonly onChange: (change: ControlChange) => void;
  /**
   * The live allocation of a provisioned concurrency configuration (function name, version
   * or alias), implemented by the invoke side; undefined: nothing allocated for it yet.
   */
  readonly provisionedStatus?: (functionName: string, qualifier: string) => ProvisionedAllocation | undefined;
}
