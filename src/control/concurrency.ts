// Reserved concurrency (PutFunctionConcurrency): stored on the function record and checked
// against the account limit, which must keep a minimum of unreserved concurrency for the
// functions that reserve none. Enforcement on invoke reads the stored value.

import { functionArn, functionNotFound, invalidParameter, LATEST } from '../model/index.js';
import type { ControlDeps } from './deps.js';

/**
 * UnreservedConcurrentExecutions may not fall below 100 (AWS's minimum); an account whose
 * whole limit is smaller keeps all of it unreserved.
 */
export function minimumUnreserved(accountConcurrency: number): number {
  return Math.min(100, accountConcurrency);
}

/** The sum of every function's reserved concurrency, leaving out `except`. */
async function reservedTotal(deps: ControlDeps, except?: string): Promise<number> {
  let total = 0;
  for (const fn of await deps.store.functions.list()) {
    if (fn.name !== except) total += fn.reservedConcurrency ?? 0;
  }
  return total;
}

/** AccountLimit.UnreservedConcurrentExecutions: the limit minus what functions reserve. */
export async function unreservedConcurrency(deps: ControlDeps): Promise<number> {
  return Math.max(0, deps.accountConcurrency - (await reservedTotal(deps)));
}

// Puts are serialised per store: the check reads every function, the write changes one, and
// two puts interleaving between them could together reserve more than the account allows.
// Provisioned concurrency configurations (provisioned.ts) share the queue: each side checks
// what the other writes.
// scope: one queue per store (per running Lamina).
const putQueues = new WeakMap<object, Promise<unknown>>();

export function serialised<T>(deps: ControlDeps, work: () => Promise<T>): Promise<T> {
  const previous = putQueues.get(deps.store) ?? Promise.resolve();
  const run = previous.then(work, work);
  putQueues.set(
    deps.store,
    run.catch(() => undefined),
  );
  return run;
}

export async function putFunctionConcurrency(deps: ControlDeps, name: string, reserved: number): Promise<number> {
  return serialised(deps, async () => {
    if (!(await deps.store.functions.get(name))) throw functionNotFound(functionArn(deps.account, name, LATEST));
    // Provisioned environments come out of the reservation.
    const provisioned = (await deps.store.provisionedConcurrency.list(name)).reduce((sum, c) => sum + c.requested, 0);
    if (reserved < provisioned) {
      throw invalidParameter(
        ` ReservedConcurrentExecutions  ${reserved} should not be lower than function's total provisioned concurrency [${provisioned}].`,
      );
    }
    const others = await reservedTotal(deps, name);
    if (deps.accountConcurrency - others - reserved < minimumUnreserved(deps.accountConcurrency)) {
      throw invalidParameter(
        "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution " +
          `below its minimum value of [${minimumUnreserved(deps.accountConcurrency)}].`,
      );
    }
    const updated = await deps.store.functions.update(name, (fn) => ({ ...fn, reservedConcurrency: reserved }));
    if (!updated) throw functionNotFound(functionArn(deps.account, name, LATEST));
    deps.onChange({ kind: 'concurrency-changed', functionName: name, reserved });
    return reserved;
  });
}

/** Undefined when the function reserves no concurrency. */
export async function getFunctionConcurrency(deps: ControlDeps, name: string): Promise<number | undefined> {
  const fn = await deps.store.functions.get(name);
  if (!fn) throw functionNotFound(functionArn(deps.account, name));
  return fn.reservedConcurrency;
}

export async function deleteFunctionConcurrency(deps: ControlDeps, name: string): Promise<void> {
  const updated = await deps.store.functions.update(name, ({ reservedConcurrency: _removed, ...fn }) => fn);
  if (!updated) throw functionNotFound(functionArn(deps.account, name));
  deps.onChange({ kind: 'concurrency-changed', functionName: name });
}
