// 200 create → invoke → delete cycles (Node and Python, a few lanes in parallel) leave nothing
// behind: the processes, cgroups, mounts, scratch and cell folders and Runtime API sockets
// under the server are counted before and after, and a clean shutdown releases the rest.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  BENIGN_NODE,
  BENIGN_PY,
  type Census,
  cellEntries,
  cgroupBaseName,
  cgroupBases,
  Harness,
  mountsUnder,
  processesMentioning,
  sandboxMissing,
  settle,
  sleep,
} from './helpers.js';

const SKIP = sandboxMissing();
const CYCLES = 200;
const LANES = 8;

interface Counts {
  processes: number;
  cgroups: number;
  mounts: number;
  scratch: number;
  cells: number;
  listening: number;
  environments: number;
  prewarmed: number;
}

describe('create → invoke → delete cycles', { skip: SKIP }, () => {
  let h: Harness;

  const counts = async (): Promise<Counts> => {
    const c: Census = h.census();
    const health = await h.health();
    const prewarmed = Object.values((health.prewarmed ?? {}) as Record<string, number>).reduce((a, b) => a + b, 0);
    return {
      processes: c.processes.length,
      cgroups: c.cgroups.length,
      mounts: c.mounts.length,
      scratch: c.scratch.length,
      cells: c.cells.length,
      listening: c.listening,
      environments: health.environments.environments,
      prewarmed,
    };
  };

  /** Counts once nothing moves any more (ready scratches and prewarmed cells made, environments gone). */
  const settled = async (want?: (c: Counts) => boolean, timeoutMs = 30_000): Promise<Counts> => {
    const deadline = Date.now() + timeoutMs;
    let last = await counts();
    for (;;) {
      await sleep(300);
      const now = await counts();
      const still = JSON.stringify(now) === JSON.stringify(last) && now.environments === 0;
      if ((still && (!want || want(now))) || Date.now() > deadline) return now;
      last = now;
    }
  };

  before(async () => {
    h = await Harness.start();
  });
  after(async () => {
    await h?.dispose();
  });

  test(`${CYCLES} cycles leave no process, cgroup, mount, folder or socket behind`, async (t) => {
    // Warm-up: one cycle per runtime, so that both runtimes' prewarmed cells exist in the baseline.
    for (const [runtime, handler, files] of [
      ['nodejs20.x', 'index.handler', BENIGN_NODE],
      ['python3.11', 'app.handler', BENIGN_PY],
    ] as const) {
      await h.create(`warm-${runtime.replace('.', '-')}`, runtime, handler, files);
      assert.equal((await h.invoke(`warm-${runtime.replace('.', '-')}`)).body.ok, true);
      await h.delete(`warm-${runtime.replace('.', '-')}`);
    }
    const baseline = await settled();
    // What the baseline holds is the prewarm pool (and the ready scratch images), nothing else.
    const cells = baseline.prewarmed;
    assert.equal(baseline.environments, 0);
    assert.equal(baseline.processes, 3 * cells, `3 processes per prewarmed cell: ${JSON.stringify(baseline)}`);
    assert.equal(baseline.listening, 1 + cells, 'the API port and one Runtime API port per cell');
    assert.equal(baseline.cells, cells);
    assert.equal(baseline.mounts, cells + 2, "a /tmp per cell and the scratch factory's 2 ready images");
    assert.equal(baseline.scratch, 2 * baseline.mounts, 'an image and a mount folder per scratch');
    assert.equal(baseline.cgroups % cells, 0, 'the same groups for every cell');

    let next = 0;
    const failures: string[] = [];
    const lane = async (): Promise<void> => {
      for (let i = next++; i < CYCLES; i = next++) {
        const name = `cycle-${i}`;
        const node = i % 2 === 0;
        try {
          await h.create(name, node ? 'nodejs20.x' : 'python3.11', node ? 'index.handler' : 'app.handler', node ? BENIGN_NODE : BENIGN_PY);
          const out = await h.invoke(name, { i });
          if (out.functionError || out.body?.echo?.i !== i) failures.push(`${name}: ${out.raw}`);
          await h.delete(name);
        } catch (err) {
          failures.push(`${name}: ${String(err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    assert.deepEqual(failures, []);

    const end = await settled((c) => c.processes === baseline.processes && c.mounts === baseline.mounts && c.cgroups === baseline.cgroups);
    t.diagnostic(`baseline ${JSON.stringify(baseline)}; after ${CYCLES} cycles ${JSON.stringify(end)}`);
    const complaints = h.lamina
      .output()
      .split('\n')
      .filter((line) => line.includes('"level":"error"'))
      .slice(-5);
    assert.deepEqual(end, baseline, `back to the baseline after ${CYCLES} cycles; the server's last errors:\n${complaints.join('\n')}`);
  });

  test('a clean shutdown releases the rest', async () => {
    const pid = h.serverPid();
    const bases = cgroupBases(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), h.dataDir);
    assert.ok(bases.length > 0);
    assert.equal(await h.lamina.stop(), 0, `the server's last words:\n${h.lamina.output().slice(-4000)}`);
    assert.deepEqual(mountsUnder(h.dataDir), [], 'no mount left under the data directory');
    assert.deepEqual(bases.filter((b) => existsSync(b)), [], "Lamina's cgroups are gone");
    assert.deepEqual(processesMentioning(h.dataDir), [], 'no sandbox process survives');
    const helpers = await settle(() => processesMentioning(cgroupBaseName(h.dataDir)), (l) => l.length === 0);
    assert.deepEqual(helpers, [], 'no helper of the server (the freezer watchdog) survives');
    assert.deepEqual(cellEntries(h.dataDir), [], 'no cell folder left');
  });
});
