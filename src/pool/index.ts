// Execution environments: their lifecycle (environment.ts) and the assignment of invocations
// to them (pool.ts).

export {
  Environment,
  type EnvironmentContext,
  type EnvironmentSpec,
  type EnvironmentState,
  type GuestPaths,
} from './environment.js';
export { Pool, type PoolOptions, type PoolStats, type ProvisionStatus, type RunOptions } from './pool.js';
export { IllegalTransition, type InvocationOutcome, type Job, type LogSink } from './types.js';
export { CellPool, DEFAULT_SCRATCH_MB, type CellPoolOptions, type CellRecipe } from './cells.js';
