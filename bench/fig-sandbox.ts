// 3b. The sandbox alone: Lamina's own sandbox driver (src/sandbox, as the server uses it)
// starting /bin/true, from start() until the tree has exited, against spawning /bin/true.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSandboxDriver } from '../src/sandbox/index.js';
import type { Bench } from './context.js';
import { REPO_ROOT, sleep } from './lamina.js';
import { compare, figure, missing, msBetween } from './stats.js';

/** Far above the uids the bench's servers give their sandboxes. */
const UID_BASE = 60_000_000;

/**
 * The driver makes a cgroup, then runs sh → bubblewrap → setpriv with the options and binds an
 * environment gets. (The server passes bubblewrap's options through a pipe, so a live
 * environment's command line does not show them: the driver is called instead.) This leaves
 * out what an environment does around its sandbox (its /tmp image, its endpoint, the runtime's
 * own start): the cold-start difference (sandbox_setup) includes those.
 */
export async function measureSandbox(b: Bench): Promise<void> {
  const runs = b.plan.coldSamples * 2;
  const floor = figure('floor_spawn_true', 'ms', await timeRuns(runs, spawnTrue));
  const work = mkdtempSync(path.join(os.tmpdir(), 'lamina-bench-sandbox-'));
  try {
    const { driver, degraded } = await createSandboxDriver({
      workDir: path.join(work, 'environments'),
      cgroupName: `lamina-bench-${process.pid}`,
      isolation: 'auto',
      uidBase: UID_BASE,
    });
    try {
      if (degraded) {
        b.add(compare(missing('sandbox_start_true', 'ms'), floor), floor);
        b.note('sandbox_start_true', `no sandbox on this host: ${degraded}`);
        return;
      }
      await sleep(500); // the driver prepares /tmp images ahead: let it finish first
      const task = path.join(work, 'task');
      const tmp = path.join(work, 'tmp');
      mkdirSync(task);
      mkdirSync(tmp);
      const identity = driver.allocateIdentity();
      /** Resolves with the ms from start() to exit; the clean-up after is not timed. */
      const start = async (): Promise<number> => {
        const t0 = process.hrtime.bigint();
        const sandbox = await driver.start({
          argv: ['/bin/true'],
          env: { PATH: '/usr/bin:/bin' },
          cwd: '/var/task',
          binds: [
            { source: task, target: '/var/task' },
            { source: path.join(REPO_ROOT, 'runtimes'), target: '/var/runtime' },
            { source: tmp, target: '/tmp', writable: true },
          ],
          limits: { memoryBytes: 128 * 1024 * 1024, pids: 1024, cpuWeight: 100, scratchBytes: 512 * 1024 * 1024 },
          identity,
        });
        sandbox.stdout.resume();
        sandbox.stderr.resume();
        const exit = await sandbox.exited;
        const ms = msBetween(t0, process.hrtime.bigint());
        await sandbox.dispose();
        if (exit.code !== 0) throw new Error(`/bin/true in a sandbox exited with ${exit.code ?? exit.signal}`);
        return ms;
      };
      b.add(compare(figure('sandbox_start_true', 'ms', await timeRuns(runs, start)), floor), floor);
      identity.release();
    } finally {
      await driver.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function spawnTrue(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('/bin/true', [], { env: {}, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(msBetween(t0, process.hrtime.bigint())) : reject(new Error(`/bin/true exited with ${code}`))));
  });
}

/** `n` runs of `fn` (each resolving with its own time), after two that warm the caches. */
async function timeRuns(n: number, fn: () => Promise<number>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n + 2; i++) {
    const ms = await fn();
    if (i >= 2) times.push(ms);
  }
  return times;
}
