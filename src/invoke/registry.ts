// What invocations need to know about functions, kept in memory so that the invoke path
// never queries the store: loaded on a function's first invocation, dropped when the control
// plane changes it (this server is the store's only writer).

import {
  type AliasRecord,
  type FunctionRecord,
  functionArn,
  functionNotFound,
  LATEST,
  qualifierKind,
  type VersionRecord,
  type AccountContext,
} from '../model/index.js';
import type { Store } from '../store/index.js';

interface Entry {
  readonly fn: FunctionRecord;
  /** version => record, $LATEST included */
  readonly versions: ReadonlyMap<string, VersionRecord>;
  /** alias name => record */
  readonly aliases: ReadonlyMap<string, AliasRecord>;
}

export interface Target {
  readonly fn: FunctionRecord;
  /** The version that runs (for an alias with weights: the one this draw picked). */
  readonly version: VersionRecord;
  readonly alias?: AliasRecord;
}

/** scope: one per server. */
export class FunctionRegistry {
  /** function name => its entry (a promise while loading; undefined: no such function) */
  private readonly entries = new Map<string, Promise<Entry | undefined>>();

  constructor(
    private readonly store: Store,
    private readonly account: AccountContext,
    private readonly random: () => number = Math.random,
  ) {}

  /** Resolves a name + qualifier to the version to run; throws AWS's not-found error. */
  async resolve(name: string, qualifier: string | undefined): Promise<Target> {
    let entry = this.entries.get(name);
    if (!entry) {
      entry = this.load(name);
      this.entries.set(name, entry);
    }
    const e = await entry;
    const notFound = () => functionNotFound(functionArn(this.account, name, qualifier ?? LATEST));
    if (!e) {
      this.entries.delete(name);
      throw notFound();
    }
    const kind = qualifierKind(qualifier);
    if (kind === 'alias') {
      const alias = e.aliases.get(qualifier!);
      if (!alias) throw notFound();
      const version = e.versions.get(this.pick(alias));
      if (!version) throw notFound();
      return { fn: e.fn, version, alias };
    }
    const version = e.versions.get(kind === 'latest' ? LATEST : qualifier!);
    if (!version) throw notFound();
    return { fn: e.fn, version };
  }

  invalidate(name: string): void {
    this.entries.delete(name);
  }

  /** An alias's version for one invocation: the additional one with probability = weight. */
  private pick(alias: AliasRecord): string {
    const weights = alias.additionalVersionWeights;
    if (weights) {
      let r = this.random();
      for (const [version, weight] of Object.entries(weights)) {
        if (r < weight) return version;
        r -= weight;
      }
    }
    return alias.functionVersion;
  }

  private async load(name: string): Promise<Entry | undefined> {
    const fn = await this.store.functions.get(name);
    if (!fn) return undefined;
    const [versions, aliases] = await Promise.all([this.store.versions.list(name), this.store.aliases.list(name)]);
    return {
      fn,
      versions: new Map(versions.map((v) => [v.version, v])),
      aliases: new Map(aliases.map((a) => [a.name, a])),
    };
  }
}
