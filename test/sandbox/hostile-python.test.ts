// Hostile Python functions (python3.11, and python3.6 for a few) against the full sandbox,
// through the real API: each attack must fail safely and leave the platform serving others.
// The attacker's code is test/sandbox/guests/attacker.py.

import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from '../helpers/lamina.js';
import {
  assertForkBombContained,
  assertNeighbourEventsGuarded,
  assertOutOfMemory,
  assertSignalsContained,
  assertSnoopFailed,
  assertTmpSizedByEphemeralStorage,
  assertUnprivileged,
  BENIGN_PY,
  Harness,
  hostileMoves,
  sandboxMissing,
  steadyProcesses,
} from './helpers.js';

const SKIP = sandboxMissing();
const ATTACKER = { 'attacker.py': readFileSync(path.join(REPO_ROOT, 'test', 'sandbox', 'guests', 'attacker.py'), 'utf8') };
const HANDLER = 'attacker.handler';

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

/** Tells the test its request id and Runtime API address, and is busy until the test answers. */
const NEIGHBOUR = {
  'app.py': [
    'import json, os, urllib.request',
    'def handler(e, context):',
    '    if e.get("beacon"):',
    '        body = json.dumps({"id": context.aws_request_id, "api": os.environ["AWS_LAMBDA_RUNTIME_API"]}).encode()',
    '        urllib.request.urlopen(urllib.request.Request(e["beacon"], data=body, method="POST")).read()',
    '    return {"mine": e["token"], "id": context.aws_request_id}',
  ].join('\n'),
};

describe('hostile Python functions', { skip: SKIP }, () => {
  let h: Harness;
  let victimScratch: string;
  let victimUid: number;
  const moves = hostileMoves(() => h, { token: TOKEN, marker: MARKER, secretName: SECRET_NAME });
  const { attack, stillServing } = moves;

  before(async () => {
    h = await Harness.start();
    await moves.plantVictim({ runtime: 'python3.11', handler: 'app.handler', files: VICTIM, codeFile: 'app.py' }, BENIGN_PY);
    await h.create('attacker', 'python3.11', HANDLER, ATTACKER, { MemorySize: 256, Timeout: 60 });
    await h.create('attacker36', 'python3.6', HANDLER, ATTACKER, { MemorySize: 256, Timeout: 60 });
    const { first, scratch } = await moves.primeVictim();
    victimUid = first.body.uid;
    victimScratch = scratch;
    assert.equal(statSync(victimScratch).uid, victimUid);
    const v36 = await attack({ attack: 'whoami' }, 'attacker36');
    assert.match(v36.version, /^3\.6\./);
  });

  after(async () => {
    await h?.dispose();
  });

  for (const fn of ['attacker', 'attacker36']) {
    test(`${fn}: cannot read another function's code, another environment's /tmp or Lamina's data`, async () => {
      const hostPaths = moves.victimHostPaths();
      const r = await attack({ attack: 'snoop', paths: hostPaths, secretName: SECRET_NAME, markers: [MARKER, TOKEN, SECRET_NAME] }, fn);
      assertSnoopFailed(r, hostPaths, SECRET_NAME);
      assert.notEqual(r.uid, victimUid, 'attacker and victim have uids of their own');
      await stillServing();
    });

    test(`${fn}: sees only its own processes, cannot signal or ptrace anything outside its environment`, async () => {
      const serverPid = h.serverPid();
      const census = await steadyProcesses(h);
      const hostPids = census.map((p) => p.pid);
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
      for (const { pid, comm } of census) assert.ok(now.has(pid), `host pid ${pid} (${comm}) survived`);
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

  // Functions share the host's network by design and may call Lamina's API on loopback: the
  // root credentials (test/test by default) must not work from there, or GetFunction's
  // Code.Location would hand out the victim's zip.
  test("cannot read another function's code through Lamina's API with the default credentials", async () => {
    const r = await attack({ attack: 'api-steal', url: h.lamina.url, victim: 'victim', key: 'test', secret: 'test' });
    assert.notEqual(r.outcome, 'ok', `the attacker downloaded the victim's code: ${JSON.stringify(r).slice(0, 300)}`);
    assert.doesNotMatch(JSON.stringify(r), new RegExp(MARKER));
    await stillServing();
  });

  test("cannot take a neighbour's events through its Runtime API, while the neighbour keeps working", async () => {
    await h.create('neighbour', 'python3.11', 'app.handler', NEIGHBOUR, { Timeout: 60 });
    await assertNeighbourEventsGuarded(h, moves, { neighbour: 'neighbour', tokens: ['P1', 'P2', 'P3'], idleAttacker: 'attacker36' });
    await stillServing();
  });

  test('a fork bomb is stopped by the pids limit; the next invocation works and nothing leaks', async () => {
    await h.create('bomber', 'python3.11', HANDLER, ATTACKER, { MemorySize: 2048, Timeout: 30 });
    await assertForkBombContained(h, 'bomber');
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
    await assertTmpSizedByEphemeralStorage(h, 'filler');
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
