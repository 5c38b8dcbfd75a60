// Sandboxes: one isolated process tree per execution environment. Knows nothing of HTTP,
// Lambda or the store: it is given argv, env, binds, an identity and limits.
// createSandboxDriver() picks the strongest isolation this host allows and says why not more.

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { createBwrapDriver } from './bwrap-driver.js';
import { detectCgroups } from './cgroups.js';
import { createProcessDriver } from './process-driver.js';
import { loopScratchFactory, plainScratchFactory, reapScratch, type ScratchFactory } from './scratch.js';
import type { SandboxDriver } from './types.js';

export type { Bind, ExitInfo, Identity, IsolationLevel, Sandbox, SandboxDriver, SandboxLimits, SandboxSpec } from './types.js';
export type { Scratch, ScratchFactory } from './scratch.js';
import { type ConnectionEnds, peerUid } from './peer.js';
export { type ConnectionEnds, peerUid };

/** Sandboxes run as uids from here up (each server takes a range of its own above it). */
export const SANDBOX_UID_FLOOR = 1_000_000;

/** Whether the peer of a loopback connection is a process of some Lamina sandbox. */
export function isSandboxPeer(conn: ConnectionEnds): boolean {
  const uid = peerUid(conn);
  return uid !== undefined && uid >= SANDBOX_UID_FLOOR;
}

export interface DriverOptions {
  /** Host folder for the sandboxes' scratch space. */
  readonly workDir: string;
  /** Names Lamina's cgroups (one server per name). */
  readonly cgroupName: string;
  /** `process` forces the degraded driver; `auto` takes the best available. */
  readonly isolation: 'auto' | 'process';
  readonly uidBase?: number;
}

function which(cmd: string): string | undefined {
  try {
    return execFileSync('/bin/sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The best driver for this host; `degraded` explains when it is not the full sandbox. What
 * sandboxes of an earlier run left behind under the same names (a server killed with -9:
 * processes, cgroups, mounts, folders) is removed first.
 */
export async function createSandboxDriver(opts: DriverOptions): Promise<{ driver: SandboxDriver; degraded?: string; reaped: number }> {
  const scratchDir = path.join(opts.workDir, 'scratch');
  let reaped = await reapScratch(scratchDir);
  const degrade = async (reason: string) => {
    const scratch = plainScratchFactory(scratchDir);
    return { driver: createProcessDriver(scratch, reason, which('prlimit')), degraded: reason, reaped };
  };
  if (opts.isolation === 'process') return degrade('LAMINA_ISOLATION=process');
  if (process.getuid?.() !== 0) return degrade('Lamina is not running as root');
  const bwrap = which('bwrap');
  if (!bwrap) return degrade('bubblewrap is not installed (Debian package bubblewrap)');
  const setpriv = which('setpriv');
  if (!setpriv) return degrade('setpriv is not installed (Debian package util-linux)');
  const cgroups = detectCgroups(opts.cgroupName);
  if (typeof cgroups === 'string') return degrade(cgroups);
  reaped += await cgroups.reap();
  let scratch: ScratchFactory;
  try {
    scratch = await loopScratchFactory(scratchDir);
  } catch {
    // No loop mounts here: /tmp is a plain folder (EphemeralStorage is then not enforced).
    scratch = plainScratchFactory(scratchDir);
  }
  const driver = createBwrapDriver({
    etcDir: path.join(opts.workDir, 'etc'),
    bwrap,
    setpriv,
    cgroups,
    scratch,
    uidBase: Math.max(SANDBOX_UID_FLOOR, opts.uidBase ?? SANDBOX_UID_FLOOR),
    uidCount: 10_000,
  });
  return { driver, reaped };
}
