// One execution environment: a sandbox running a runtime, its Runtime API endpoint, its
// private /tmp and its log stream, through Lambda's lifecycle.
//
//   cold ──start──▶ initializing ──first next──▶ busy (its job) | idle
//   idle ──run──▶ busy ──result──▶ draining ──next──▶ idle | busy (more work)
//   busy | initializing ──timeout, crash, OOM, init error──▶ cold   (runtime killed; /tmp kept)
//   any ──destroy (idle expiry, retire, shutdown)──▶ dead
//
// Contract:
// 1. At most one job at a time. A job handed to a cold environment is its cold start: that
//    job receives any init failure.
// 2. Every job is finished exactly once, with an outcome, whatever happens to the runtime.
// 3. Between jobs (idle) the sandbox is frozen — after FREEZE_AFTER_MS, so that back-to-back
//    invocations do not pay two cgroup writes (≈100 µs each on cgroup v1) apiece — and it is
//    thawed before a job is delivered.
// 4. After a reset (timeout, crash, OOM, init failure) the next job re-runs Init in the same
//    environment: same /tmp, same log stream, same endpoint.
// 5. An on-demand Init that fails while a job waits for it is run once more inside that job,
//    under the job's timeout, as Lambda does ("suppressed init"): Phase: init, then Phase:
//    invoke in INIT_REPORT. Only if the second attempt fails too does the job get the error.

import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { type Invocation, RuntimeEndpoint, type RuntimeEvent } from '../runtime-api/index.js';
import { type ExitInfo, type Identity, peerUid, type Sandbox, type SandboxDriver, type Scratch } from '../sandbox/index.js';
import { RUNTIME_ERROR } from '../model/index.js';
import type { Cell } from './cells.js';
import * as platform from './platform.js';
import { readLines } from './read-lines.js';
import { IllegalTransition, type Job, type LogSink } from './types.js';

export type EnvironmentState = 'cold' | 'initializing' | 'idle' | 'busy' | 'draining' | 'dead';

const ALLOWED: Record<EnvironmentState, readonly EnvironmentState[]> = {
  cold: ['initializing', 'dead'],
  initializing: ['busy', 'idle', 'cold', 'dead'],
  idle: ['busy', 'cold', 'dead'],
  busy: ['draining', 'cold', 'dead'],
  draining: ['idle', 'busy', 'cold', 'dead'],
  dead: [],
};

/** Where a runtime finds things, as the sandbox shows them. */
export interface GuestPaths {
  readonly task: string;
  readonly runtime: string;
  readonly tmp: string;
}

/** Everything an environment runs, decided by invoke/ from a function version. */
export interface EnvironmentSpec {
  /** Environments are shared only between invocations of the same key. */
  readonly key: string;
  readonly functionName: string;
  /** The version that executes ($LATEST or a number). */
  readonly version: string;
  readonly memoryMB: number;
  readonly timeoutMs: number;
  readonly ephemeralMB: number;
  readonly logGroup: string;
  /** Host path of the unpacked code. */
  readonly taskDir: string;
  /** For INIT_START: e.g. `nodejs:20.v1` and its ARN. */
  readonly runtimeVersion: string;
  readonly runtimeVersionArn: string;
  readonly argv: (paths: GuestPaths) => string[];
  /** The prewarmed cells this spec can start in (a runtime id), if any. */
  readonly cellKey?: string;
  /** Host folders the runtime needs besides the system ones (e.g. an interpreter's prefix). */
  readonly extraBinds: readonly { readonly source: string; readonly target: string }[];
  /** The runtime's environment, without the variables the environment itself sets. */
  readonly env: (paths: GuestPaths) => Record<string, string>;
}

export interface EnvironmentContext {
  readonly driver: SandboxDriver;
  /** Host path of Lamina's runtimes/ folder. */
  readonly runtimeDir: string;
  readonly sink: LogSink;
  readonly idleTimeoutMs: number;
  readonly initTimeoutMs: number;
  /** Cap each environment's CPU at MemorySize / 1769 vCPUs (besides the proportional share). */
  readonly cpuQuota: boolean;
  /** Failures of Lamina's own (never the function's), for the server log. */
  readonly onError: (what: string, err: unknown) => void;
}

