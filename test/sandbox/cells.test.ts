// Prewarmed runtimes ("cells"): once a function of a runtime exists, a few sandboxed runtime
// processes wait for its kind; a cold start takes one instead of starting a process. Cells
// are kept per /tmp size, so a function with a larger EphemeralStorage gets its own.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Harness, sandboxMissing, sleep } from './helpers.js';

const SKIP = sandboxMissing();

// How long its process has run, and the size of its /tmp.
const PROBE = {
  'index.js': "const fs = require('fs'); exports.handler = async () => { const s = fs.statfsSync('/tmp'); return { uptime: process.uptime(), tmpMB: Math.round((s.blocks * s.bsize) / 1048576) }; };",
};

/**
 * How long the test waits, once cells are ready, before it invokes. A cell counts as ready
 * once its sandbox is spawned, and its runtime may start up to a second later on a loaded
 * host: a runtime that ran for WAIT_MS - 1000 ms by its invocation was a cell, where one
 * started for the invocation has run for well under a second.
 */
const WAIT_MS = 3000;
const CELL_UPTIME_MS = WAIT_MS - 1000;

describe('prewarmed runtimes', { skip: SKIP }, () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(async () => {
    await h?.dispose();
  });

  /** Waits until two cells of `key` are ready. */
  const ready = async (key: string): Promise<void> => {
    const deadline = Date.now() + 20_000;
    let prewarmed: Record<string, number> = {};
    while (Date.now() < deadline) {
      prewarmed = (await h.health()).prewarmed ?? {};
      if ((prewarmed[key] ?? 0) >= 2) return;
      await sleep(100);
    }
    assert.fail(`no cells of ${key}: ${JSON.stringify(prewarmed)}`);
  };

  /**
   * Creates a PROBE function with a /tmp of `tmpMB`, waits for cells of `key`, invokes it, and
   * checks that it ran in a waiting process with a /tmp of that size.
   */
  const coldStartInCell = async (name: string, key: string, tmpMB: number): Promise<void> => {
    await h.create(name, 'nodejs20.x', 'index.handler', PROBE, { EphemeralStorage: { Size: tmpMB } });
    await ready(key);
    await sleep(WAIT_MS);
    const out = await h.invoke(name);
    assert.equal(out.functionError, undefined, out.raw);
    assert.ok(out.body.uptime * 1000 >= CELL_UPTIME_MS, `the runtime started ${out.body.uptime} s before its invocation: not a cell`);
    assert.ok(Math.abs(out.body.tmpMB - tmpMB) < tmpMB / 32, `a ${tmpMB} MB /tmp: ${out.body.tmpMB} MB`);
  };

  test('a cold start with the default /tmp runs in a process that was waiting for it', async () => {
    await coldStartInCell('cell-default', 'nodejs20.x', 512);
  });

  test('a function with a 2048 MB /tmp gets cells of its size, and its /tmp has that size', async () => {
    await coldStartInCell('cell-large', 'nodejs20.x@2048MB', 2048);
    const prewarmed = (await h.health()).prewarmed;
    assert.ok(prewarmed['nodejs20.x'] >= 1, `the default size keeps its own cells: ${JSON.stringify(prewarmed)}`);
  });
});
