// Counting: every invocation holds a slot of concurrency while it runs, and is throttled
// (TooManyRequestsException, before any environment starts) when Lambda's limits say so:
//
// - a function with reserved concurrency R runs at most R at once, its provisioned
//   environments included: on-demand work of that function gets R − P slots;
// - functions without a reservation share the account limit minus every reservation, and
//   their provisioned environments hold their slots whether busy or not;
// - an invocation that runs on a provisioned environment uses a slot the function already holds.

import { ApiError } from '../model/index.js';

export type ThrottleReason = 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded';

export interface Lease {
  release(): void;
}

interface FunctionCount {
  /** Reserved concurrency, when set. */
  reserved?: number;
  /** Provisioned environments allocated to the function (all its versions and aliases). */
  provisioned: number;
  /** Invocations running on on-demand environments. */
  onDemand: number;
}

/** scope: one per server. */
export class ConcurrencyGovernor {
  /** function name => its counts */
  private readonly counts = new Map<string, FunctionCount>();
  /** Σ reserved over every function. */
  private reservedTotal = 0;
  /** Σ (provisioned + on-demand) over functions without a reservation. */
  private unreservedHeld = 0;
  /** Callbacks waiting for a slot to free (throttled asynchronous invocations). */
  private waiters: (() => void)[] = [];

  constructor(private readonly accountLimit: number) {}

  private count(fn: string): FunctionCount {
    let c = this.counts.get(fn);
    if (!c) {
      c = { provisioned: 0, onDemand: 0 };
      this.counts.set(fn, c);
    }
    return c;
  }

  /** Sets (or clears) a function's reserved concurrency. */
  setReserved(fn: string, reserved: number | undefined): void {
    const c = this.count(fn);
    if (c.reserved === undefined) this.unreservedHeld -= c.provisioned + c.onDemand;
    else this.reservedTotal -= c.reserved;
    c.reserved = reserved;
    if (reserved === undefined) this.unreservedHeld += c.provisioned + c.onDemand;
    else this.reservedTotal += reserved;
    this.wake();
  }

  /** Sets how many provisioned environments a function holds. */
  setProvisioned(fn: string, provisioned: number): void {
    const c = this.count(fn);
    if (c.reserved === undefined) this.unreservedHeld += provisioned - c.provisioned;
    c.provisioned = provisioned;
    this.wake();
  }

  /** A deleted function: its reservation returns to the pool (running work keeps its leases). */
  forget(fn: string): void {
    this.setReserved(fn, undefined);
    this.setProvisioned(fn, 0);
  }

  reservedOf(fn: string): number | undefined {
    return this.counts.get(fn)?.reserved;
  }

  /** The concurrency functions without a reservation share (UnreservedConcurrentExecutions). */
  get unreserved(): number {
    return Math.max(0, this.accountLimit - this.reservedTotal);
  }

  /**
   * A slot for one invocation of `fn`, or why not. `provisioned`: it will run on one of the
   * function's idle provisioned environments, whose slot the function already holds.
   */
  acquire(fn: string, provisioned = false): Lease | ThrottleReason {
    if (provisioned) return NO_COST;
    const c = this.count(fn);
    if (c.reserved !== undefined) {
      if (c.onDemand + c.provisioned >= c.reserved) return 'ReservedFunctionConcurrentInvocationLimitExceeded';
    } else if (this.unreservedHeld >= this.unreserved) {
      return 'ConcurrentInvocationLimitExceeded';
    }
    c.onDemand++;
    if (c.reserved === undefined) this.unreservedHeld++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        c.onDemand--;
        if (c.reserved === undefined) this.unreservedHeld--;
        this.wake();
      },
    };
  }

  /** Runs `retry` once a slot may have freed (or after `maxWaitMs`, whichever comes first). */
  whenFree(retry: () => void, maxWaitMs = 1000): void {
    let done = false;
    const once = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      retry();
    };
    const timer = setTimeout(once, maxWaitMs);
    this.waiters.push(once);
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }
}

const NO_COST: Lease = { release() {} };

/** AWS's answer to a throttled synchronous invocation. */
export function throttled(reason: ThrottleReason): ApiError {
  return new ApiError('TooManyRequestsException', 'Rate Exceeded.', { Reason: reason }, { 'Retry-After': '1' });
}

export function isThrottle(result: Lease | ThrottleReason): result is ThrottleReason {
  return typeof result === 'string';
}
