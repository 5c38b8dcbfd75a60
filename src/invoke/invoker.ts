// The invoke path: resolve the qualifier (version, alias with weights, $LATEST) → run on an
// environment of that version → shape the answer as Lambda's Invoke does. Payloads pass
// through as bytes; nothing here touches the store once a function is cached, except an
// Event invocation, which is stored before it is acknowledged and removed once it has run:
// what was answered 202 runs even if the server is killed meanwhile (at least once).

import { randomUUID } from 'node:crypto';
import { ApiError, type AccountContext, functionArn, functionNotFound, LATEST, type VersionRecord } from '../model/index.js';
import { type EnvironmentSpec, type InvocationOutcome, type Pool } from '../pool/index.js';
import type { Invocation } from '../runtime-api/index.js';
import { type ConcurrencyGovernor, isThrottle, throttled } from './concurrency.js';
import type { RuntimeCatalog } from '../runtime-catalog/index.js';
import type { QueuedEventRecord, Store } from '../store/index.js';
import { FunctionRegistry } from './registry.js';
import { cellRecipe, environmentSpec } from './spec.js';

export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

export interface InvokeRequest {
  /** The invocation's id; Lambda answers Invoke with it as x-amzn-RequestId. */
  readonly requestId?: string;
  readonly functionName: string;
  readonly qualifier?: string;
  readonly invocationType: InvocationType;
  readonly tailLogs: boolean;
  readonly payload: Buffer;
  /** JSON text (already base64-decoded), synchronous invocations only. */
  readonly clientContext?: string;
  readonly contentType?: string;
  /** The caller's X-Amzn-Trace-Id, if any. */
  readonly traceId?: string;
}

export interface InvokeResult {
  readonly status: 200 | 202 | 204;
  readonly requestId: string;
  readonly payload?: Buffer;
  readonly functionError?: 'Unhandled';
  readonly executedVersion?: string;
  /** base64 of the last 4 KB of the invocation's log, when Tail was asked for. */
  readonly logResult?: string;
}

export interface InvokerDeps {
  readonly store: Store;
  readonly account: AccountContext;
  readonly runtimes: RuntimeCatalog;
  readonly pool: Pool;
  readonly governor: ConcurrencyGovernor;
  readonly onBackgroundError?: (err: unknown, requestId: string) => void;
  /** See SpecContext.roleEnvironment. */
  readonly roleEnvironment?: (functionName: string, role: string) => Record<string, string>;
}

const TAIL_BYTES = 4096;
/** Lambda's default MaximumEventAgeInSeconds: an event not run by then is discarded. */
const MAX_EVENT_AGE_MS = 6 * 3600 * 1000;
/** Lambda's waits before the 2nd and 3rd attempts of an Event invocation whose function failed. */
export const EVENT_RETRY_WAITS_MS: readonly number[] = [60_000, 120_000];

/**
 * When an Event invocation runs again after `attempts` attempts that ended in a function
 * error (a timeout and a crash included); undefined once its retries are spent or its next
 * attempt would come past the maximum event age.
 */
export function nextAttempt(attempts: number, acceptedAt: number, now: number): number | undefined {
  const wait = EVENT_RETRY_WAITS_MS[attempts - 1];
  if (wait === undefined) return undefined;
  const at = now + wait;
  return at - acceptedAt > MAX_EVENT_AGE_MS ? undefined : at;
}

/** scope: one per server. */
export class Invoker {
  readonly registry: FunctionRegistry;
  /** Specs per cached version record (records are replaced, never changed, on updates). */
  private readonly specs = new WeakMap<VersionRecord, EnvironmentSpec>();

  private readonly governor: ConcurrencyGovernor;
  /** Set by close(): queued events stay queued for the next start. */
  private closed = false;
  /** Per function, its Event invocations not yet started (deleting the function drops them). */
  private readonly pendingEvents = new Map<string, Set<PendingEvent>>();

  constructor(private readonly deps: InvokerDeps) {
    this.registry = new FunctionRegistry(deps.store, deps.account);
    this.governor = deps.governor;
  }

