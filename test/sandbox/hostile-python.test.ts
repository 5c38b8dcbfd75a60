// Hostile Python functions (python3.11, and python3.6 for a few) against the full sandbox,
// through the real API: each attack must fail safely and leave the platform serving others.
// The attacker's code is test/sandbox/guests/attacker.py.

import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from '../helpers/lamina.js';
import {
  assertEndpointRefused,
  assertOutOfMemory,
  assertSignalsContained,
  assertSnoopFailed,
  assertUnprivileged,
  BENIGN_PY,
  findVictimScratch,
  Harness,
  listeningPortsOf,
  pidsPerSandbox,
  sandboxMissing,
  scratchDir,
  settle,
  startBeacon,
  watchPids,
} from './helpers.js';

const SKIP = sandboxMissing();
const ATTACKER = { 'attacker.py': readFileSync(path.join(REPO_ROOT, 'test', 'sandbox', 'guests', 'attacker.py'), 'utf8') };
const HANDLER = 'attacker.handler';
const MB = 1024 * 1024;

const MARKER = `victim-py-code-${process.pid}-${Date.now().toString(36)}`;
const SECRET_NAME = `victim-py-secret-${Date.now().toString(36)}`;
const TOKEN = `token-${Math.random().toString(36).slice(2)}-${process.hrtime.bigint().toString(36)}`;

const VICTIM = {
  'app.py': [
    'import os',
    `MARKER = "${MARKER}"`,
    `SECRET = "/tmp/${SECRET_NAME}"`,
    'n = 0',
    'def handler(e, context):',
    '    global n',
    '    n += 1',
    '    if e.get("secret"):',
    '        fd = os.open(SECRET, os.O_WRONLY | os.O_CREAT, 0o600)',
    '        os.write(fd, e["secret"].encode())',
    '        os.close(fd)',
    '    secret = open(SECRET).read() if os.path.exists(SECRET) else None',
    '    return {"n": n, "secret": secret, "uid": os.getuid()}',
  ].join('\n'),
};

/** Tells the test its request id and Runtime API address, then holds the invocation. */
const NEIGHBOUR = {
  'app.py': [
    'import json, os, time, urllib.request',
    'def handler(e, context):',
    '    if e.get("beacon"):',
    '        body = json.dumps({"id": context.aws_request_id, "api": os.environ["AWS_LAMBDA_RUNTIME_API"]}).encode()',
    '        urllib.request.urlopen(urllib.request.Request(e["beacon"], data=body, method="POST")).read()',
    '        time.sleep(e["hold"] / 1000)',
    '    return {"mine": e["token"], "id": context.aws_request_id}',
  ].join('\n'),
};

