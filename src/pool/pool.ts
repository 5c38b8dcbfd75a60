// The environments of every function version, and the assignment of invocations to them.
//
// Contract:
// 1. An invocation runs on an idle environment of its key when there is one (the most
//    recently used: the others then age out), or on one that has just answered and is about
//    to poll again; else on a reset (cold) one, keeping its /tmp; else on a new environment.
//    A cold start is bound to the invocation that caused it.
// 2. Environment starts are gated server-wide (`maxConcurrentStarts`): past that, invocations
//    wait for a warm environment or a free start slot rather than crowding the CPUs.
// 3. retire() ends the environments of a key: idle ones at once, busy ones when their work
//    (and the work already queued for them) is done.

import { Environment, type EnvironmentContext, type EnvironmentOwner, type EnvironmentSpec } from './environment.js';
import type { Invocation } from '../runtime-api/index.js';
import type { InvocationOutcome, Job } from './types.js';
import type { CellPool } from './cells.js';
import { RUNTIME_ERROR } from '../model/index.js';
import { platformFailure } from './platform.js';

export interface PoolOptions {
  readonly maxConcurrentStarts: number;
}

export interface RunOptions {
  /** Collect the invocation's log lines (outcome.logTail). */
  readonly tail?: boolean;
  /** Run on an idle provisioned environment of the spec, when there is one. */
  readonly provisioned?: boolean;
}

export interface ProvisionStatus {
  readonly requested: number;
  /** Provisioned environments initialized and ready (idle or busy). */
  readonly allocated: number;
  /** The Init failure that stopped provisioning, if any. */
  readonly failure?: string;
}

export interface PoolStats {
  readonly environments: number;
  readonly byState: Readonly<Record<string, number>>;
  readonly queued: number;
  readonly starting: number;
}

/** scope: one per function version (spec key). */
class Group implements EnvironmentOwner {
  readonly envs = new Set<Environment>();
  /** Idle environments, most recently used last. */
  readonly idle: Environment[] = [];
  /** Reset environments, ready for a cold start in place. */
  readonly cold: Environment[] = [];
  readonly queue: Job[] = [];
  retired = false;
  /** Provisioned concurrency: how many keep-warm environments this version should have. */
  provisionTarget = 0;
  /** The keep-warm environments (initializing, idle or busy). */
  readonly provisioned = new Set<Environment>();
  /** Idle keep-warm environments, most recently used last. */
  readonly idleProvisioned: Environment[] = [];
  /** Why provisioning failed (an Init failure), until the target changes. */
  provisionFailure: string | undefined;
  /** Keep-warm environments being created. */
  readonly provisionPending = new Set<symbol>();

  constructor(
    readonly spec: EnvironmentSpec,
    private readonly pool: Pool,
  ) {}

  available(env: Environment): void {
    remove(this.idle, env);
    remove(this.cold, env);
    remove(this.idleProvisioned, env);
    if (env.keepWarm) {
      if (env.state === 'cold') {
        // A provisioned environment whose Init failed (or that crashed): replace it, unless
        // Init itself fails — then the configuration is FAILED until it changes.
        this.provisioned.delete(env);
        env.keepWarm = false;
        if (env.initFailure) this.provisionFailure = env.initFailure;
        void env.destroy();
        this.pool.provisionMore(this);
        return;
      }
      if (env.state === 'idle') {
        const job = this.queue.shift();
        if (job) env.run(job);
        else this.idleProvisioned.push(env);
      }
      return;
    }
    if (env.state === 'idle') {
      const job = this.queue.shift();
      if (job) {
        env.run(job);
        return;
      }
    }
    if (this.retired && this.queue.length === 0) {
      void env.destroy();
      return;
    }
    if (env.state === 'idle') this.idle.push(env);
    else {
      // A reset environment restarts its runtime only through a start slot.
      this.cold.push(env);
      if (this.queue.length > 0) this.pool.pump(this);
    }
  }

  initEnded(env: Environment): void {
    this.pool.releaseStart(env);
  }

  gone(env: Environment): void {
    this.envs.delete(env);
    remove(this.idle, env);
    remove(this.cold, env);
    remove(this.idleProvisioned, env);
    if (this.provisioned.delete(env)) this.pool.provisionMore(this);
    this.pool.groupChanged(this);
  }
}

