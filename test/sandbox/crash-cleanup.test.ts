// A server killed with -9 while environments run (one busy, others idle and frozen, plus the
// prewarmed cells): no sandbox process outlives it (bubblewrap --die-with-parent), and the
// next start on the same data directory reaps the cgroups and mounts it left.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import {
  alive,
  BENIGN_NODE,
  BENIGN_PY,
  cellEntries,
  cgroupBaseName,
  cgroupBases,
  Harness,
  mountsUnder,
  processesMentioning,
  sandboxCgroups,
  sandboxMissing,
  scratchEntries,
  settle,
  sleep,
} from './helpers.js';

const SKIP = sandboxMissing();

describe('a server killed with -9', { skip: SKIP }, () => {
  let h: Harness | undefined;
  /** Killed and not restarted yet: only a new start can reap what it left. */
  let crashed = false;
  after(async () => {
    if (crashed && h) h = await h.restart();
    await h?.dispose();
  });

  test('no sandbox process survives it, and the next start reaps its cgroups and mounts', async (t) => {
    h = await Harness.start();
    assert.doesNotMatch(h.lamina.output(), /reaped sandboxes/, 'a fresh data directory has nothing to reap');
    await h.create('idle-node', 'nodejs20.x', 'index.handler', BENIGN_NODE);
    await h.create('idle-py', 'python3.11', 'app.handler', BENIGN_PY);
    await h.create('busy', 'nodejs20.x', 'index.handler', {
      'index.js': 'exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms)); return "late"; };',
    }, { Timeout: 60 });
    assert.equal((await h.invoke('idle-node')).body.ok, true);
    assert.equal((await h.invoke('idle-py')).body.ok, true);
    const busy = h.invoke('busy', { ms: 30_000 }).then(
      () => 'answered',
      () => 'cut',
    );
    // Wait until the busy invocation runs (its environment is busy).
    for (let i = 0; i < 400 && ((await h.health()).environments.byState.busy ?? 0) < 1; i++) await sleep(50);
    assert.equal((await h.health()).environments.byState.busy, 1);

    const before = h.census();
    const pids = before.processes.map((p) => p.pid);
    const bases = cgroupBases(readFileSync(`/proc/${h.serverPid()}/cgroup`, 'utf8'), h.dataDir);
    assert.ok(pids.length >= 9, `three environments' trees at least: ${JSON.stringify(before.processes)}`);
    assert.ok(before.cgroups.length > 0 && before.mounts.length > 0);
    // The idle environments are frozen: a frozen task does not die of SIGKILL by itself.
    const frozen = await settle(
      () => before.cgroups.filter(isFrozen).length,
      (n) => n >= 2,
      5000,
    );
    assert.ok(frozen >= 2, `the two idle environments are frozen (${frozen})`);
    t.diagnostic(`before kill -9: ${pids.length} processes, ${before.cgroups.length} cgroups (${frozen} frozen), ${before.mounts.length} mounts, ${before.cells.length} cells`);

    crashed = true;
    await h.lamina.kill9();
    assert.equal(await busy, 'cut');
    const survivors = await settle(
      () => pids.filter(alive),
      (l) => l.length === 0,
      10_000,
    );
    assert.deepEqual(survivors, [], 'every sandbox process died with the server');
    assert.deepEqual(processesMentioning(h.dataDir), [], 'no process holds the data directory');
    const helpers = await settle(() => processesMentioning(cgroupBaseName(h!.dataDir)), (l) => l.length === 0);
    assert.deepEqual(helpers, [], 'no helper of the server (the freezer watchdog) outlives it either');

    // What only the next start can clean: the groups (now empty) and the mounts.
    const groupsLeft = sandboxCgroups(bases);
    const mountsLeft = mountsUnder(h.dataDir);
    // (A prewarmed cell or a ready scratch may have been in the making at the kill: more is fine.)
    assert.deepEqual(before.cgroups.filter((g) => !groupsLeft.includes(g)), [], 'the crashed run left its groups');
    assert.deepEqual(before.mounts.filter((m) => !mountsLeft.includes(m)), [], 'the crashed run left its mounts');
    t.diagnostic(`after kill -9: ${groupsLeft.length} cgroups and ${mountsLeft.length} mounts left`);

    h = await h.restart();
    crashed = false;
    const reaped = /"msg":"reaped sandboxes left by an earlier run","count":(\d+)/.exec(h.lamina.output());
    assert.ok(reaped, `the start-up log says what it reaped:\n${h.lamina.output()}`);
    assert.ok(Number(reaped[1]) >= mountsLeft.length, `reaped ${reaped[1]}`);
    assert.deepEqual(groupsLeft.filter((g) => existsSync(g)), [], "the old run's groups are gone");
    const mountsNow = mountsUnder(h.dataDir);
    assert.deepEqual(mountsLeft.filter((m) => mountsNow.includes(m)), [], "the old run's mounts are gone");
    const oldEntries = before.scratch;
    assert.deepEqual(scratchEntries(h.dataDir).filter((e) => oldEntries.includes(e)), [], "the old run's scratch folders are gone");
    assert.deepEqual(cellEntries(h.dataDir).filter((e) => before.cells.includes(e)), [], "the old run's cell folders are gone");
    t.diagnostic(`after restart: reaped ${reaped[1]}; ${sandboxCgroups(bases).length} cgroups and ${mountsNow.length} mounts, all new`);

    // The functions survive in the store and run again.
    assert.equal((await h.invoke('idle-node')).body.ok, true);
    assert.equal((await h.invoke('idle-py')).body.ok, true);
  });

  // FAILS today (cells.ts, not the sandbox's): CellPool.close() does not wait for the cells
  // being made, whose dispose() then races `lamina serve`'s process.exit.
  test('a clean shutdown right after start, while runtimes are being prewarmed, leaves nothing', async () => {
    assert.ok(h, 'runs after the test above (its functions make the server prewarm at start)');
    const bases = cgroupBases(readFileSync(`/proc/${h.serverPid()}/cgroup`, 'utf8'), h.dataDir);
    try {
      for (let i = 0; i < 3; i++) {
        h = await h.restart(); // stops the running server, starts one that prewarms at once…
        assert.equal(await h.lamina.stop(), 0); // …and stops it at once
        assert.deepEqual(mountsUnder(h.dataDir), [], `round ${i}: no mount left`);
        assert.deepEqual(sandboxCgroups(bases), [], `round ${i}: no cgroup left`);
        assert.deepEqual(cellEntries(h.dataDir), [], `round ${i}: no cell folder left`);
        assert.deepEqual(processesMentioning(h.dataDir), [], `round ${i}: no process left`);
      }
    } finally {
      // A server that reaps what this left, stopped only once its prewarming is over.
      h = await h.restart();
      const prewarmed = async (): Promise<string> => JSON.stringify((await h!.health()).prewarmed ?? {});
      for (let last = '', i = 0; i < 40; i++) {
        const now = await prewarmed();
        if (now === last && now !== '{}') break;
        last = now;
        await sleep(250);
      }
    }
  });
});

/** A sandbox group frozen now (v1 freezer.state, v2 cgroup.freeze). */
function isFrozen(dir: string): boolean {
  try {
    return readFileSync(`${dir}/freezer.state`, 'utf8').trim() === 'FROZEN';
  } catch {
    try {
      return readFileSync(`${dir}/cgroup.freeze`, 'utf8').trim() === '1';
    } catch {
      return false;
    }
  }
}
