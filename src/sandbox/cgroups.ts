// Control groups for sandboxes, on cgroup v1 (one hierarchy per controller: memory, pids,
// cpu, freezer) or v2 (the unified hierarchy). Each sandbox gets one group under Lamina's
// own, `<base>/<name>`; the base lives inside the cgroup the server was started in, so
// that Lamina stays within whatever limits its host gave it.

import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';

const ROOT = '/sys/fs/cgroup';
const V1_CONTROLLERS = ['memory', 'pids', 'cpu', 'freezer'] as const;
const V2_CONTROLLERS = ['memory', 'pids', 'cpu'];

export interface CgroupLimits {
  readonly memoryBytes: number;
  readonly pids: number;
  /** 1–10000, 100 being the default share. */
  readonly cpuWeight: number;
  /** CPUs, e.g. 0.5; undefined for no hard quota. */
  readonly cpuQuota?: number;
}

/** One sandbox's group. */
export interface Cgroup {
  /** The path(s) to write a pid into for it to join every controller. */
  readonly procsFiles: readonly string[];
  freeze(): void;
  thaw(): void;
  /** Pids in the group now. */
  pids(): number[];
  memoryPeak(): number | undefined;
  memoryCurrent(): number | undefined;
  /** OOM kills since the group was made. */
  oomKills(): number;
  /** Applies new limits to the live group (and restarts its memory peak where the kernel can). */
  setLimits(limits: CgroupLimits): void;
  /** Removes the group (its processes must be gone); retries briefly while the kernel lets go. */
  remove(): Promise<void>;
}

export interface CgroupManager {
  readonly version: 1 | 2;
  create(name: string, limits: CgroupLimits): Cgroup;
  /** Kills what is left in groups of an earlier run and removes them. */
  reap(): Promise<number>;
  /** Removes Lamina's base groups (at shutdown, once every sandbox is gone). */
  close(): Promise<void>;
}

/** The cgroup manager for this host, or a reason why sandboxes cannot have one. */
export function detectCgroups(baseName: string): CgroupManager | string {
  try {
    if (existsSync(path.join(ROOT, 'cgroup.controllers'))) return createV2(baseName);
    if (V1_CONTROLLERS.every((c) => existsSync(path.join(ROOT, c)))) return createV1(baseName);
    return `no usable cgroup hierarchy under ${ROOT}`;
  } catch (err) {
    return `cannot create cgroups: ${(err as Error).message}`;
  }
}

/** The server's own cgroup path in a hierarchy, from /proc/self/cgroup. */
function selfPath(controller: string | undefined): string {
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [, controllers, p] = line.split(':');
    if (controllers === undefined || p === undefined) continue;
    if (controller === undefined ? controllers === '' : controllers.split(',').includes(controller)) return p;
  }
  return '/';
}

function write(file: string, value: string | number): void {
  writeFileSync(file, String(value));
}