  async invoke(req: InvokeRequest): Promise<InvokeResult> {
    const target = await this.registry.resolve(req.functionName, req.qualifier);
    const requestId = req.requestId ?? randomUUID();
    if (req.invocationType === 'DryRun') return { status: 204, requestId };

    const spec = this.specOf(target.version);
    const invocation = {
      requestId,
      payload: req.payload.length === 0 ? EMPTY_EVENT : req.payload,
      deadlineMs: Date.now() + spec.timeoutMs,
      invokedFunctionArn: functionArn(this.deps.account, req.functionName, req.qualifier),
      traceId: req.traceId ?? traceIdFor(requestId),
      ...(req.clientContext !== undefined && { clientContext: req.clientContext }),
      ...(req.contentType !== undefined && { contentType: req.contentType }),
    };

    const fn = target.fn.name;
    if (req.invocationType === 'Event') {
      const queued: QueuedEventRecord = {
        requestId,
        functionName: fn,
        ...(req.qualifier !== undefined && { qualifier: req.qualifier }),
        payload: invocation.payload,
        traceId: invocation.traceId,
        acceptedAt: Date.now(),
      };
      if (!(await this.deps.store.events.add(queued))) throw functionNotFound(functionArn(this.deps.account, fn, req.qualifier ?? LATEST));
      this.runEvent(queued, spec);
      return { status: 202, requestId };
    }

    // Counting and running happen in one synchronous step: the idle provisioned environment
    // seen here is the one the pool hands out.
    const provisioned = this.deps.pool.hasIdleProvisioned(spec);
    const lease = this.governor.acquire(fn, provisioned);
    if (isThrottle(lease)) throw throttled(lease);
    let outcome: InvocationOutcome;
    try {
      outcome = await this.deps.pool.run(spec, invocation, { tail: req.tailLogs, provisioned });
    } finally {
      lease.release();
    }
    return {
      status: 200,
      requestId,
      payload: outcome.payload,
      executedVersion: target.version.version,
      ...(outcome.functionError && { functionError: outcome.functionError }),
      ...(req.tailLogs && { logResult: tail(outcome.logTail) }),
    };
  }

  /** The environment spec of a version (made once per version record). */
  specOf(version: VersionRecord): EnvironmentSpec {
    let spec = this.specs.get(version);
    if (!spec) {
      spec = environmentSpec(this.deps, version);
      this.specs.set(version, spec);
    }
    return spec;
  }

  /**
   * Runs the Event invocations a previous run of the server accepted and did not finish, in
   * the order they were accepted (a retry at its time).
   */
  async resumeQueued(): Promise<number> {
    const queued = await this.deps.store.events.list();
    for (const event of queued) this.runEvent(event);
    return queued.length;
  }

  /** A function was deleted: its Event invocations not started yet never will be. */
  functionDeleted(functionName: string): void {
    for (const pending of this.pendingEvents.get(functionName) ?? []) pending.dropped = true;
    this.pendingEvents.delete(functionName);
  }

  /** Stops finishing Event invocations: what has not run stays queued for the next start. */
  close(): void {
    this.closed = true;
  }

