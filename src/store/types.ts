// The repository interfaces through which everything reaches Lamina's durable state.
// Methods are async so that a networked database (PostgreSQL) can implement them; each
// method is atomic on its own. Methods that read-modify-write take a synchronous `change`
// callback that runs inside the transaction: it may throw (an ApiError, say) to abort, and
// nothing is written then.

import type { AliasRecord, FunctionRecord, PolicyRecord, VersionRecord } from '../model/index.js';
import type { LogRepository } from './log-types.js';

export interface FunctionRepository {
  /**
   * Creates a function with its $LATEST and, when given, its first published version.
   * Returns false (writing nothing) when a function of that name exists.
   */
  create(fn: FunctionRecord, latest: VersionRecord, published?: VersionRecord): Promise<boolean>;
  get(name: string): Promise<FunctionRecord | undefined>;
  /** Every function, ordered by name. */
  list(): Promise<FunctionRecord[]>;
  /** Changes the function record itself (tags, reserved concurrency). */
  update(name: string, change: (fn: FunctionRecord) => FunctionRecord): Promise<FunctionRecord | undefined>;
  /** Deletes the function with all its versions, aliases and policies. */
  delete(name: string): Promise<boolean>;
}

/** What publish() hands to its callback: the state it decides from, read in the transaction. */
export interface PublishState {
  readonly fn: FunctionRecord;
  readonly latest: VersionRecord;
  /** The highest published version still present, if any. */
  readonly newest?: VersionRecord;
}

export interface VersionRepository {
  get(functionName: string, version: string): Promise<VersionRecord | undefined>;
  /** $LATEST first, then published versions in ascending number. */
  list(functionName: string): Promise<VersionRecord[]>;
  /** Every function's $LATEST, ordered by function name. */
  listLatest(): Promise<VersionRecord[]>;
  /** Read-modify-write of $LATEST. Undefined when the function does not exist. */
  updateLatest(functionName: string, change: (latest: VersionRecord) => VersionRecord): Promise<VersionRecord | undefined>;
  /**
   * Publishes a version. `make` receives the state and the number the new version would take,
   * and returns the record to insert, or an existing record to return unchanged. The function's
   * lastPublished is advanced only when a new record is inserted.
   */
  publish(
    functionName: string,
    make: (state: PublishState, nextNumber: number) => VersionRecord,
  ): Promise<VersionRecord | undefined>;
  /**
   * Deletes one published version. `guard` receives the function's aliases and may throw to
   * refuse (an alias still points at the version). Returns false when there was no such version.
   */
  delete(functionName: string, version: string, guard: (aliases: readonly AliasRecord[]) => void): Promise<boolean>;
}

export interface AliasRepository {
  get(functionName: string, name: string): Promise<AliasRecord | undefined>;
  list(functionName: string): Promise<AliasRecord[]>;
  /** Returns false when an alias of that name exists. */
  create(alias: AliasRecord): Promise<boolean>;
  update(functionName: string, name: string, change: (alias: AliasRecord) => AliasRecord): Promise<AliasRecord | undefined>;
  delete(functionName: string, name: string): Promise<boolean>;
}

export interface PolicyRepository {
  get(functionName: string, qualifier: string): Promise<PolicyRecord | undefined>;
  /** Read-modify-write; `change` returning undefined deletes the policy. */
  update(
    functionName: string,
    qualifier: string,
    change: (policy: PolicyRecord | undefined) => PolicyRecord | undefined,
  ): Promise<PolicyRecord | undefined>;
}

/** Blob and tree storage for function code, by content. */
export interface CodeStore {
  /**
   * Stores a zip (checked and unpacked once per content hash) and returns its reference.
   * Throws an ApiError for a zip Lambda would refuse; nothing is left behind then.
   */
  put(zip: Buffer): Promise<{ sha256: string; size: number }>;
  /** The zip's bytes, for GetFunction's download link. */
  read(sha256: string): Promise<Buffer | undefined>;
  /** The absolute path of the read-only unpacked tree. */
  treePath(sha256: string): string;
  /** Removes code no version references any more. */
  collect(inUse: ReadonlySet<string>): Promise<number>;
}

/** A provisioned concurrency configuration (PutProvisionedConcurrencyConfig) of a version or alias. */
export interface ProvisionedConcurrencyRecord {
  readonly functionName: string;
  /** A published version number or an alias name (never $LATEST). */
  readonly qualifier: string;
  /** ProvisionedConcurrentExecutions, ≥ 1. */
  readonly requested: number;
  /** `YYYY-MM-DDThh:mm:ss.SSS+0000`. */
  readonly lastModified: string;
}

/**
 * Provisioned concurrency configurations. Deleting the function, the version or the alias a
 * configuration names deletes the configuration with it.
 */
export interface ProvisionedConcurrencyRepository {
  get(functionName: string, qualifier: string): Promise<ProvisionedConcurrencyRecord | undefined>;
  /** A function's configurations, ordered by qualifier. */
  list(functionName: string): Promise<ProvisionedConcurrencyRecord[]>;
  /** Every configuration of every function, ordered by function name and qualifier. */
  listAll(): Promise<ProvisionedConcurrencyRecord[]>;
  /** Creates or replaces; false (nothing written) when the function does not exist. */
  put(record: ProvisionedConcurrencyRecord): Promise<boolean>;
  delete(functionName: string, qualifier: string): Promise<boolean>;
}

/** An asynchronous (Event) invocation that was accepted and has not finished yet. */
export interface QueuedEventRecord {
  /** The request id the 202 answer named; the function sees the same. */
  readonly requestId: string;
  readonly functionName: string;
  readonly qualifier?: string;
  readonly payload: Buffer;
  readonly traceId?: string;
  /** When it was accepted, ms since the epoch. */
  readonly acceptedAt: number;
  /** Attempts made that ended in a function error (0 for a new event). */
  readonly attempts?: number;
  /** Not to run before this time, ms since the epoch (a retry's wait). */
  readonly runAfter?: number;
}

/**
 * Accepted Event invocations until they have run. Deleting a function deletes its events.
 */
export interface EventQueueRepository {
  /** False (nothing written) when the function does not exist. */
  add(event: QueuedEventRecord): Promise<boolean>;
  remove(requestId: string): Promise<void>;
  /** Whether the event is still queued (deleting its function removes it). */
  has(requestId: string): Promise<boolean>;
  /** Records a failed attempt: the event runs again after `runAfter`. */
  retryLater(requestId: string, attempts: number, runAfter: number): Promise<void>;
  /** Every queued event, in the order they were accepted. */
  list(): Promise<QueuedEventRecord[]>;
}

export interface Store {
  readonly functions: FunctionRepository;
  readonly versions: VersionRepository;
  readonly aliases: AliasRepository;
  readonly policies: PolicyRepository;
  readonly provisionedConcurrency: ProvisionedConcurrencyRepository;
  readonly events: EventQueueRepository;
  readonly code: CodeStore;
  readonly logs: LogRepository;
  close(): Promise<void>;
}