export interface EnvironmentOwner {
  /** The environment is idle and can take a job now. */
  available(env: Environment): void;
  /** The environment left Init (ready, failed or destroyed). */
  initEnded(env: Environment): void;
  /** The environment is dead. */
  gone(env: Environment): void;
}

const MB = 1024 * 1024;

/**
 * A Runtime API endpoint's admission: connections from processes of `uid` only. Refusals are
 * logged: a function probing its neighbours, or (were it ever to happen) one refused wrongly.
 */
export function admitOnly(uid: number, ctx: Pick<EnvironmentContext, 'onError'>): (socket: Socket) => boolean {
  return (socket) => {
    const peer = peerUid(socket);
    if (peer === uid) return true;
    ctx.onError(`a Runtime API connection for uid ${uid} was refused`, new Error(`peer uid: ${peer ?? 'not found'}`));
    return false;
  };
}

/** Lambda's ratio of memory to CPU. */
const MB_PER_VCPU = 1769;

/** How long an idle environment may run on before it is frozen. */
const FREEZE_AFTER_MS = 10;

/** scope: one per execution environment. */
export class Environment {
  state: EnvironmentState = 'cold';
  readonly id = randomBytes(16).toString('hex');
  readonly logStream: string;
  private sandbox: Sandbox | undefined;
  private job: Job | undefined;
  private delivered = false;
  /** The job's START line is written. */
  private announced = false;
  /** When the job's Duration began: its delivery, or the start of its Init retry. */
  private jobStarted = 0;
  /** While Init is retried inside the job (contract 5): when the job's time is up. */
  private retryDeadline: number | undefined;
  private initStarted = 0;
  /** Set by a successful Init until the first job's REPORT carries it. */
  private initDurationMs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private freezeTimer: NodeJS.Timeout | undefined;
  private frozen = false;
  /** Provisioned environments never idle-expire (set by the pool). */
  keepWarm = false;
  /** Why the last Init failed (its error type), until an Init succeeds. */
  initFailure: string | undefined;
  /** Host folder shown at /var/task. */
  private taskDir: string;
  /** The prewarmed cell this environment starts in, until its first Init. */
  private cell: Cell | undefined;
  /** A cell's /var/task folder, removed with the environment. */
  private cellDir: string | undefined;

