// Finding what a (function name, qualifier) pair names: $LATEST, a published version or an
// alias (and the version the alias points at), with AWS's not-found errors.

import {
  type AliasRecord,
  type FunctionRecord,
  functionArn,
  functionNotFound,
  LATEST,
  qualifierKind,
  type VersionRecord,
} from '../model/index.js';
import type { ControlDeps } from './deps.js';

/** A function version as one qualifier reaches it. */
export interface Resolved {
  readonly version: VersionRecord;
  /** The qualifier the client used, undefined for an unqualified name. */
  readonly qualifier?: string;
  readonly alias?: AliasRecord;
}

export async function requireFunction(deps: ControlDeps, name: string): Promise<FunctionRecord> {
  const fn = await deps.store.functions.get(name);
  if (!fn) throw functionNotFound(functionArn(deps.account, name));
  return fn;
}

/** Resolves to the version the qualifier names; aliases resolve to their primary version. */
export async function resolveVersion(deps: ControlDeps, name: string, qualifier?: string): Promise<Resolved> {
  const kind = qualifierKind(qualifier);
  if (kind === 'alias') {
    const alias = await deps.store.aliases.get(name, qualifier!);
    const version = alias && (await deps.store.versions.get(name, alias.functionVersion));
    if (!alias || !version) throw functionNotFound(functionArn(deps.account, name, qualifier));
    return { version, qualifier: qualifier!, alias };
  }
  const version = await deps.store.versions.get(name, kind === 'latest' ? LATEST : qualifier!);
  if (!version) throw functionNotFound(functionArn(deps.account, name, qualifier));
  return { version, ...(qualifier !== undefined && { qualifier }) };
}
