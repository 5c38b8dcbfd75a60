// Provisioned concurrency configurations (Put/Get/Delete/ListProvisionedConcurrencyConfig[s]):
// stored per version or alias, validated against reserved concurrency and the account's
// unreserved pool as AWS does; their live status (allocated environments, an Init failure)
// comes from the invoke side through ControlDeps.provisionedStatus.

import {
  type AliasRecord,
  ApiError,
  awsTimestamp,
  conflict,
  functionArn,
  functionNotFound,
  invalidParameter,
  LATEST,
  notFound,
  qualifierKind,
} from '../model/index.js';
import type { ProvisionedConcurrencyRecord } from '../store/index.js';
import { minimumUnreserved, serialised } from './concurrency.js';
import type { ControlDeps } from './deps.js';
import { requireFunction } from './resolve.js';
import { paginate } from './view.js';

export type ProvisionedStatus = 'IN_PROGRESS' | 'READY' | 'FAILED';

/** A configuration as the API shows it. */
export interface ProvisionedConfigView {
  readonly functionName: string;
  readonly qualifier: string;
  readonly requested: number;
  readonly allocated: number;
  /** Allocated environments that can take an invocation (all of them, here). */
  readonly available: number;
  readonly status: ProvisionedStatus;
  readonly statusReason?: string;
  readonly lastModified: string;
}

/** AWS's StatusReason when the function's Init fails in a provisioned environment. */
export const INIT_FAILURE_REASON = 'FUNCTION_ERROR_INIT_FAILURE';

const NOT_FOUND_MESSAGE = 'No Provisioned Concurrency Config found for this function';

const configNotFound = (): ApiError => new ApiError('ProvisionedConcurrencyConfigNotFoundException', NOT_FOUND_MESSAGE);

/** The versions a configuration on `qualifier` provisions, with the alias when it is one. */
interface QualifiedTarget {
  readonly alias?: AliasRecord;
  /** The versions its environments run: the alias's primary and additional ones, or the version. */
  readonly versions: readonly string[];
}

/** Finds the version or alias a qualifier names, with AWS's not-found messages. */
async function resolveQualifier(deps: ControlDeps, name: string, qualifier: string): Promise<QualifiedTarget> {
  if (qualifierKind(qualifier) === 'alias') {
    const alias = await deps.store.aliases.get(name, qualifier);
    if (!alias) throw notFound(`Cannot find alias arn: ${functionArn(deps.account, name, qualifier)}`);
    return { alias, versions: aliasVersions(alias) };
  }
  if (!(await deps.store.versions.get(name, qualifier))) throw functionNotFound(functionArn(deps.account, name, qualifier));
  return { versions: [qualifier] };
}

function aliasVersions(alias: AliasRecord): string[] {
  return [alias.functionVersion, ...Object.keys(alias.additionalVersionWeights ?? {})];
}

function view(deps: ControlDeps, record: ProvisionedConcurrencyRecord): ProvisionedConfigView {
  const live = deps.provisionedStatus?.(record.functionName, record.qualifier);
  const allocated = Math.min(record.requested, live?.allocated ?? 0);
  const failed = live?.failure !== undefined && allocated < record.requested;
  return {
    functionName: record.functionName,
    qualifier: record.qualifier,
    requested: record.requested,
    allocated,
    available: allocated,
    status: failed ? 'FAILED' : allocated >= record.requested ? 'READY' : 'IN_PROGRESS',
    ...(failed && { statusReason: INIT_FAILURE_REASON }),
    lastModified: record.lastModified,
  };
}