  private constructor(
    readonly spec: EnvironmentSpec,
    private readonly ctx: EnvironmentContext,
    private readonly owner: EnvironmentOwner,
    private readonly endpoint: RuntimeEndpoint,
    private readonly scratch: Scratch,
    private readonly identity: Identity,
  ) {
    const d = new Date();
    const date = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`;
    this.logStream = `${date}/[${spec.version}]${this.id}`;
    this.taskDir = spec.taskDir;
  }

  /** An environment (cold) that will start in a prewarmed cell (its code linked in already). */
  static adopt(cell: Cell, spec: EnvironmentSpec, ctx: EnvironmentContext, owner: EnvironmentOwner): Environment {
    const env = new Environment(spec, ctx, owner, cell.endpoint, cell.scratch, cell.identity);
    cell.target = (e) => {
      try {
        env.onRuntimeEvent(e);
      } catch (err) {
        ctx.onError(`environment ${env.id}: ${e.kind} event failed`, err);
      }
    };
    env.cell = cell;
    env.taskDir = cell.taskDir;
    env.cellDir = cell.taskDir;
    return env;
  }

  /**
   * Makes an environment (cold): its identity, its /tmp and its Runtime API endpoint, which
   * answers only processes of that identity.
   */
  static async create(spec: EnvironmentSpec, ctx: EnvironmentContext, owner: EnvironmentOwner): Promise<Environment> {
    const identity = ctx.driver.allocateIdentity();
    let scratch: Scratch | undefined;
    let endpoint: RuntimeEndpoint | undefined;
    try {
      scratch = await ctx.driver.scratch.create(spec.ephemeralMB * MB);
      scratch.own(identity.uid, identity.gid);
      let env: Environment | undefined;
      const own = process.getuid?.();
      endpoint = await RuntimeEndpoint.listen({
        onEvent: (e) => {
          try {
            env?.onRuntimeEvent(e);
          } catch (err) {
            ctx.onError(`environment ${env?.id}: ${e.kind} event failed`, err);
          }
        },
        // With a per-environment uid, only that uid's processes may talk to this endpoint.
        ...(identity.uid !== own && { admit: admitOnly(identity.uid, ctx) }),
      });
      env = new Environment(spec, ctx, owner, endpoint, scratch, identity);
      return env;
    } catch (err) {
      await endpoint?.close();
      await scratch?.dispose();
      identity.release();
      throw err;
    }
  }

  /** Runs a job: delivered at once when idle, after Init when cold. */
  run(job: Job): void {
    if (this.job) throw new IllegalTransition(`environment ${this.id} already has a job`);
    this.job = job;
    this.delivered = false;
    if (this.state === 'cold') {
      this.startRuntimeSafely();
      return;
    }
    if (this.state !== 'idle' && this.state !== 'draining') throw new IllegalTransition(`cannot run a job while ${this.state}`);
    this.clearTimer();
    this.wake();
    this.tryDeliver();
  }

  /** Starts the runtime without a job (provisioned concurrency, prewarming). */
  initialize(): void {
    if (this.state === 'cold') this.startRuntimeSafely();
  }

  /** Ends the environment for good, releasing everything it holds (each step even if one fails). */
  async destroy(): Promise<void> {
    if (this.state === 'dead') return;
    this.move('dead');
    // Unusable from now on: the owner forgets it at once, not after the slow clean-up below.
    this.owner.gone(this);
    this.clearTimer();
    this.wake();
    // A cell never started here still runs its (waiting) runtime.
    const sandbox = this.sandbox ?? this.cell?.sandbox;
    this.sandbox = undefined;
    this.cell = undefined;
    this.finishJob(this.failure(RUNTIME_ERROR.SandboxFailure, 'The execution environment was shut down'), 'error', RUNTIME_ERROR.SandboxFailure);
    const steps: (() => Promise<unknown>)[] = [
      async () => {
        if (!sandbox) return;
        sandbox.kill();
        await sandbox.exited;
        await sandbox.dispose();
      },
      () => this.endpoint.close(),
      () => this.scratch.dispose(),
      async () => {
        if (this.cellDir) await rm(this.cellDir, { recursive: true, force: true });
      },
    ];
    const failures: unknown[] = [];
    for (const step of steps) await step().catch((err: unknown) => failures.push(err));
    this.identity.release();
    for (const err of failures) this.ctx.onError(`environment ${this.id} did not release everything`, err);
  }

  private move(to: EnvironmentState): void {
    if (!ALLOWED[this.state].includes(to)) {
      throw new IllegalTransition(`environment ${this.id}: ${this.state} → ${to}`);
    }
    const from = this.state;
    this.state = to;
    if (from === 'initializing') this.owner.initEnded(this);
  }

  private startRuntimeSafely(): void {
    this.startRuntime().catch((err: unknown) => this.ctx.onError(`environment ${this.id}: runtime start failed`, err));
  }

  /** What the runtime of this environment is started with. */
  private launchPlan() {
    const { spec, ctx } = this;
    const binds = [
      { source: this.taskDir, target: '/var/task' },
      { source: ctx.runtimeDir, target: '/var/runtime' },
      { source: this.scratch.path, target: '/tmp', writable: true },
    ] as const;
    const paths: GuestPaths = {
      task: ctx.driver.pathOf(binds[0]),
      runtime: ctx.driver.pathOf(binds[1]),
      tmp: ctx.driver.pathOf(binds[2]),
    };
    const env = {
      ...spec.env(paths),
      AWS_LAMBDA_RUNTIME_API: this.endpoint.address,
      AWS_LAMBDA_LOG_STREAM_NAME: this.logStream,
      AWS_LAMBDA_INITIALIZATION_TYPE: this.keepWarm ? 'provisioned-concurrency' : 'on-demand',
    };
    const limits = {
      memoryBytes: spec.memoryMB * MB,
      pids: 1024,
      // CPU in proportion to memory, as Lambda allots it: 1,769 MB is one full vCPU.
      cpuWeight: Math.max(1, Math.min(10000, Math.round((spec.memoryMB / 128) * 100))),
      ...(ctx.cpuQuota && { cpuQuota: spec.memoryMB / MB_PER_VCPU }),
      scratchBytes: spec.ephemeralMB * MB,
    };
    return { binds: [...binds, ...spec.extraBinds], paths, env, limits };
  }

  private beginInit(): void {
    this.move('initializing');
    this.log(platform.initStartLine(this.spec.runtimeVersion, this.spec.runtimeVersionArn));
    this.initStarted = performance.now();
    const limit = this.retryDeadline === undefined ? this.ctx.initTimeoutMs : this.retryDeadline - this.initStarted;
    this.timer = setTimeout(() => this.onInitTimeout(), limit);
  }

  /** The Init phase being run: its own, or inside a job (contract 5). */
  private get initPhase(): 'init' | 'invoke' {
    return this.retryDeadline === undefined ? 'init' : 'invoke';
  }

  /**
   * After a failed Init (its INIT_REPORT written): when a job is waiting, on demand, and this
   * was not the retry already, restarts the runtime for Init inside the job; false otherwise.
   */
  private retryInit(): boolean {
    if (this.keepWarm || !this.job || this.retryDeadline !== undefined || this.state !== 'initializing') return false;
    this.resetRuntime();
    this.jobStarted = performance.now();
    this.retryDeadline = this.jobStarted + this.spec.timeoutMs;
    // Part of a job that holds no start slot: it does not wait for one.
    this.startRuntimeSafely();
    return true;
  }

  /** Watches a started runtime: its output into the log, its exit. */
  private attach(sandbox: Sandbox): void {
    this.sandbox = sandbox;
    readLines(sandbox.stdout, (line) => this.log(line));
    readLines(sandbox.stderr, (line) => this.log(line));
    void sandbox.exited.then((info) => this.onExit(sandbox, info));
  }

  private async startRuntime(): Promise<void> {
    if (this.cell) return this.startFromCell(this.cell);
    const { spec, ctx } = this;
    const plan = this.launchPlan();
    this.beginInit();
    let sandbox: Sandbox;
    try {
      sandbox = await ctx.driver.start({
        argv: spec.argv(plan.paths),
        env: plan.env,
        cwd: plan.paths.task,
        binds: plan.binds,
        identity: this.identity,
        limits: plan.limits,
      });
    } catch (err) {
      this.clearTimer();
      this.log(`Failed to start the runtime: ${(err as Error).message}`);
      this.initFailure = RUNTIME_ERROR.InvalidEntrypoint;
      this.finishJob(this.failure(RUNTIME_ERROR.InvalidEntrypoint, `Failed to start the runtime: ${(err as Error).message}`), 'error', RUNTIME_ERROR.InvalidEntrypoint);
      if (this.state === 'initializing') {
        this.move('cold');
        this.rest();
      }
      return;
    }
    if (this.state !== 'initializing') {
      // Destroyed or timed out while the sandbox was being made.
      sandbox.kill();
      void sandbox.exited.then(() => sandbox.dispose());
      return;
    }
    this.attach(sandbox);
  }

  /** Init in a prewarmed cell: the runtime is running already; give it the function. */
  private startFromCell(cell: Cell): void {
    this.cell = undefined;
    const plan = this.launchPlan();
    this.beginInit();
    cell.sandbox.setLimits(plan.limits);
    this.attach(cell.sandbox);
    cell.sandbox.stdin?.end(cell.recipe.encode(plan.env));
  }

  private onRuntimeEvent(e: RuntimeEvent): void {
    switch (e.kind) {
      case 'next':
        if (e.first) {
          this.clearTimer();
          this.initFailure = undefined;
          const initDuration = performance.now() - this.initStarted;
          if (this.keepWarm && !this.job) {
            // Initialized ahead of demand: reported here, not in its first invocation's REPORT.
            this.log(`INIT_REPORT Init Duration: ${initDuration.toFixed(2)} ms`);
          } else if (this.retryDeadline === undefined) {
            // (Init retried inside a job is part of the job's Duration instead.)
            this.initDurationMs = initDuration;
          }
        }
        if (this.state === 'initializing' || this.state === 'draining') {
          if (this.job) {
            this.tryDeliver();
          } else {
            this.move('idle');
            this.rest();
          }
        } else if (this.state === 'busy') {
          this.tryDeliver();
        }
        return;
      case 'next-lost':
        return;
      case 'response':
        this.completeJob({ payload: e.body });
        return;
      case 'error':
        this.completeJob({ payload: e.body, functionError: 'Unhandled' });
        return;
      case 'oversize':
        this.completeJob(platform.responseTooLarge());
        return;
      case 'init-error': {
        const duration = performance.now() - this.initStarted;
        const phase = this.initPhase;
        this.initFailure = e.errorType;
        this.clearTimer();
        this.log(platform.initReportLine(duration, phase, 'error', e.errorType));
        if (this.retryInit()) return;
        this.finishJob({ payload: e.body, functionError: 'Unhandled' }, 'error', e.errorType, phase === 'init' ? duration : undefined);
        this.resetRuntime();
        return;
      }
    }
  }

  private tryDeliver(): void {
    const job = this.job;
    if (!job || this.delivered || !this.endpoint.waiting) return;
    if (this.state !== 'busy') this.move('busy');
    this.delivered = true;
    const now = performance.now();
    if (this.retryDeadline === undefined) this.jobStarted = now;
    this.announce();
    this.clearTimer();
    this.timer = setTimeout(() => this.onJobTimeout(), this.retryDeadline === undefined ? this.spec.timeoutMs : Math.max(0, this.retryDeadline - now));
    this.endpoint.deliver(job.invocation);
  }

  /** A result arrived for the delivered job. */
  private completeJob(result: { payload: Buffer; functionError?: 'Unhandled' }): void {
    if (!this.job || this.state !== 'busy') return;
    this.clearTimer();
    this.move('draining');
    const job = this.job;
    if (!job.tail) {
      this.finishJob(result); // its END and REPORT are written later in this turn anyway
      return;
    }
    // Output the runtime wrote just before posting its result may still sit in the pipe:
    // let this turn of the event loop read it, so that it is part of the Tail, before END.
    setImmediate(() => {
      if (this.job === job) this.finishJob(result);
    });
  }

  private onJobTimeout(): void {
    const job = this.job;
    if (!job || this.state !== 'busy') return;
    const seconds = this.spec.timeoutMs / 1000;
    this.log(platform.timeoutLine(job.invocation.requestId, seconds));
    this.endpoint.abandon();
    this.finishJob(this.failure(RUNTIME_ERROR.SandboxTimedout, `Task timed out after ${seconds.toFixed(2)} seconds`), 'timeout');
    this.resetRuntime();
  }

  private onInitTimeout(): void {
    if (this.state !== 'initializing') return;
    const phase = this.initPhase;
    this.initFailure = RUNTIME_ERROR.SandboxTimedout;
    const duration = performance.now() - this.initStarted;
    this.log(platform.initReportLine(duration, phase, 'timeout'));
    if (this.retryInit()) return;
    const what =
      phase === 'init'
        ? `Init phase timed out after ${(this.ctx.initTimeoutMs / 1000).toFixed(2)} seconds`
        : `Task timed out after ${(this.spec.timeoutMs / 1000).toFixed(2)} seconds`;
    this.finishJob(this.failure(RUNTIME_ERROR.SandboxTimedout, what), 'timeout', undefined, phase === 'init' ? duration : undefined);
    this.resetRuntime();
  }

  private onExit(sandbox: Sandbox, info: ExitInfo): void {
    void sandbox.dispose();
    if (sandbox !== this.sandbox) return; // an old runtime, already reset
    if (this.state === 'dead') {
      this.sandbox = undefined;
      return;
    }
    // this.sandbox stays until resetRuntime() below: the REPORT reads the dead tree's peak.
    const errorType = info.outOfMemory ? RUNTIME_ERROR.OutOfMemory : RUNTIME_ERROR.ExitError;
    if (this.state === 'initializing') {
      this.initFailure = errorType;
      if (this.job) {
        this.log(platform.initReportLine(performance.now() - this.initStarted, this.initPhase, 'error', errorType));
        if (this.retryInit()) return;
      }
    }
    if (this.job) {
      const message = platform.exitMessage(this.job.invocation.requestId, info);
      this.announce();
      this.log(message);
      this.log(errorType);
      // The payload names Runtime.ExitError even for OOM; REPORT names Runtime.OutOfMemory.
      this.finishJob({ payload: Buffer.from(JSON.stringify({ errorType: RUNTIME_ERROR.ExitError, errorMessage: message })), functionError: 'Unhandled' }, 'error', errorType);
    }
    this.resetRuntime();
  }

  /** Kills the runtime and returns to cold, keeping /tmp, the endpoint and the log stream. */
  private resetRuntime(): void {
    this.clearTimer();
    this.wake();
    const sandbox = this.sandbox;
    this.sandbox = undefined;
    this.endpoint.reset();
    this.initDurationMs = undefined;
    sandbox?.kill();
    if (this.state !== 'dead' && this.state !== 'cold') this.move('cold');
    if (this.state === 'cold' && !this.job) this.rest();
  }

  /**
   * Ends the current job with `outcome` and writes its END/REPORT lines. `status`/`errorType`
   * mark platform failures in REPORT.
   */
  private finishJob(
    outcome: { payload: Buffer; functionError?: 'Unhandled' } | undefined,
    status?: 'timeout' | 'error',
    errorType?: string,
    initDurationOverride?: number,
  ): void {
    const job = this.job;
    if (!job || !outcome) return;
    const id = job.invocation.requestId;
    const durationMs = this.delivered || this.retryDeadline !== undefined ? performance.now() - this.jobStarted : 0;
    const initDurationMs = initDurationOverride ?? this.initDurationMs;
    this.initDurationMs = undefined;
    this.announce();
    const sandbox = this.sandbox;
    const closing = (): void => {
      const peak = sandbox?.memoryPeak();
      this.log(platform.endLine(id));
      this.log(
        platform.reportLine({
          requestId: id,
          durationMs,
          memoryMB: this.spec.memoryMB,
          maxMemoryUsedMB: peak === undefined ? 0 : Math.max(1, Math.round(peak / MB)),
          ...(initDurationMs !== undefined && { initDurationMs }),
          ...(status !== undefined && { status }),
          ...(errorType !== undefined && { errorType }),
        }),
      );
    };
    this.delivered = false;
    this.announced = false;
    this.retryDeadline = undefined;
    // Without a Tail to return, END and REPORT (and the memory reading) leave the response's
    // path: they are written in this turn of the event loop, after the answer has gone out.
    if (job.tail) closing();
    else setImmediate(closing);
    this.job = undefined;
    job.finish({
      payload: outcome.payload,
      ...(outcome.functionError && { functionError: outcome.functionError }),
      logTail: job.tail?.join('') ?? '',
      durationMs,
      ...(initDurationMs !== undefined && { initDurationMs }),
    });
  }

  /** Between jobs: offered to the owner for more work; else frozen and on the idle clock. */
  private rest(): void {
    this.clearTimer();
    this.owner.available(this); // may hand over a job at once
    if (this.job || (this.state !== 'idle' && this.state !== 'cold')) return;
    if (this.state === 'idle') this.freezeTimer = setTimeout(() => this.freeze(), FREEZE_AFTER_MS);
    if (!this.keepWarm) this.timer = setTimeout(() => void this.destroy(), this.ctx.idleTimeoutMs);
  }

  private freeze(): void {
    this.freezeTimer = undefined;
    if (this.state !== 'idle' || !this.sandbox || this.frozen) return;
    this.sandbox.freeze();
    this.frozen = true;
  }

  /** Cancels a pending freeze, or thaws. */
  private wake(): void {
    if (this.freezeTimer) clearTimeout(this.freezeTimer);
    this.freezeTimer = undefined;
    if (this.frozen) this.sandbox?.thaw();
    this.frozen = false;
  }

  /** The current job's START line, once. */
  private announce(): void {
    if (!this.job || this.announced) return;
    this.announced = true;
    this.log(platform.startLine(this.job.invocation.requestId, this.spec.version));
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The platform's error payload for the current job, if there is one. */
  private failure(errorType: string, what: string): platform.PlatformFailure | undefined {
    return this.job && platform.platformFailure(this.job.invocation.requestId, errorType, what);
  }

  /** One log event; like Lambda's, its message ends with a newline. */
  private log(message: string): void {
    const line = message + '\n';
    this.ctx.sink.write(this.spec.logGroup, this.logStream, Date.now(), line);
    this.job?.tail?.push(line);
  }
}

export type { Invocation };
