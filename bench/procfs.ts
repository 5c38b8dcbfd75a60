// What /proc says about processes: the tree under a pid, and memory (private, Pss, Rss from
// smaps_rollup; the memory cgroup's usage).

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  readonly argv: readonly string[];
}

function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces and parentheses: it ends at the last ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s, i, a) => s !== '' || i < a.length - 1);
    return { pid, ppid, comm, argv };
  } catch {
    return undefined; // gone
  }
}

export function allProcesses(): ProcessInfo[] {
  const list: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProcess(Number(name));
    if (p) list.push(p);
  }
  return list;
}

/** The direct children of `pid`, each with all of its descendants (itself first). */
export function subtrees(pid: number): ProcessInfo[][] {
  const all = allProcesses();
  const byParent = new Map<number, ProcessInfo[]>();
  for (const p of all) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const collect = (root: ProcessInfo): ProcessInfo[] => [root, ...(byParent.get(root.pid) ?? []).flatMap(collect)];
  return (byParent.get(pid) ?? []).map(collect);
}

export interface Memory {
  /** Private_Clean + Private_Dirty (what this process alone holds), bytes. */
  readonly private: number;
  readonly pss: number;
  readonly rss: number;
}

export function memoryOf(pid: number): Memory | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (field: string): number => {
      const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
      return m ? Number(m[1]) * 1024 : 0;
    };
    return { private: kb('Private_Clean') + kb('Private_Dirty'), pss: kb('Pss'), rss: kb('Rss') };
  } catch {
    return undefined;
  }
}

export function sumMemory(pids: readonly number[]): Memory | undefined {
  let total: Memory = { private: 0, pss: 0, rss: 0 };
  for (const pid of pids) {
    const m = memoryOf(pid);
    if (!m) return undefined;
    total = { private: total.private + m.private, pss: total.pss + m.pss, rss: total.rss + m.rss };
  }
  return total;
}

/** The memory cgroup's usage of the group `pid` is in (v1 or v2), bytes. */
export function cgroupMemory(pid: number): number | undefined {
  try {
    for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
      const [, controllers, p] = line.split(':');
      if (controllers === undefined || p === undefined) continue;
      if (controllers.split(',').includes('memory')) {
        return Number(readFileSync(path.join('/sys/fs/cgroup/memory', p, 'memory.usage_in_bytes'), 'utf8').trim());
      }
      if (controllers === '') {
        try {
          return Number(readFileSync(path.join('/sys/fs/cgroup', p, 'memory.current'), 'utf8').trim());
        } catch {
          // a v1 host's empty line: keep looking
        }
      }
    }
  } catch {
    // gone
  }
  return undefined;
}

export const MIB = 1024 * 1024;

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on Linux everywhere). */
const USER_HZ = 100;

/** CPU time (user + system) a process has used so far, ms; undefined once it is gone. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / USER_HZ;
  } catch {
    return undefined;
  }
}

/** CPU time of each process now, by pid. */
export function cpuSnapshot(pids: readonly number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const pid of pids) {
    const t = cpuMs(pid);
    if (t !== undefined) m.set(pid, t);
  }
  return m;
}

/** CPU ms used between two snapshots (a process new in `after` counts from zero). */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, t] of after) total += t - (before.get(pid) ?? 0);
  return total;
}
