// The cgroup manager on this host's hierarchy (v1 or v2): limits written, processes counted,
// freeze and thaw, the pids limit enforced, reaping after a crash (and nothing to reap on a
// fresh base), and on v1 the watchdog that thaws frozen groups once the server is gone.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { type CgroupManager, detectCgroups } from './cgroups.js';

const ROOT = process.getuid?.() === 0;
if (!ROOT && process.env.LAMINA_REQUIRE_ALL === '1') throw new Error('cgroups.test.ts needs root: nothing may be skipped in CI');
const SKIP = ROOT ? false : 'needs root (to make cgroups)';
const LIMITS = { memoryBytes: 64 * 1024 * 1024, pids: 16, cpuWeight: 50 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A process started inside the group: `sh` joins it, then becomes `command`. */
function startIn(procsFiles: readonly string[], command: string): ChildProcess {
  const join = procsFiles.map((f) => `echo $$ > '${f}'`).join(' && ');
  return spawn('/bin/sh', ['-c', `${join} && exec ${command}`], { stdio: 'ignore' });
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));

function stateOf(pid: number): string | undefined {
  try {
    return / \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** The sub-folders (groups) of `name` in every hierarchy of this process. */
function groupDirs(name: string): string[] {
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [, controllers, p] = line.split(':');
    if (controllers === undefined || p === undefined) continue;
    for (const c of controllers === '' ? [''] : controllers.split(',')) {
      const dir = path.join('/sys/fs/cgroup', c, p, name);
      if (existsSync(dir)) out.push(dir);
    }
  }
  return [...new Set(out)];
}

describe('cgroup manager', { skip: SKIP }, () => {
  const name = `lamina-unit-${randomBytes(4).toString('hex')}`;
  const managers: CgroupManager[] = [];
  const open = (): CgroupManager => {
    const m = detectCgroups(name);
    assert.notEqual(typeof m, 'string', String(m));
    managers.push(m as CgroupManager);
    return m as CgroupManager;
  };
  after(async () => {
    for (const m of managers) await m.reap().catch(() => 0);
    for (const m of managers) await m.close();
  });

  test('a fresh base has nothing to reap', async () => {
    const m = open();
    assert.ok(m.version === 1 || m.version === 2);
    assert.equal(await m.reap(), 0);
  });

  test('limits are written, processes counted, frozen, thawed, and the group removed', async () => {
    const m = managers[0] ?? open();
    const g = m.create('limits', LIMITS);
    const dirs = groupDirs(name).map((d) => path.join(d, 'limits')).filter((d) => existsSync(d));
    const read = (file: string): string | undefined => {
      for (const d of dirs) if (existsSync(path.join(d, file))) return readFileSync(path.join(d, file), 'utf8').trim();
      return undefined;
    };
    if (m.version === 1) {
      assert.equal(read('memory.limit_in_bytes'), String(LIMITS.memoryBytes));
      assert.equal(read('cpu.shares'), String(512));
    } else {
      assert.equal(read('memory.max'), String(LIMITS.memoryBytes));
      assert.equal(read('cpu.weight'), '50');
    }
    assert.equal(read('pids.max'), '16');

    const child = startIn(g.procsFiles, 'sleep 30');
    await sleep(100);
    assert.deepEqual(g.pids(), [child.pid]);
    assert.ok((g.memoryCurrent() ?? 0) > 0);
    g.freeze();
    await sleep(100);
    assert.equal(m.version === 1 ? read('freezer.state') : read('cgroup.events')?.match(/frozen (\d)/)?.[1], m.version === 1 ? 'FROZEN' : '1');
    if (m.version === 1) assert.equal(stateOf(child.pid!), 'D', 'a frozen task sleeps uninterruptibly');
    g.thaw();
    await sleep(50);
    assert.equal(stateOf(child.pid!), 'S');
    child.kill('SIGKILL');
    await exited(child);
    assert.equal(g.oomKills(), 0);
    await g.remove();
    assert.deepEqual(
      groupDirs(name).filter((d) => existsSync(path.join(d, 'limits'))),
      [],
    );
  });

  test('the pids limit refuses forks past pids.max', async () => {
    const m = managers[0] ?? open();
    const g = m.create('pids', LIMITS);
    // 30 background sleeps in a group allowing 16 tasks: the shell reports the refused forks.
    const child = startIn(g.procsFiles, `/bin/sh -c 'for i in $(seq 30); do sleep 30 & done 2>/dev/null; wait'`);
    await sleep(500);
    assert.ok(g.pids().length <= 16, `at most pids.max tasks: ${g.pids().length}`);
    assert.ok(g.pids().length >= 10);
    for (const pid of g.pids()) process.kill(pid, 'SIGKILL');
    await exited(child);
    for (let i = 0; i < 50 && g.pids().length > 0; i++) await sleep(20);
    await g.remove();
  });

  test('a restart reaps what a crashed run left: frozen groups included', async () => {
    const m = managers[0] ?? open();
    const g = m.create('left', LIMITS);
    const child = startIn(g.procsFiles, 'sleep 30');
    await sleep(100);
    g.freeze();
    const successor = open(); // what the next start does with the same name
    assert.equal(await successor.reap(), 1);
    await exited(child);
    assert.equal(child.signalCode, 'SIGKILL');
    assert.deepEqual(
      groupDirs(name).filter((d) => existsSync(path.join(d, 'left'))),
      [],
    );
  });

  test('v1: the watchdog thaws frozen groups once its server is gone, so that they can die', async (t) => {
    const probe = spawnSync('/bin/sh', ['-c', 'test -d /sys/fs/cgroup/freezer']);
    if (probe.status !== 0 || (managers[0] ?? open()).version !== 1) return t.skip('cgroup v2: frozen tasks die of SIGKILL');
    const m = open();
    const g = m.create('frozen', LIMITS);
    const child = startIn(g.procsFiles, 'sleep 30');
    await sleep(100);
    g.freeze();
    await sleep(50);
    child.kill('SIGKILL'); // what --die-with-parent sends when the server dies
    await sleep(200);
    assert.equal(stateOf(child.pid!), 'D', 'a frozen task does not die of SIGKILL');
    const closed = m.close(); // ends the watchdog's stdin, as the server's death would
    for (let i = 0; i < 50 && child.exitCode === null && child.signalCode === null; i++) await sleep(20);
    assert.equal(child.signalCode, 'SIGKILL', 'thawed, it died');
    await g.remove();
    await closed;
  });

  test('close() removes the base groups', async () => {
    for (const m of managers) await m.close();
    assert.deepEqual(groupDirs(name), []);
    assert.ok(!readdirSync('/sys/fs/cgroup').includes(name));
  });
});