  /**
   * Runs a queued Event invocation when its time has come and a slot is free, then removes it
   * from the queue — or, after a function error, queues it again as Lambda retries it. The
   * spec, when given, is the one just resolved for it; otherwise it is resolved again (the
   * function may have changed since), and an event whose function or qualifier is gone, or
   * that is older than Lambda's maximum event age, is dropped.
   */
  private runEvent(queued: QueuedEventRecord, resolved?: EnvironmentSpec): void {
    const fn = queued.functionName;
    const { requestId } = queued;
    const pending: PendingEvent = { dropped: false };
    const waiting = this.pendingEvents.get(fn) ?? new Set();
    this.pendingEvents.set(fn, waiting.add(pending));
    const started = (): void => {
      waiting.delete(pending);
      if (waiting.size === 0 && this.pendingEvents.get(fn) === waiting) this.pendingEvents.delete(fn);
    };
    const gone = (): boolean => this.closed || pending.dropped; // (a deleted function's queue went with it)
    const report = (err: unknown): void => this.deps.onBackgroundError?.(err, requestId);
    const drop = (why: unknown): void => {
      started();
      report(why);
      this.deps.store.events.remove(requestId).catch(report);
    };
    const finished = (outcome: InvocationOutcome | undefined): void => {
      if (this.closed) return; // cut short by the shutdown: it runs after the restart
      const attempts = (queued.attempts ?? 0) + 1;
      const runAfter = outcome?.functionError ? nextAttempt(attempts, queued.acceptedAt, Date.now()) : undefined;
      if (runAfter === undefined) {
        this.deps.store.events.remove(requestId).catch(report);
        return;
      }
      this.deps.store.events.retryLater(requestId, attempts, runAfter).then(
        () => this.runEvent({ ...queued, attempts, runAfter }),
        report,
      );
    };

    const attempt = (spec: EnvironmentSpec): void => {
      if (gone()) return;
      const provisioned = this.deps.pool.hasIdleProvisioned(spec);
      const lease = this.governor.acquire(fn, provisioned);
      if (isThrottle(lease)) {
        if (this.governor.reservedOf(fn) === 0) {
          // As on Lambda: no retries for a function that may run nothing (no DLQ yet).
          drop(new Error(`dropped: ${fn} has reserved concurrency 0`));
          return;
        }
        this.governor.whenFree(() => attempt(spec));
        return;
      }
      started();
      const invocation: Invocation = {
        requestId,
        payload: queued.payload,
        deadlineMs: Date.now() + spec.timeoutMs,
        invokedFunctionArn: functionArn(this.deps.account, fn, queued.qualifier),
        traceId: queued.traceId ?? traceIdFor(requestId),
      };
      this.deps.pool
        .run(spec, invocation, { provisioned })
        .then(
          (outcome) => outcome,
          (err: unknown) => {
            report(err);
            return undefined;
          },
        )
        .then((outcome) => {
          lease.release();
          finished(outcome);
        });
    };

    const begin = (): void => {
      if (gone()) return;
      if (resolved) {
        attempt(resolved);
        return;
      }
      if (Date.now() - queued.acceptedAt > MAX_EVENT_AGE_MS) {
        drop(new Error('dropped: older than the maximum event age (6 hours)'));
        return;
      }
      // Still queued? (A function deleted, and maybe made again, meanwhile took it along.)
      this.deps.store.events
        .has(requestId)
        .then((queuedStill) => {
          if (!queuedStill) return void started();
          return this.registry.resolve(fn, queued.qualifier).then(
            ({ version }) => attempt(this.specOf(version)),
            (err: unknown) => drop(err),
          );
        })
        .catch(report);
    };
    const wait = (queued.runAfter ?? 0) - Date.now();
    if (wait > 0) setTimeout(begin, wait).unref();
    else begin();
  }

  /** Keeps prewarmed cells of this function's runtime from now on (best effort). */
  async prewarmFor(functionName: string): Promise<void> {
    const cells = this.deps.pool.cells;
    if (!cells) return;
    try {
      const { version } = await this.registry.resolve(functionName, undefined);
      const runtime = this.deps.runtimes.get(version.config.runtime);
      if (runtime) cells.want(cellRecipe(runtime, version.config.ephemeralStorage));
    } catch {
      // deleted meanwhile
    }
  }

  /** The control plane changed a function: forget what was cached. */
  invalidate(functionName: string): void {
    this.registry.invalidate(functionName);
  }
}

interface PendingEvent {
  dropped: boolean;
}

/** An empty request body reaches the function as an empty JSON object. */
const EMPTY_EVENT = Buffer.from('{}');

function tail(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  return (bytes.length > TAIL_BYTES ? bytes.subarray(bytes.length - TAIL_BYTES) : bytes).toString('base64');
}

/**
 * An X-Ray trace header as Lambda sends it to runtimes, its random parts taken from the
 * (random) request id rather than from fresh entropy on the hot path.
 */
function traceIdFor(requestId: string): string {
  const hex = requestId.replace(/-/g, '');
  const time = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
  return `Root=1-${time}-${hex.slice(0, 24)};Parent=${hex.slice(16, 32)};Sampled=0`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Checks that a payload is JSON, as Lambda does before it accepts an invocation. */
export function checkJsonPayload(payload: Buffer): void {
  if (payload.length === 0) return;
  try {
    JSON.parse(utf8.decode(payload));
  } catch (err) {
    throw new ApiError(
      'InvalidRequestContentException',
      `Could not parse request body into json: Could not parse payload into json: ${(err as Error).message}`,
    );
  }
}
