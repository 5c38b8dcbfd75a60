// Asynchronous (Event) invocations, as Lambda's internal queue runs them. An event is stored
// before Invoke answers 202 and removed once it has run, so what was acknowledged runs even
// if the server is killed meanwhile (at least once, like Lambda). It waits for concurrency
// like any invocation; a function error (a timeout and a crash included) is retried twice, a
// minute and then two minutes later; an event of a deleted function, or older than the
// maximum event age, is dropped.

import { functionArn, type AccountContext, type VersionRecord } from '../model/index.js';
import type { EnvironmentSpec, InvocationOutcome, Pool } from '../pool/index.js';
import type { Invocation } from '../runtime-api/index.js';
import type { QueuedEventRecord, Store } from '../store/index.js';
import { type ConcurrencyGovernor, isThrottle } from './concurrency.js';
import type { FunctionRegistry } from './registry.js';

/** Lambda's default MaximumEventAgeInSeconds: an event not run by then is discarded. */
const MAX_EVENT_AGE_MS = 6 * 3600 * 1000;
/** Lambda's waits before the 2nd and 3rd attempts of an Event invocation whose function failed. */
export const EVENT_RETRY_WAITS_MS: readonly number[] = [60_000, 120_000];

/**
 * When an Event invocation runs again after `attempts` attempts that ended in a function
 * error; undefined once its retries are spent or its next attempt would come past the
 * maximum event age.
 */
export function nextAttempt(attempts: number, acceptedAt: number, now: number): number | undefined {
  const wait = EVENT_RETRY_WAITS_MS[attempts - 1];
  if (wait === undefined) return undefined;
  const at = now + wait;
  return at - acceptedAt > MAX_EVENT_AGE_MS ? undefined : at;
}

export interface EventQueueDeps {
  readonly store: Store;
  readonly account: AccountContext;
  readonly pool: Pool;
  readonly governor: ConcurrencyGovernor;
  readonly registry: FunctionRegistry;
  readonly specOf: (version: VersionRecord) => EnvironmentSpec;
  /** The X-Ray header a runtime is given for a request id. */
  readonly traceIdFor: (requestId: string) => string;
  readonly onError?: (err: unknown, requestId: string) => void;
}

interface PendingEvent {
  dropped: boolean;
}

/** scope: one per server. */
export class EventQueue {
  /** Set by close(): queued events stay queued for the next start. */
  private closed = false;
  /** Per function, its events not yet started (deleting the function drops them). */
  private readonly pending = new Map<string, Set<PendingEvent>>();

  constructor(private readonly deps: EventQueueDeps) {}

  /**
   * Stores an accepted event and runs it on `spec` (its version, just resolved). False when
   * the function is gone (nothing stored).
   */
  async accept(event: QueuedEventRecord, spec: EnvironmentSpec): Promise<boolean> {
    if (!(await this.deps.store.events.add(event))) return false;
    this.run(event, spec);
    return true;
  }

  /**
   * Runs the events a previous run of the server accepted and did not finish, in the order
   * they were accepted (a retry at its time). Returns how many there were.
   */
  async resume(): Promise<number> {
    const queued = await this.deps.store.events.list();
    for (const event of queued) this.run(event);
    return queued.length;
  }

  /** A function was deleted: its events not started yet never will be. */
  functionDeleted(functionName: string): void {
    for (const pending of this.pending.get(functionName) ?? []) pending.dropped = true;
    this.pending.delete(functionName);
  }

  /** Stops finishing events: what has not run stays queued for the next start. */
  close(): void {
    this.closed = true;
  }

  /**
   * Runs a queued event when its time has come and a slot is free, then removes it from the
   * queue, or queues it again for a retry. Without `resolved`, the function is resolved
   * again (it may have changed since the event was accepted).
   */
  private run(event: QueuedEventRecord, resolved?: EnvironmentSpec): void {
    const { store, governor, pool } = this.deps;
    const fn = event.functionName;
    const { requestId } = event;
    const pending: PendingEvent = { dropped: false };
    const waiting = this.pending.get(fn) ?? new Set();
    this.pending.set(fn, waiting.add(pending));
    const started = (): void => {
      waiting.delete(pending);
      if (waiting.size === 0 && this.pending.get(fn) === waiting) this.pending.delete(fn);
    };
    const gone = (): boolean => this.closed || pending.dropped; // (a deleted function's queue went with it)
    const report = (err: unknown): void => this.deps.onError?.(err, requestId);
    const drop = (why: unknown): void => {
      started();
      report(why);
      store.events.remove(requestId).catch(report);
    };
    const finished = (outcome: InvocationOutcome | undefined): void => {
      if (this.closed) return; // cut short by the shutdown: it runs after the restart
      const attempts = (event.attempts ?? 0) + 1;
      const runAfter = outcome?.functionError ? nextAttempt(attempts, event.acceptedAt, Date.now()) : undefined;
      if (runAfter === undefined) {
        store.events.remove(requestId).catch(report);
        return;
      }
      store.events.retryLater(requestId, attempts, runAfter).then(() => this.run({ ...event, attempts, runAfter }), report);
    };

    const attempt = (spec: EnvironmentSpec): void => {
      if (gone()) return;
      const provisioned = pool.hasIdleProvisioned(spec);
      const lease = governor.acquire(fn, provisioned);
      if (isThrottle(lease)) {
        if (governor.reservedOf(fn) === 0) {
          // As on Lambda: no retries for a function that may run nothing (no DLQ yet).
          drop(new Error(`dropped: ${fn} has reserved concurrency 0`));
          return;
        }
        governor.whenFree(() => attempt(spec));
        return;
      }
      started();
      const invocation: Invocation = {
        requestId,
        payload: event.payload,
        deadlineMs: Date.now() + spec.timeoutMs,
        invokedFunctionArn: functionArn(this.deps.account, fn, event.qualifier),
        traceId: event.traceId ?? this.deps.traceIdFor(requestId),
      };
      pool
        .run(spec, invocation, { provisioned })
        .then(
          (outcome) => outcome,
          (err: unknown) => void report(err),
        )
        .then((outcome) => {
          lease.release();
          finished(outcome);
        });
    };

    const begin = (): void => {
      if (gone()) return;
      if (resolved) return attempt(resolved);
      if (Date.now() - event.acceptedAt > MAX_EVENT_AGE_MS) return drop(new Error('dropped: older than the maximum event age (6 hours)'));
      // Still queued? (A function deleted, and maybe made again, meanwhile took it along.)
      store.events
        .has(requestId)
        .then((queued) => {
          if (!queued) return started();
          return this.deps.registry.resolve(fn, event.qualifier).then(
            ({ version }) => attempt(this.deps.specOf(version)),
            (err: unknown) => drop(err),
          );
        })
        .catch(report);
    };
    const wait = (event.runAfter ?? 0) - Date.now();
    if (wait > 0) setTimeout(begin, wait).unref();
    else begin();
  }
}