describe('hostile Python functions', { skip: SKIP }, () => {
  let h: Harness;
  let victimTree: string;
  let victimScratch: string;
  let victimUid: number;
  let victimN = 0;

  async function stillServing(): Promise<void> {
    const benign = await h.invoke('benign', { after: 'attack' });
    assert.equal(benign.functionError, undefined, benign.raw);
    assert.equal(benign.body.ok, true);
    const victim = await h.invoke('victim');
    assert.equal(victim.functionError, undefined, victim.raw);
    assert.equal(victim.body.secret, TOKEN, 'the victim kept its /tmp');
    assert.equal(victim.body.n, ++victimN, 'the victim runtime was not disturbed (not re-initialized)');
  }

  const attack = async (payload: Record<string, unknown>, fn = 'attacker'): Promise<any> => {
    const out = await h.invoke(fn, payload);
    assert.equal(out.functionError, undefined, `the attacker's handler failed: ${out.raw}`);
    return out.body;
  };

  before(async () => {
    h = await Harness.start();
    const created = await h.create('victim', 'python3.11', 'app.handler', VICTIM);
    victimTree = h.codeTree(created.CodeSha256!);
    assert.match(readFileSync(path.join(victimTree, 'app.py'), 'utf8'), new RegExp(MARKER));
    await h.create('benign', 'python3.11', 'app.handler', BENIGN_PY);
    await h.create('attacker', 'python3.11', HANDLER, ATTACKER, { MemorySize: 256, Timeout: 60 });
    await h.create('attacker36', 'python3.6', HANDLER, ATTACKER, { MemorySize: 256, Timeout: 60 });
    const first = await h.invoke('victim', { secret: TOKEN });
    assert.equal(first.body.secret, TOKEN, first.raw);
    victimN = first.body.n;
    victimUid = first.body.uid;
    victimScratch = await findVictimScratch(h, SECRET_NAME);
    assert.equal(statSync(victimScratch).uid, victimUid);
    const v36 = await attack({ attack: 'whoami' }, 'attacker36');
    assert.match(v36.version, /^3\.6\./);
  });

  after(async () => {
    await h?.dispose();
  });

  for (const fn of ['attacker', 'attacker36']) {
    test(`${fn}: cannot read another function's code, another environment's /tmp or Lamina's data`, async () => {
      const hostPaths = [
        path.join(victimTree, 'app.py'),
        victimTree,
        path.dirname(victimTree),
        path.join(victimScratch, SECRET_NAME),
        victimScratch,
        scratchDir(h.dataDir),
        path.join(h.dataDir, 'environments', 'cells'),
        path.join(h.dataDir, 'lamina.db'),
        path.join(h.dataDir, 'logs.db'),
        h.dataDir,
      ];
      const r = await attack({ attack: 'snoop', paths: hostPaths, secretName: SECRET_NAME, markers: [MARKER, TOKEN, SECRET_NAME] }, fn);
      assertSnoopFailed(r, hostPaths, SECRET_NAME);
      assert.notEqual(r.uid, victimUid, 'attacker and victim have uids of their own');
      await stillServing();
    });

    test(`${fn}: sees only its own processes, cannot signal or ptrace anything outside its environment`, async () => {
      const serverPid = h.serverPid();
      const hostPids = h.census().processes.map((p) => p.pid);
      const r = await attack({ attack: 'signals', serverPid, hostPids }, fn);
      assertSignalsContained(r, serverPid, hostPids);
      const t = await attack({ attack: 'ptrace', serverPid, hostPids }, fn);
      assert.equal(t['attach pid 1'], 'EPERM', JSON.stringify(t));
      assert.equal(t['seize pid 1'], 'EPERM');
      assert.equal(t['attach server'], 'ESRCH', 'the server is not in its pid namespace');
      assert.equal(t['seize server'], 'ESRCH');
      for (const pid of hostPids) assert.notEqual(t[`attach host ${pid}`], 'ok', `host pid ${pid}`);
      assert.equal(t['/proc/1/mem'], 'EACCES');
      const now = new Set(h.census().processes.map((p) => p.pid));
      for (const pid of hostPids) assert.ok(now.has(pid), `host pid ${pid} survived`);
      await stillServing();
    });

    test(`${fn}: cannot become root`, async () => {
      const r = await attack({ attack: 'privileges' }, fn);
      assertUnprivileged(r);
      assert.equal(r.tries.setresuid.outcome, 'EPERM');
      assert.equal(r.tries.chroot.outcome, 'EPERM');
      await stillServing();
    });
  }

  // FAILS today (a known hole, not the sandbox's: see the report): functions share the host's
  // network by design and may call Lamina's API on loopback, where the documented default
  // credentials test/test are accepted — root over every function, including GetFunction,
  // whose Code.Location hands out the victim's zip.
  test("cannot read another function's code through Lamina's API with the default credentials", async () => {
    const r = await attack({ attack: 'api-steal', url: h.lamina.url, victim: 'victim', key: 'test', secret: 'test' });
    assert.notEqual(r.outcome, 'ok', `the attacker downloaded the victim's code: ${JSON.stringify(r).slice(0, 300)}`);
    assert.doesNotMatch(JSON.stringify(r), new RegExp(MARKER));
    await stillServing();
  });

  test("cannot take a neighbour's events through its Runtime API, while the neighbour keeps working", async () => {
    await h.create('neighbour', 'python3.11', 'app.handler', NEIGHBOUR);
    const beacon = await startBeacon();
    try {
      const busy = h.invoke('neighbour', { beacon: beacon.url, hold: 5000, token: 'P1' });
      let busyNow = true;
      void busy.then(() => (busyNow = false));
      const { id, api } = await beacon.next();
      const port = Number(api.split(':')[1]);
      const ports = listeningPortsOf(h.serverPid());
      const during = await attack({ attack: 'runtime-api', id, ports, spoofPorts: [port] });
      assert.equal(busyNow, true, 'the forgery was tried while the neighbour was still busy');
      const done = await busy;
      assert.equal(done.functionError, undefined, done.raw);
      assert.deepEqual(done.body, { mine: 'P1', id }, 'the neighbour answered its own event, not the forgery');
      assertEndpointRefused(during, port, h.lamina.port);
      const idle = await attack({ attack: 'runtime-api', id: '6f0b5a3e-0000-4000-8000-000000000000', ports: [port], spoofPorts: [port] }, 'attacker36');
      assertEndpointRefused(idle, port, h.lamina.port);
      for (const token of ['P2', 'P3']) {
        const out = await h.invoke('neighbour', { token });
        assert.equal(out.body.mine, token, 'the neighbour still receives its own events');
      }
    } finally {
      beacon.close();
    }
    await stillServing();
  });

  test('a fork bomb is stopped by the pids limit; the next invocation works and nothing leaks', async () => {
    await h.create('bomber', 'python3.11', HANDLER, ATTACKER, { MemorySize: 2048, Timeout: 8 });
    assert.equal((await h.invoke('bomber', { attack: 'whoami' })).functionError, undefined);
    const watch = watchPids(h);
    const bomb = await h.invoke('bomber', { attack: 'fork-bomb' }, true);
    const seen = watch.stop();
    assert.equal(bomb.functionError, 'Unhandled');
    assert.match(bomb.body.errorType, /^(Sandbox\.Timedout|Runtime\.ExitError)$/, bomb.raw);
    assert.ok(seen.limitHits > 0 || seen.maxPids >= 1000, `the pids limit was reached: ${JSON.stringify(seen)}`);
    assert.ok(seen.maxPids <= 1024, `never more than pids.max: ${JSON.stringify(seen)}`);
    const next = await h.invoke('bomber', { attack: 'whoami' });
    assert.equal(next.functionError, undefined, next.raw);
    const leftover = await settle(
      () => ({ groups: pidsPerSandbox(h), processes: h.census().processes.length }),
      (c) => c.groups.every((n) => n <= 3) && c.processes === c.groups.reduce((a, b) => a + b, 0),
    );
    assert.ok(leftover.groups.every((n) => n <= 3), `no sandbox holds more than its runtime: ${JSON.stringify(leftover)}`);
    assert.equal(leftover.processes, leftover.groups.reduce((a, b) => a + b, 0), 'no process outside a sandbox group');
    await stillServing();
  });

  for (const [fn, runtime] of [
    ['hog', 'python3.11'],
    ['hog36', 'python3.6'],
  ] as const) {
    test(`${runtime}: a bytearray past MemorySize kills the runtime, reported as AWS does; the next invocation is fine`, async () => {
      await h.create(fn, runtime, HANDLER, ATTACKER, { MemorySize: 128 });
      assertOutOfMemory(await h.invoke(fn, { attack: 'oom' }, true), 128);
      const next = await h.invoke(fn, { attack: 'whoami' });
      assert.equal(next.functionError, undefined, next.raw);
      await stillServing();
    });
  }

  test('filling /tmp past EphemeralStorage is ENOSPC; 300 MB fit in a 128 MB function', async () => {
    await h.create('filler', 'python3.11', HANDLER, ATTACKER, { MemorySize: 128, EphemeralStorage: { Size: 512 }, Timeout: 60 });
    const small = await h.invoke('filler', { attack: 'fill', mb: 300 });
    assert.deepEqual(small.body, { written: 300, code: null, size: 300 * MB }, small.raw);
    const big = await h.invoke('filler', { attack: 'fill', mb: 600 });
    assert.equal(big.functionError, undefined, big.raw);
    assert.equal(big.body.code, 'ENOSPC');
    assert.ok(big.body.written >= 400 && big.body.written < 512, `stopped near 512 MB: ${big.raw}`);
    const after = await h.invoke('filler', { attack: 'fill', mb: 10 });
    assert.deepEqual(after.body, { written: 10, code: null, size: 10 * MB }, 'the function keeps working');
    await stillServing();
  });

  test('cannot write into /var/task, /var/runtime, /, /usr, /etc, /opt or the interpreter', async () => {
    const r = await attack({ attack: 'read-only' });
    for (const p of ['/var/task/new', '/var/task mkdir', '/var/task chmod', '/var/runtime', '/usr', 'interpreter prefix']) {
      assert.equal(r[p], 'EROFS', `${p}: ${r[p]}`);
    }
    for (const p of ['/var/task/attacker.py', '/usr/bin/python3', '/etc/passwd', '/', '/ mkdir', '/etc/new', '/opt']) {
      assert.ok(['EROFS', 'EACCES'].includes(r[p]), `${p}: ${r[p]}`);
    }
    assert.equal(r['/tmp (allowed)'], 'ok');
    await stillServing();
  });
});