function readNumber(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

function readPids(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Removes a group. The kernel refuses (EBUSY) until the last task of the group is released,
 * which on a loaded host can take seconds after the kill: keep trying, less and less often.
 */
async function removeDir(dir: string): Promise<void> {
  const deadline = Date.now() + REMOVE_PATIENCE_MS;
  for (let wait = 10; ; wait = Math.min(wait * 2, 500)) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

const REMOVE_PATIENCE_MS = 20_000;

function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

function createV1(baseName: string): CgroupManager {
  const bases = Object.fromEntries(
    V1_CONTROLLERS.map((c) => [c, path.join(ROOT, c, selfPath(c), baseName)]),
  ) as Record<(typeof V1_CONTROLLERS)[number], string>;
  for (const dir of Object.values(bases)) mkdirSync(dir, { recursive: true });
  // A task frozen by the v1 freezer does not die, even of SIGKILL: were the server killed
  // (-9) while sandboxes are frozen, bubblewrap's --die-with-parent could not end them. This
  // watchdog, outside every sandbox group, thaws them once its stdin (the server's end of a
  // pipe) closes, however the server ends; their pending SIGKILL then takes them.
  const watchdog = spawn('/bin/sh', ['-c', 'read _; for f in "$0"/*/freezer.state; do echo THAWED > "$f"; done', bases.freezer], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  watchdog.on('error', () => {});
  watchdog.unref();
  (watchdog.stdin as Socket | null)?.unref();

  return {
    version: 1,
    create(name, limits) {
      const dirs = Object.fromEntries(V1_CONTROLLERS.map((c) => [c, path.join(bases[c], name)])) as typeof bases;
      for (const dir of Object.values(dirs)) mkdirSync(dir);
      const memsw = path.join(dirs.memory, 'memory.memsw.limit_in_bytes');
      const hasMemsw = existsSync(memsw);
      const setLimits = (l: CgroupLimits): void => {
        const memory = path.join(dirs.memory, 'memory.limit_in_bytes');
        if (hasMemsw) {
          // memsw (memory + swap: no escape into swap) may never be below the memory limit:
          // raise the one that must go first.
          try {
            write(memory, l.memoryBytes);
            write(memsw, l.memoryBytes);
          } catch {
            write(memsw, l.memoryBytes);
            write(memory, l.memoryBytes);
          }
        } else write(memory, l.memoryBytes);
        write(path.join(dirs.pids, 'pids.max'), l.pids);
        write(path.join(dirs.cpu, 'cpu.shares'), Math.max(2, Math.round((l.cpuWeight * 1024) / 100)));
        write(path.join(dirs.cpu, 'cpu.cfs_period_us'), 100_000);
        write(path.join(dirs.cpu, 'cpu.cfs_quota_us'), l.cpuQuota === undefined ? -1 : Math.max(1000, Math.round(l.cpuQuota * 100_000)));
      };
      setLimits(limits);
      const oomFile = path.join(dirs.memory, 'memory.oom_control');
      const oomKills = (): number => {
        try {
          const m = /oom_kill (\d+)/.exec(readFileSync(oomFile, 'utf8'));
          return m ? Number(m[1]) : 0;
        } catch {
          return 0;
        }
      };
      return {
        procsFiles: V1_CONTROLLERS.map((c) => path.join(dirs[c], 'cgroup.procs')),
        freeze: () => write(path.join(dirs.freezer, 'freezer.state'), 'FROZEN'),
        thaw: () => write(path.join(dirs.freezer, 'freezer.state'), 'THAWED'),
        pids: () => readPids(path.join(dirs.pids, 'cgroup.procs')),
        memoryPeak: () => readNumber(path.join(dirs.memory, 'memory.max_usage_in_bytes')),
        memoryCurrent: () => readNumber(path.join(dirs.memory, 'memory.usage_in_bytes')),
        oomKills,
        setLimits(l) {
          setLimits(l);
          write(path.join(dirs.memory, 'memory.max_usage_in_bytes'), 0);
        },
        async remove() {
          for (const c of V1_CONTROLLERS) await removeDir(dirs[c]);
        },
      };
    },
    async reap() {
      let reaped = 0;
      for (const entry of readdirSync(bases.pids, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue; // the base's own control files
        const name = entry.name;
        const dirs = V1_CONTROLLERS.map((c) => path.join(bases[c], name));
        if (!dirs.every((d) => existsSync(d))) {
          for (const d of dirs) await removeDir(d).catch(() => {});
          continue;
        }
        try {
          write(path.join(bases.freezer, name, 'freezer.state'), 'THAWED');
        } catch {
          // no freezer group
        }
        for (let i = 0; i < 20; i++) {
          const pids = readPids(path.join(bases.pids, name, 'cgroup.procs'));
          if (pids.length === 0) break;
          killAll(pids);
          await new Promise((r) => setTimeout(r, 20));
        }
        for (const d of dirs) await removeDir(d).catch(() => {});
        reaped++;
      }
      return reaped;
    },
    async close() {
      watchdog.stdin?.end();
      for (const dir of Object.values(bases)) await removeDir(dir).catch(() => {});
    },
  };
}

function createV2(baseName: string): CgroupManager {
  const self = path.join(ROOT, selfPath(undefined));
  const base = path.join(self, baseName);
  mkdirSync(base, { recursive: true });
  // Controllers can only be handed down through groups with no processes of their own:
  // enable them on the way to our base, moving the server into a leaf of its own if needed.
  const enable = (dir: string): void => {
    const available = readFileSync(path.join(dir, 'cgroup.controllers'), 'utf8').split(/\s+/);
    for (const c of V2_CONTROLLERS) {
      if (!available.includes(c)) continue;
      try {
        appendFileSync(path.join(dir, 'cgroup.subtree_control'), `+${c}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EBUSY') throw err;
        const leaf = path.join(self, 'lamina-server');
        mkdirSync(leaf, { recursive: true });
        for (const pid of readPids(path.join(self, 'cgroup.procs'))) {
          try {
            write(path.join(leaf, 'cgroup.procs'), pid);
          } catch {
            // a process that is gone or cannot move
          }
        }
        appendFileSync(path.join(dir, 'cgroup.subtree_control'), `+${c}`);
      }
    }
  };
  enable(self);
  enable(base);

  return {
    version: 2,
    create(name, limits) {
      const dir = path.join(base, name);
      mkdirSync(dir);
      if (existsSync(path.join(dir, 'memory.swap.max'))) write(path.join(dir, 'memory.swap.max'), 0);
      const setLimits = (l: CgroupLimits): void => {
        write(path.join(dir, 'memory.max'), l.memoryBytes);
        write(path.join(dir, 'pids.max'), l.pids);
        write(path.join(dir, 'cpu.weight'), Math.max(1, Math.min(10000, Math.round(l.cpuWeight))));
        write(path.join(dir, 'cpu.max'), l.cpuQuota === undefined ? 'max 100000' : `${Math.max(1000, Math.round(l.cpuQuota * 100_000))} 100000`);
      };
      setLimits(limits);
      let peakFallback = 0;
      return {
        procsFiles: [path.join(dir, 'cgroup.procs')],
        freeze: () => write(path.join(dir, 'cgroup.freeze'), 1),
        thaw: () => write(path.join(dir, 'cgroup.freeze'), 0),
        pids: () => readPids(path.join(dir, 'cgroup.procs')),
        memoryPeak() {
          const peak = readNumber(path.join(dir, 'memory.peak'));
          if (peak !== undefined) return peak;
          // Kernels before 5.19 have no memory.peak: keep the highest reading seen.
          peakFallback = Math.max(peakFallback, readNumber(path.join(dir, 'memory.current')) ?? 0);
          return peakFallback || undefined;
        },
        memoryCurrent: () => readNumber(path.join(dir, 'memory.current')),
        oomKills() {
          try {
            const m = /oom_kill (\d+)/.exec(readFileSync(path.join(dir, 'memory.events'), 'utf8'));
            return m ? Number(m[1]) : 0;
          } catch {
            return 0;
          }
        },
        setLimits(l) {
          setLimits(l);
          peakFallback = 0;
          try {
            write(path.join(dir, 'memory.peak'), 0); // resettable on recent kernels
          } catch {
            // older kernels keep the peak since creation
          }
        },
        remove: () => removeDir(dir),
      };
    },
    async reap() {
      let reaped = 0;
      for (const entry of readdirSync(base, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        const dir = path.join(base, entry.name);
        try {
          write(path.join(dir, 'cgroup.kill'), 1);
        } catch {
          killAll(readPids(path.join(dir, 'cgroup.procs')));
        }
        await removeDir(dir).catch(() => {});
        reaped++;
      }
      return reaped;
    },
    async close() {
      await removeDir(base).catch(() => {});
    },
  };
}
