// Provisioned concurrency, the runtime side: every stored configuration becomes keep-warm
// environments in the pool (an alias's spread over its versions by weight), the governor
// counts them against the function's limits, and the control plane reads their allocation.
// Re-planned per function whenever a configuration, an alias, a version or the function
// changes, and for every function at start-up.

import { LATEST, qualifierKind, type VersionRecord } from '../model/index.js';
import type { EnvironmentSpec, Pool } from '../pool/index.js';
import type { Store } from '../store/index.js';
import type { ConcurrencyGovernor } from './concurrency.js';

export interface ProvisionerDeps {
  readonly store: Store;
  readonly pool: Pick<Pool, 'provision' | 'provisionStatus'>;
  readonly governor: Pick<ConcurrencyGovernor, 'setProvisioned'>;
  /** The environment spec of a version (the invoker's, so that both reach the same environments). */
  readonly specOf: (version: VersionRecord) => EnvironmentSpec;
  readonly onError?: (what: string, err: unknown) => void;
}

/** One configuration's live allocation (what ControlDeps.provisionedStatus returns). */
export interface Allocation {
  readonly allocated: number;
  /** The error type of the Init that failed, when provisioning stopped. */
  readonly failure?: string;
}

interface ConfigPlan {
  readonly requested: number;
  /** spec key => environments of this configuration on that version. */
  readonly shares: ReadonlyMap<string, number>;
}

interface FunctionPlan {
  /** qualifier => its plan, in the store's order. */
  readonly configs: ReadonlyMap<string, ConfigPlan>;
  /** spec key => the spec and its total of provisioned environments. */
  readonly specs: ReadonlyMap<string, { readonly spec: EnvironmentSpec; readonly count: number }>;
}

/**
 * How a configuration on an alias is spread over its versions: the additional version gets
 * its weight's share (rounded), the primary version the rest.
 */
export function splitByWeight(requested: number, primary: string, weights?: Readonly<Record<string, number>>): Map<string, number> {
  const split = new Map<string, number>();
  let rest = requested;
  for (const [version, weight] of Object.entries(weights ?? {})) {
    const share = Math.min(rest, Math.round(requested * weight));
    if (share > 0) split.set(version, share);
    rest -= share;
  }
  if (rest > 0) split.set(primary, (split.get(primary) ?? 0) + rest);
  return split;
}

/** scope: one per server. */
export class Provisioner {
  /** function name => what is provisioned for it now */
  private readonly plans = new Map<string, FunctionPlan>();
  /** function name => its re-planning in progress (one at a time per function) */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly deps: ProvisionerDeps) {}

  /** Provisions every stored configuration (at server start). */
  async start(): Promise<void> {
    const names = new Set((await this.deps.store.provisionedConcurrency.listAll()).map((c) => c.functionName));
    await Promise.all([...names].map((name) => this.sync(name)));
  }

  /**
   * Brings a function's provisioned environments in line with the store. `retry`: a
   * configuration was put again, so a failed allocation for it starts over.
   */
  sync(functionName: string, retry?: string): Promise<void> {
    const previous = this.queues.get(functionName) ?? Promise.resolve();
    const next = previous
      .then(() => this.apply(functionName, retry))
      .catch((err: unknown) => this.deps.onError?.(`provisioned concurrency of ${functionName}`, err));
    this.queues.set(functionName, next);
    void next.then(() => {
      if (this.queues.get(functionName) === next) this.queues.delete(functionName);
    });
    return next;
  }

  /** The allocation of one configuration; undefined when nothing is planned for it. */
  status(functionName: string, qualifier: string): Allocation | undefined {
    const plan = this.plans.get(functionName);
    const config = plan?.configs.get(qualifier);
    if (!plan || !config) return undefined;
    let allocated = 0;
    let failure: string | undefined;
    for (const [key, share] of config.shares) {
      const { spec } = plan.specs.get(key)!;
      const live = this.deps.pool.provisionStatus(spec);
      // A version provisioned by more than one configuration: its environments go to them in turn.
      let before = 0;
      for (const [q, other] of plan.configs) {
        if (q === qualifier) break;
        before += other.shares.get(key) ?? 0;
      }
      allocated += Math.max(0, Math.min(share, live.allocated - before));
      if (live.failure !== undefined) failure ??= live.failure;
    }
    return { allocated, ...(failure !== undefined && { failure }) };
  }

  private async apply(functionName: string, retry?: string): Promise<void> {
    const { store, pool, governor } = this.deps;
    const [configs, versionList, aliasList] = await Promise.all([
      store.provisionedConcurrency.list(functionName),
      store.versions.list(functionName),
      store.aliases.list(functionName),
    ]);
    const versions = new Map(versionList.map((v) => [v.version, v]));
    const aliases = new Map(aliasList.map((a) => [a.name, a]));

    const planConfigs = new Map<string, ConfigPlan>();
    const specs = new Map<string, { spec: EnvironmentSpec; count: number }>();
    for (const c of configs) {
      let split: Map<string, number>;
      if (qualifierKind(c.qualifier) === 'alias') {
        const alias = aliases.get(c.qualifier);
        if (!alias) continue;
        split = splitByWeight(c.requested, alias.functionVersion, alias.additionalVersionWeights);
      } else {
        split = new Map([[c.qualifier, c.requested]]);
      }
      const shares = new Map<string, number>();
      for (const [version, n] of split) {
        const record = versions.get(version);
        if (!record || version === LATEST) continue;
        let spec: EnvironmentSpec;
        try {
          spec = this.deps.specOf(record);
        } catch (err) {
          this.deps.onError?.(`provisioned concurrency of ${functionName}:${c.qualifier}`, err);
          continue;
        }
        shares.set(spec.key, (shares.get(spec.key) ?? 0) + n);
        const entry = specs.get(spec.key) ?? { spec, count: 0 };
        entry.count += n;
        specs.set(spec.key, entry);
      }
      planConfigs.set(c.qualifier, { requested: c.requested, shares });
    }

    const before = this.plans.get(functionName);
    // Versions no longer provisioned give their environments back (a deleted version's were
    // retired with it).
    for (const [key, { spec }] of before?.specs ?? []) {
      if (!specs.has(key) && versions.has(spec.version)) pool.provision(spec, 0);
    }
    const retrying = retry !== undefined ? planConfigs.get(retry)?.shares : undefined;
    for (const [key, { spec, count }] of specs) {
      if (retrying?.has(key) && pool.provisionStatus(spec).failure !== undefined) {
        pool.provision(spec, 0);
        pool.provision(spec, count);
      } else if (before?.specs.get(key)?.count !== count) {
        pool.provision(spec, count);
      }
    }
    let total = 0;
    for (const { count } of specs.values()) total += count;
    governor.setProvisioned(functionName, total);
    if (planConfigs.size > 0) this.plans.set(functionName, { configs: planConfigs, specs });
    else this.plans.delete(functionName);
  }
}
