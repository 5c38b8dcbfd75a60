// What a sandbox is to its users: an isolated process tree started from a description, that
// can be frozen, thawed, measured and destroyed. Nothing here knows about HTTP, functions or
// the store.

import type { Readable, Writable } from 'node:stream';
import type { ScratchFactory } from './scratch.js';

/** The uid/gid a sandbox's processes run as; distinct for every live holder. */
export interface Identity {
  readonly uid: number;
  readonly gid: number;
  release(): void;
}

/** A host directory made visible inside the sandbox. */
export interface Bind {
  readonly source: string;
  /** Where the sandboxed processes see it (drivers without a mount view use `source`). */
  readonly target: string;
  readonly writable?: boolean;
}

export interface SandboxLimits {
  /** Memory of the whole tree, bytes. */
  readonly memoryBytes: number;
  /** Processes and threads of the whole tree. */
  readonly pids: number;
  /** Relative CPU share (cgroup weight, 1–10000). */
  readonly cpuWeight: number;
  /** Hard CPU quota in CPUs (e.g. 0.5), when set. */
  readonly cpuQuota?: number;
  /** Size of the private writable scratch directory, bytes. */
  readonly scratchBytes: number;
}

export interface SandboxSpec {
  /** argv; paths in it must be as the sandbox sees them (see SandboxDriver.pathOf). */
  readonly argv: readonly string[];
  /** The complete environment: nothing is inherited. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly binds: readonly Bind[];
  readonly limits: SandboxLimits;
  /** Required by drivers that switch identity; a holder may start several trees in turn with one. */
  readonly identity?: Identity;
  /** Give the tree a stdin pipe (Sandbox.stdin); otherwise its stdin is /dev/null. */
  readonly stdin?: boolean;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The tree was killed for exceeding its memory limit. */
  readonly outOfMemory: boolean;
}

export interface Sandbox {
  readonly pid: number;
  /** The uid its processes run as (for checking who connects to its endpoint). */
  readonly uid: number;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Present when the spec asked for a stdin pipe. */
  readonly stdin?: Writable;
  readonly exited: Promise<ExitInfo>;
  /** Stops every process of the tree until thaw(). */
  freeze(): void;
  thaw(): void;
  /** Kills the whole tree (idempotent); `exited` settles once it is gone. */
  kill(): void;
  /** Peak memory of the tree so far, bytes (undefined when unknown). */
  memoryPeak(): number | undefined;
  /** Current memory of the tree, bytes. */
  memoryCurrent(): number | undefined;
  /**
   * Applies new limits to the running tree and restarts its memory peak (where possible).
   * Drivers that limit by rlimits can lower the limits given at start, never raise them.
   */
  setLimits(limits: SandboxLimits): void;
  /** Releases what the sandbox holds on the host (after exit). */
  dispose(): Promise<void>;
}

export type IsolationLevel = 'process' | 'namespaces';

export interface SandboxDriver {
  readonly isolation: IsolationLevel;
  /** One line for /health and the start-up log. */
  readonly description: string;
  /** The path at which a bind's contents appear inside the sandbox. */
  pathOf(bind: Bind): string;
  /** Makes private writable scratch folders (sized where the driver can). */
  readonly scratch: ScratchFactory;
  allocateIdentity(): Identity;
  start(spec: SandboxSpec): Promise<Sandbox>;
  /** Stops making new sandboxes' resources ahead of need and releases those made. */
  close(): Promise<void>;
}