export async function putProvisionedConcurrencyConfig(
  deps: ControlDeps,
  name: string,
  qualifier: string,
  requested: number,
): Promise<ProvisionedConfigView> {
  if (qualifier === LATEST) throw invalidParameter('Provisioned Concurrency Configs cannot be applied to unpublished function versions.');
  // One queue with PutFunctionConcurrency: each checks what the other writes.
  return serialised(deps, async () => {
    const target = await resolveQualifier(deps, name, qualifier);
    const fn = await requireFunction(deps, name);
    const configs = await deps.store.provisionedConcurrency.list(name);
    const configured = new Set(configs.map((c) => c.qualifier));
    if (target.alias) {
      if (target.versions.some((v) => configured.has(v))) {
        throw conflict("Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version");
      }
    } else {
      const aliases = await deps.store.aliases.list(name);
      if (aliases.some((a) => configured.has(a.name) && aliasVersions(a).includes(qualifier))) {
        throw conflict('Version is pointed by a Provisioned Concurrency alias');
      }
    }
    const others = configs.reduce((sum, c) => sum + (c.qualifier === qualifier ? 0 : c.requested), 0);
    if (fn.reservedConcurrency !== undefined) {
      if (others + requested > fn.reservedConcurrency) {
        throw invalidParameter('Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function');
      }
    } else {
      await checkUnreservedPool(deps, name, qualifier, requested);
    }
    const record: ProvisionedConcurrencyRecord = { functionName: name, qualifier, requested, lastModified: awsTimestamp() };
    if (!(await deps.store.provisionedConcurrency.put(record))) throw functionNotFound(functionArn(deps.account, name));
    deps.onChange({ kind: 'provisioned-changed', functionName: name, qualifier });
    return view(deps, record);
  });
}

/**
 * A function without reserved concurrency takes its provisioned environments from the
 * account's unreserved pool, which must keep its minimum free of them.
 */
async function checkUnreservedPool(deps: ControlDeps, name: string, qualifier: string, requested: number): Promise<void> {
  let reserved = 0;
  let provisioned = 0;
  for (const fn of await deps.store.functions.list()) {
    if (fn.reservedConcurrency !== undefined) {
      reserved += fn.reservedConcurrency;
      continue;
    }
    for (const c of await deps.store.provisionedConcurrency.list(fn.name)) {
      if (!(fn.name === name && c.qualifier === qualifier)) provisioned += c.requested;
    }
  }
  const unreserved = Math.max(0, deps.accountConcurrency - reserved);
  if (requested > unreserved) {
    throw invalidParameter(`Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [${unreserved}].`);
  }
  const minimum = minimumUnreserved(deps.accountConcurrency);
  if (unreserved - provisioned - requested < minimum) {
    throw invalidParameter(
      `Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${minimum}].`,
    );
  }
}

export async function getProvisionedConcurrencyConfig(deps: ControlDeps, name: string, qualifier: string): Promise<ProvisionedConfigView> {
  if (qualifier === LATEST) throw invalidParameter('The function resource provided must be an alias or a published version.');
  await resolveQualifier(deps, name, qualifier);
  const record = await deps.store.provisionedConcurrency.get(name, qualifier);
  if (!record) throw configNotFound();
  return view(deps, record);
}

/** Deleting a configuration that does not exist succeeds, as on AWS. */
export async function deleteProvisionedConcurrencyConfig(deps: ControlDeps, name: string, qualifier: string): Promise<void> {
  if (qualifier === LATEST) throw invalidParameter('The function resource provided must be an alias or a published version.');
  await serialised(deps, async () => {
    await resolveQualifier(deps, name, qualifier);
    if (await deps.store.provisionedConcurrency.delete(name, qualifier)) {
      deps.onChange({ kind: 'provisioned-changed', functionName: name, qualifier });
    }
  });
}

export async function listProvisionedConcurrencyConfigs(
  deps: ControlDeps,
  name: string,
  opts: { marker?: string; maxItems?: number },
): Promise<{ items: ProvisionedConfigView[]; nextMarker?: string }> {
  await requireFunction(deps, name);
  const records = await deps.store.provisionedConcurrency.list(name);
  const page = paginate(records, (r) => r.qualifier, opts.marker, opts.maxItems);
  return { items: page.items.map((r) => view(deps, r)), ...(page.nextMarker !== undefined && { nextMarker: page.nextMarker }) };
}