/** The outcome of a job that never reached a runtime: the platform failed it. */
function unstarted(job: Job, what: string): InvocationOutcome {
  return { ...platformFailure(job.invocation.requestId, RUNTIME_ERROR.SandboxFailure, what), logTail: '', durationMs: 0 };
}

function shutdownOutcome(job: Job): InvocationOutcome {
  return unstarted(job, 'Lamina is shutting down');
}

/** The most recently used idle environment of a list (skipping any that is no longer idle). */
function takeIdle(list: Environment[]): Environment | undefined {
  for (let env = list.pop(); env; env = list.pop()) if (env.state === 'idle') return env;
  return undefined;
}

function remove<T>(list: T[], item: T): boolean {
  const i = list.lastIndexOf(item);
  if (i >= 0) list.splice(i, 1);
  return i >= 0;
}

/** scope: one per server. */
export class Pool {
  /** spec key => group */
  private readonly groups = new Map<string, Group>();
  /** Retired groups still finishing their work. */
  private readonly retiring = new Set<Group>();
  /** Environments holding a start slot (initializing). */
  private readonly startSlots = new Set<Environment>();
  /** Environments being created (they take their slot once they exist). */
  private creating = 0;
  private closed = false;

  constructor(
    private readonly ctx: EnvironmentContext,
    private readonly opts: PoolOptions,
    /** Prewarmed runtimes, when prewarming is on. */
    readonly cells?: CellPool,
  ) {}

  /**
   * Runs one invocation on an environment of `spec` and resolves with its outcome; `tail`:
   * collect its log lines (outcome.logTail).
   */
  run(spec: EnvironmentSpec, invocation: Invocation, opts: RunOptions = {}): Promise<InvocationOutcome> {
    return new Promise((finish) => {
      const job: Job = { invocation, ...(opts.tail && { tail: [] }), finish };
      const group = this.groupFor(spec);
      const env = (opts.provisioned && takeIdle(group.idleProvisioned)) || takeIdle(group.idle);
      if (env) env.run(job);
      else {
        group.queue.push(job);
        this.pump(group);
      }
    });
  }

  /** Whether `spec` has an idle provisioned environment right now. */
  hasIdleProvisioned(spec: EnvironmentSpec): boolean {
    return (this.groups.get(spec.key)?.idleProvisioned.length ?? 0) > 0;
  }

  /**
   * Keeps `count` environments of `spec` initialized ahead of any invocation, never
   * idle-expired, replaced when they die (provisioned concurrency). 0 releases them: idle ones
   * end now, busy ones become on-demand environments.
   */
  provision(spec: EnvironmentSpec, count: number): void {
    const group = this.groupFor(spec);
    if (count !== group.provisionTarget) group.provisionFailure = undefined;
    group.provisionTarget = count;
    for (const env of [...group.provisioned]) {
      if (group.provisioned.size <= count) break;
      group.provisioned.delete(env);
      env.keepWarm = false;
      if (remove(group.idleProvisioned, env)) void env.destroy();
    }
    this.provisionMore(group);
  }

  /** Allocated (initialized) and target provisioned environments of `spec`. */
  provisionStatus(spec: EnvironmentSpec): ProvisionStatus {
    const group = this.groups.get(spec.key);
    if (!group) return { requested: 0, allocated: 0 };
    let allocated = 0;
    for (const env of group.provisioned) if (env.state !== 'initializing' && env.state !== 'cold') allocated++;
    return {
      requested: group.provisionTarget,
      allocated,
      ...(group.provisionFailure !== undefined && { failure: group.provisionFailure }),
    };
  }

  /** Starts keep-warm environments until the group has its target (not after a failed Init). */
  provisionMore(group: Group): void {
    while (!this.closed && !group.retired && group.provisionFailure === undefined && group.provisioned.size < group.provisionTarget) {
      const placeholder = Symbol('creating');
      group.provisionPending.add(placeholder);
      this.creating++;
      void Environment.create(group.spec, this.ctx, group).then(
        (env) => {
          this.creating--;
          group.provisionPending.delete(placeholder);
          if (this.closed || group.retired || group.provisioned.size >= group.provisionTarget) {
            void env.destroy();
            return;
          }
          env.keepWarm = true;
          group.envs.add(env);
          group.provisioned.add(env);
          this.startSlots.add(env);
          env.initialize();
        },
        (err: Error) => {
          this.creating--;
          group.provisionPending.delete(placeholder);
          group.provisionFailure = err.message;
        },
      );
      if (group.provisioned.size + group.provisionPending.size >= group.provisionTarget) break;
    }
  }

