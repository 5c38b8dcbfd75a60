// Account-wide limits and usage (GetAccountSettings).

import type { ControlDeps } from './deps.js';
import { unreservedConcurrency } from './concurrency.js';

/** Code storage for all deployment packages in a region: 75 GB. */
export const TOTAL_CODE_SIZE_LIMIT = 80_530_636_800;
/** Unzipped code and layers of one function: 250 MB. */
export const CODE_SIZE_UNZIPPED_LIMIT = 262_144_000;
/** A zip uploaded directly: 50 MB. */
export const CODE_SIZE_ZIPPED_LIMIT = 52_428_800;

export interface AccountSettings {
  readonly limit: {
    readonly totalCodeSize: number;
    readonly codeSizeUnzipped: number;
    readonly codeSizeZipped: number;
    readonly concurrentExecutions: number;
    readonly unreservedConcurrentExecutions: number;
  };
  readonly usage: {
    /** Bytes of every version's zip, $LATEST included: AWS counts a package once per version. */
    readonly totalCodeSize: number;
    readonly functionCount: number;
  };
}

export async function getAccountSettings(deps: ControlDeps): Promise<AccountSettings> {
  const functions = await deps.store.functions.list();
  let totalCodeSize = 0;
  for (const fn of functions) {
    for (const version of await deps.store.versions.list(fn.name)) totalCodeSize += version.code.size;
  }
  return {
    limit: {
      totalCodeSize: TOTAL_CODE_SIZE_LIMIT,
      codeSizeUnzipped: CODE_SIZE_UNZIPPED_LIMIT,
      codeSizeZipped: CODE_SIZE_ZIPPED_LIMIT,
      concurrentExecutions: deps.accountConcurrency,
      unreservedConcurrentExecutions: await unreservedConcurrency(deps),
    },
    usage: { totalCodeSize, functionCount: functions.length },
  };
}
