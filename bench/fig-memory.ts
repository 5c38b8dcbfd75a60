// 4. Idle memory of one warm, frozen environment, Node.js and Python, against the bare
// interpreter idle (the cold-start floor's processes, their request held).

import { readFileSync } from 'node:fs';
import type { ColdLeftovers } from './fig-cold.js';
import type { Bench } from './context.js';
import { sleep } from './lamina.js';
import { cgroupMemory, MIB, type ProcessInfo, subtrees, sumMemory } from './procfs.js';
import { invokeRequest, SignedClient } from './signed-client.js';
import { compare, figure, missing } from './stats.js';

/** Time for environments to go back to frozen idle and the runtimes to settle. */
const SETTLE_MS = 1000;

/**
 * The environments are those of the cold-start figures on the server without prewarming
 * (there each environment's processes carry their function's name in their environment).
 * `idle_memory_*`: private memory (Private_Clean + Private_Dirty of smaps_rollup: what one
 * more environment costs) of the environment's whole process tree — bubblewrap's two
 * processes and the runtime. `*_rss`: the same trees' RSS. `*_cgroup`: the environment's
 * memory cgroup usage (it also counts page cache the environment brought in).
 */
export async function measureMemory(b: Bench, cold: ColdLeftovers): Promise<void> {
  const client = new SignedClient();
  const sample = (names: readonly string[]): string[] => names.slice(0, b.plan.memorySamples);
  const nodeNames = sample(cold.nodeFunctions);
  const pythonNames = sample(cold.pythonFunctions);
  try {
    for (const name of [...nodeNames, ...pythonNames]) {
      for (let i = 0; i < 3; i++) await client.send(invokeRequest(b.laminaNoPrewarm.url, name));
    }
  } finally {
    client.close();
  }
  await b.laminaNoPrewarm.settle(() => true);
  await sleep(SETTLE_MS);

  const trees = new Map<string, ProcessInfo[]>();
  for (const tree of subtrees(b.laminaNoPrewarm.pid)) {
    const fn = functionOf(tree);
    if (fn) trees.set(fn, tree);
  }
  for (const [family, names, floors] of [
    ['node', nodeNames, cold.floorNode],
    ['python', pythonNames, cold.floorPython],
  ] as const) {
    const priv: number[] = [];
    const rss: number[] = [];
    const cg: number[] = [];
    for (const name of names) {
      const tree = trees.get(name);
      const m = tree && sumMemory(tree.map((p) => p.pid));
      if (!tree || !m) continue;
      priv.push(m.private / MIB);
      rss.push(m.rss / MIB);
      const c = cgroupMemory(tree[tree.length - 1]!.pid);
      if (c !== undefined) cg.push(c / MIB);
    }
    const fPriv: number[] = [];
    const fRss: number[] = [];
    for (const p of floors) {
      const m = sumMemory([p.pid]);
      if (!m) continue;
      fPriv.push(m.private / MIB);
      fRss.push(m.rss / MIB);
    }
    const floorPriv = figure(`floor_idle_memory_${family}`, 'MiB', fPriv);
    const floorRss = figure(`floor_idle_memory_${family}_rss`, 'MiB', fRss);
    b.add(
      compare(figure(`idle_memory_${family}`, 'MiB', priv), floorPriv),
      compare(figure(`idle_memory_${family}_rss`, 'MiB', rss), floorRss),
      cg.length > 0 ? figure(`idle_memory_${family}_cgroup`, 'MiB', cg) : missing(`idle_memory_${family}_cgroup`, 'MiB'),
      floorPriv,
      floorRss,
    );
    if (priv.length === 0) b.note(`idle_memory_${family}`, names.length === 0 ? 'no such environment' : 'could not find or read the environments');
    if (cg.length === 0) b.note(`idle_memory_${family}_cgroup`, 'the environments have no memory cgroup (no sandbox)');
  }
}

/** The function an environment's process tree runs, from its runtime's environment. */
function functionOf(tree: readonly ProcessInfo[]): string | undefined {
  for (const p of [...tree].reverse()) {
    try {
      const env = readFileSync(`/proc/${p.pid}/environ`, 'utf8').split('\0');
      const line = env.find((l) => l.startsWith('AWS_LAMBDA_FUNCTION_NAME='));
      if (line) return line.slice('AWS_LAMBDA_FUNCTION_NAME='.length);
    } catch {
      // gone
    }
  }
  return undefined;
}