  /** Ends the environments of every key `match` selects (see contract 3). */
  retire(match: (spec: EnvironmentSpec) => boolean): void {
    for (const [key, group] of this.groups) {
      if (!match(group.spec)) continue;
      this.groups.delete(key);
      group.retired = true;
      this.retiring.add(group);
      for (const env of [...group.idle, ...group.cold, ...group.idleProvisioned]) void env.destroy();
      group.idle.length = 0;
      group.cold.length = 0;
      group.idleProvisioned.length = 0;
      group.provisionTarget = 0;
      this.groupChanged(group);
    }
  }

  stats(): PoolStats {
    const byState: Record<string, number> = {};
    let environments = 0;
    let queued = 0;
    for (const group of [...this.groups.values(), ...this.retiring]) {
      queued += group.queue.length;
      for (const env of group.envs) {
        environments++;
        byState[env.state] = (byState[env.state] ?? 0) + 1;
      }
    }
    return { environments, byState, queued, starting: this.starting };
  }

  private get starting(): number {
    return this.creating + this.startSlots.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.cells?.close();
    const all = [...this.groups.values(), ...this.retiring];
    this.groups.clear();
    this.retiring.clear();
    for (const group of all) for (const job of group.queue.splice(0)) job.finish(shutdownOutcome(job));
    await Promise.allSettled(all.flatMap((g) => [...g.envs].map((env) => env.destroy())));
  }

  releaseStart(env: Environment): void {
    if (this.startSlots.delete(env)) this.pumpAll();
  }

  private pumpAll(): void {
    for (const group of [...this.groups.values(), ...this.retiring]) {
      if (group.queue.length > 0) this.pump(group);
      if (this.starting >= this.opts.maxConcurrentStarts) break;
    }
  }

  groupChanged(group: Group): void {
    if (group.retired && group.envs.size === 0) {
      this.retiring.delete(group);
      // Work queued on a retired group with no environment left still needs one.
      for (const job of group.queue.splice(0)) this.run(group.spec, job.invocation, { tail: job.tail !== undefined }).then(job.finish);
    }
  }

  private groupFor(spec: EnvironmentSpec): Group {
    let group = this.groups.get(spec.key);
    if (!group) {
      group = new Group(spec, this);
      this.groups.set(spec.key, group);
    }
    return group;
  }

  /** A new environment for `group`: in a prewarmed cell of its runtime when one is ready. */
  private async makeEnvironment(group: Group): Promise<Environment> {
    const { spec } = group;
    const cell = spec.cellKey !== undefined ? this.cells?.take(spec.cellKey) : undefined;
    if (cell) {
      try {
        if (await cell.populate(spec.taskDir, await this.cells!.entries(spec.taskDir))) {
          return Environment.adopt(cell, spec, this.ctx, group);
        }
      } catch (err) {
        this.ctx.onError('cannot hand a function to a prewarmed cell', err);
      }
      void cell.dispose();
    }
    return Environment.create(spec, this.ctx, group);
  }

  /** Starts cold environments for queued work while start slots are free. */
  pump(group: Group): void {
    // An environment that has just answered polls again within moments: work it will take
    // does not need a cold start.
    let draining = 0;
    for (const env of group.envs) if (env.state === 'draining') draining++;
    while (group.queue.length > draining && this.starting < this.opts.maxConcurrentStarts && !this.closed) {
      const job = group.queue.shift()!;
      const reuse = group.cold.pop();
      if (reuse) {
        this.startSlots.add(reuse);
        reuse.run(job);
        continue;
      }
      this.creating++;
      void this.makeEnvironment(group).then(
        (env) => {
          this.creating--;
          if (this.closed) {
            void env.destroy();
            job.finish(shutdownOutcome(job));
            return;
          }
          this.startSlots.add(env);
          group.envs.add(env);
          env.run(job);
        },
        (err: Error) => {
          this.creating--;
          job.finish(unstarted(job, err.message));
          this.pumpAll();
        },
      );
    }
  }
}
