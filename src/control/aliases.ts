// Aliases: named pointers to one version of a function, optionally sending a share of the
// traffic to one more version (RoutingConfig.AdditionalVersionWeights). Each alias carries
// its own RevisionId, renewed on every update.

import { randomUUID } from 'node:crypto';
import {
  type AliasRecord,
  conflict,
  functionArn,
  functionNotFound,
  invalidParameter,
  LATEST,
  notFound,
  revisionMismatch,
} from '../model/index.js';
import type { ControlDeps } from './deps.js';
import { paginate } from './view.js';
import { requireFunction } from './resolve.js';

/** version => weight (0–1) of the additional version. */
export type VersionWeights = Readonly<Record<string, number>>;

export interface CreateAliasInput {
  readonly name: string;
  readonly functionVersion: string;
  readonly description?: string;
  readonly weights?: VersionWeights;
}

export interface UpdateAliasInput {
  readonly functionVersion?: string;
  readonly description?: string;
  /** Replaces the routing configuration; an empty map removes it. Undefined keeps it. */
  readonly weights?: VersionWeights;
  readonly revisionId?: string;
}

export async function createAlias(deps: ControlDeps, functionName: string, input: CreateAliasInput): Promise<AliasRecord> {
  const weights = nonEmpty(input.weights);
  checkRouting(input.functionVersion, weights);
  await requireVersions(deps, functionName, input.functionVersion, weights);
  const alias: AliasRecord = {
    functionName,
    name: input.name,
    functionVersion: input.functionVersion,
    description: input.description ?? '',
    ...(weights && { additionalVersionWeights: weights }),
    revisionId: randomUUID(),
  };
  if (!(await deps.store.aliases.create(alias))) {
    throw conflict(`Alias already exists: ${functionArn(deps.account, functionName, input.name)}`);
  }
  deps.onChange({ kind: 'alias-changed', functionName, alias: input.name });
  return alias;
}

export async function getAlias(deps: ControlDeps, functionName: string, name: string): Promise<AliasRecord> {
  await requireFunction(deps, functionName);
  const alias = await deps.store.aliases.get(functionName, name);
  if (!alias) throw notFound(`Cannot find alias arn: ${functionArn(deps.account, functionName, name)}`);
  return alias;
}

export async function updateAlias(
  deps: ControlDeps,
  functionName: string,
  name: string,
  input: UpdateAliasInput,
): Promise<AliasRecord> {
  await requireFunction(deps, functionName);
  const aliasNotFound = () => notFound(`Alias not found: ${functionArn(deps.account, functionName, name)}`);
  const current = await deps.store.aliases.get(functionName, name);
  if (!current) throw aliasNotFound();
  checkRevision(current, input.revisionId);
  const newWeights = input.weights === undefined ? undefined : nonEmpty(input.weights);
  // Versions named by this request must exist; those the alias already names still do
  // (a version an alias refers to cannot be deleted).
  await requireVersions(deps, functionName, input.functionVersion, newWeights);

  const updated = await deps.store.aliases.update(functionName, name, (alias) => {
    checkRevision(alias, input.revisionId);
    const functionVersion = input.functionVersion ?? alias.functionVersion;
    const weights = input.weights === undefined ? alias.additionalVersionWeights : newWeights;
    checkRouting(functionVersion, weights);
    const { additionalVersionWeights: _dropped, ...rest } = alias;
    return {
      ...rest,
      functionVersion,
      description: input.description ?? alias.description,
      ...(weights && { additionalVersionWeights: weights }),
      revisionId: randomUUID(),
    };
  });
  if (!updated) throw aliasNotFound();
  deps.onChange({ kind: 'alias-changed', functionName, alias: name });
  return updated;
}

/** Deleting an alias that does not exist succeeds, as on AWS. The alias's policy goes with it. */
export async function deleteAlias(deps: ControlDeps, functionName: string, name: string): Promise<void> {
  await requireFunction(deps, functionName);
  const deleted = await deps.store.aliases.delete(functionName, name);
  // A new alias of the same name must not inherit the permissions granted to this one.
  await deps.store.policies.update(functionName, name, () => undefined);
  if (deleted) deps.onChange({ kind: 'alias-changed', functionName, alias: name });
}

export async function listAliases(
  deps: ControlDeps,
  functionName: string,
  opts: { functionVersion?: string; marker?: string; maxItems?: number },
): Promise<{ items: AliasRecord[]; nextMarker?: string }> {
  await requireFunction(deps, functionName);
  let aliases = await deps.store.aliases.list(functionName);
  if (opts.functionVersion !== undefined) aliases = aliases.filter((a) => a.functionVersion === opts.functionVersion);
  return paginate(aliases, (a) => a.name, opts.marker, opts.maxItems);
}

function checkRevision(alias: AliasRecord, revisionId: string | undefined): void {
  if (revisionId !== undefined && revisionId !== alias.revisionId) throw revisionMismatch('GetFunction/GetAlias');
}

function nonEmpty(weights: VersionWeights | undefined): VersionWeights | undefined {
  return weights && Object.keys(weights).length > 0 ? { ...weights } : undefined;
}

/** The rules of a routing configuration that need no lookup, in the order AWS applies them. */
function checkRouting(primary: string, weights: VersionWeights | undefined): void {
  if (!weights) return;
  const versions = Object.keys(weights);
  if (versions.length > 1) throw invalidParameter('Number of items in AdditionalVersionWeights cannot be greater than 1');
  if (primary === LATEST) throw invalidParameter('$LATEST is not supported for an alias pointing to more than 1 version');
  const extra = versions[0]!;
  if (extra === primary) {
    throw invalidParameter(
      `Invalid function version ${extra}. Function version ${extra} is already included in routing configuration.`,
    );
  }
}

/** Every version named must exist ($LATEST included); a missing one is named in the error. */
async function requireVersions(
  deps: ControlDeps,
  functionName: string,
  primary: string | undefined,
  weights: VersionWeights | undefined,
): Promise<void> {
  const wanted = [...(primary !== undefined ? [primary] : []), ...Object.keys(weights ?? {})];
  for (const version of wanted) {
    if (!(await deps.store.versions.get(functionName, version))) {
      throw functionNotFound(functionArn(deps.account, functionName, version));
    }
  }
}

