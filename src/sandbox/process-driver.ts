// The degraded sandbox: a plain process group per environment, used where Lamina cannot
// build namespaces (not root, or no bubblewrap). No mount view (binds are seen at their host
// paths); freeze and thaw by SIGSTOP/SIGCONT of the group. Without a cgroup, the limits are
// rlimits set through prlimit(1): AWS's 1,024 file descriptors, no core files, writable
// memory capped at MemorySize (an allocation past it fails inside the runtime instead of
// the tree being killed) and any one file capped at the scratch size. Processes are not
// limited: RLIMIT_NPROC counts every process of the user, not of one environment.

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ScratchFactory } from './scratch.js';
import type { Bind, ExitInfo, Sandbox, SandboxDriver, SandboxLimits, SandboxSpec } from './types.js';

const OPEN_FILES = 1024;

/** prlimit(1) options for `limits`; the fixed ones only at start (`initial`). */
function rlimitOptions(limits: SandboxLimits, initial: boolean): string[] {
  const options = [`--data=${limits.memoryBytes}`, `--fsize=${limits.scratchBytes}`];
  if (initial) options.push(`--nofile=${OPEN_FILES}`, '--core=0');
  return options;
}

/** `prlimit`: the path of prlimit(1), or undefined when the host has none (then no rlimits). */
export function createProcessDriver(scratch: ScratchFactory, reason: string, prlimit: string | undefined): SandboxDriver {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const limited = prlimit ? 'with rlimits' : 'without limits (prlimit of util-linux is missing)';
  return {
    isolation: 'process',
    description: `process isolation only (${reason}): functions run as plain processes of the server's user, ${limited}`,
    pathOf: (bind: Bind) => bind.source,
    scratch,
    allocateIdentity: () => ({ uid, gid, release: () => {} }),
    async start(spec: SandboxSpec): Promise<Sandbox> {
      const argv = prlimit ? [prlimit, ...rlimitOptions(spec.limits, true), '--', ...spec.argv] : spec.argv;
      const [cmd, ...args] = argv;
      const child = spawn(cmd!, args, {
        env: { ...spec.env },
        cwd: spec.cwd,
        detached: true, // its own process group, so that signals reach the whole tree
        stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<ExitInfo>((resolve) => {
        child.once('exit', (code, signal) => resolve({ code, signal, outOfMemory: false }));
        child.once('error', () => resolve({ code: 127, signal: null, outOfMemory: false }));
      });
      await new Promise<void>((resolve) => {
        child.once('spawn', resolve);
        child.once('error', () => resolve());
      });
      const pid = child.pid ?? -1;
      let gone = false;
      void exited.then(() => (gone = true));
      const signal = (sig: NodeJS.Signals): void => {
        if (gone || pid < 0) return;
        try {
          process.kill(-pid, sig);
        } catch {
          // already gone
        }
      };
      return {
        pid,
        uid,
        stdout: child.stdout!,
        stderr: child.stderr!,
        ...(child.stdin && { stdin: child.stdin }),
        exited,
        freeze: () => signal('SIGSTOP'),
        thaw: () => signal('SIGCONT'),
        kill() {
          signal('SIGKILL');
        },
        memoryPeak: () => statusKb(pid, 'VmHWM'),
        memoryCurrent: () => statusKb(pid, 'VmRSS'),
        setLimits(limits) {
          // The runtime has no children yet when it is given a function (a prewarmed cell).
          if (prlimit && !gone) spawnSync(prlimit, ['--pid', String(pid), ...rlimitOptions(limits, false)], { stdio: 'ignore' });
        },
        dispose: async () => {},
      };
    },
    close: () => scratch.close(),
  };
}

/** A `kB` line of /proc/<pid>/status, in bytes. */
function statusKb(pid: number, field: string): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
