// The degraded sandbox: a plain process group per environment, used where Lamina cannot
// build namespaces (not root, or no bubblewrap). No mount view (binds are seen at their host
// paths), no limits but what the host gives; freeze and thaw by SIGSTOP/SIGCONT of the group.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ScratchFactory } from './scratch.js';
import type { Bind, ExitInfo, Sandbox, SandboxDriver, SandboxSpec } from './types.js';

export function createProcessDriver(scratch: ScratchFactory, reason: string): SandboxDriver {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  return {
    isolation: 'process',
    description: `process isolation only (${reason}): functions run as plain processes of the server's user`,
    pathOf: (bind: Bind) => bind.source,
    scratch,
    allocateIdentity: () => ({ uid, gid, release: () => {} }),
    async start(spec: SandboxSpec): Promise<Sandbox> {
      const [cmd, ...args] = spec.argv;
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
        // No cgroup here: limits are the host's.
        setLimits: () => {},
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
