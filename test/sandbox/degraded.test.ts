// Degraded isolation (LAMINA_ISOLATION=process, also what a host without root or bubblewrap
// gets): a loud warning at start-up, /health says so, and functions still run — as plain
// processes of the server's user, with their own scratch folder as TMPDIR, under rlimits.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Harness, settle } from './helpers.js';

describe('degraded isolation (LAMINA_ISOLATION=process)', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start({ env: { LAMINA_ISOLATION: 'process' } });
  });
  after(async () => {
    await h?.dispose();
  });

  test('says so loudly at start-up and in /health', async () => {
    // stderr is a pipe of its own: its line may arrive after stdout's "listening".
    const output = await settle(
      () => h.lamina.output(),
      (o) => o.includes('lamina: WARNING'),
      5000,
    );
    assert.match(output, /lamina: WARNING: functions run without a sandbox \(LAMINA_ISOLATION=process\)/);
    assert.match(output, /RUNNING WITHOUT A SANDBOX/);
    const health = await h.health();
    assert.equal(health.isolation.level, 'process');
    assert.equal(health.isolation.degraded, 'LAMINA_ISOLATION=process');
    assert.match(health.isolation.detail, /process isolation only/);
  });

  test('Node and Python functions still run, with a private TMPDIR', async () => {
    await h.create('plain-node', 'nodejs20.x', 'index.handler', {
      'index.js': [
        "const fs = require('fs'); const os = require('os');",
        'exports.handler = async (e) => {',
        "  fs.writeFileSync(os.tmpdir() + '/mine', 'x');",
        '  return { ok: true, echo: e, uid: process.getuid(), tmp: os.tmpdir(), task: process.env.LAMBDA_TASK_ROOT };',
        '};',
      ].join('\n'),
    });
    const out = await h.invoke('plain-node', { a: 1 });
    assert.equal(out.functionError, undefined, out.raw);
    assert.deepEqual(out.body.echo, { a: 1 });
    assert.equal(out.body.uid, process.getuid?.(), "a plain process of the server's user");
    assert.ok(out.body.tmp.startsWith(h.dataDir), `TMPDIR is the environment's scratch folder: ${out.body.tmp}`);
    assert.ok(out.body.task.startsWith(h.dataDir), 'the code at its host path (no mount view)');

    await h.create('plain-py', 'python3.11', 'app.handler', {
      'app.py': 'import os, tempfile\ndef handler(e, c):\n    return {"ok": True, "tmp": tempfile.gettempdir(), "pid": os.getpid()}\n',
    });
    const py = await h.invoke('plain-py');
    assert.equal(py.functionError, undefined, py.raw);
    assert.equal(py.body.ok, true);
    assert.ok(py.body.tmp.startsWith(h.dataDir), py.raw);
    assert.notEqual(py.body.pid, 2, 'no pid namespace');
  });

  test('rlimits stand in for the cgroup: 1,024 files, no core, memory and file size from the configuration', async () => {
    const app = [
      'import resource',
      'def handler(e, c):',
      '    return {n: list(resource.getrlimit(getattr(resource, "RLIMIT_" + n))) for n in ("NOFILE", "CORE", "DATA", "FSIZE")}',
    ].join('\n');
    const MB = 1024 * 1024;
    // A prewarmed cell (default /tmp size) is given its limits when it takes the function;
    // a larger /tmp starts a runtime of its own with them.
    for (const [name, memory, storage] of [['limited-cell', 512, 512], ['limited-own', 256, 1024]] as const) {
      await h.create(name, 'python3.11', 'app.handler', { 'app.py': app }, { MemorySize: memory, EphemeralStorage: { Size: storage } });
      const out = await h.invoke(name);
      assert.equal(out.functionError, undefined, out.raw);
      assert.deepEqual(out.body, { NOFILE: [1024, 1024], CORE: [0, 0], DATA: [memory * MB, memory * MB], FSIZE: [storage * MB, storage * MB] }, name);
    }
  });

  test('allocating past MemorySize fails the invocation, and the next one runs', async () => {
    const index = [
      'let hold = [];',
      'exports.handler = async (e) => {',
      '  if (e.hog) for (let i = 0; i < 300; i++) hold.push(Buffer.alloc(1024 * 1024, 1));',
      '  return { ok: true };',
      '};',
    ].join('\n');
    await h.create('hog-node', 'nodejs20.x', 'index.handler', { 'index.js': index }, { MemorySize: 128 });
    const hog = await h.invoke('hog-node', { hog: true });
    assert.equal(hog.functionError, 'Unhandled', hog.raw);
    const next = await h.invoke('hog-node');
    assert.equal(next.functionError, undefined, next.raw);
    assert.deepEqual(next.body, { ok: true });
  });
});
