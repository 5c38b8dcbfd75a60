// Hostile Node.js functions against the full sandbox, through the real API: each attack must
// fail safely (the attacker's answer says what every attempt met) and leave the platform
// serving others. The attacker's code is test/sandbox/guests/attacker.js.

import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { REPO_ROOT } from '../helpers/lamina.js';
import {
  assertForkBombContained,
  assertNeighbourEventsGuarded,
  assertOutOfMemory,
  assertSignalsContained,
  assertSnoopFailed,
  assertTmpSizedByEphemeralStorage,
  assertUnprivileged,
  BENIGN_NODE,
  descendants,
  Harness,
  hostileMoves,
  sandboxMissing,
  steadyProcesses,
} from './helpers.js';

const SKIP = sandboxMissing();
const ATTACKER = { 'index.js': readFileSync(path.join(REPO_ROOT, 'test', 'sandbox', 'guests', 'attacker.js'), 'utf8') };
const MB = 1024 * 1024;

const MARKER = `victim-code-${process.pid}-${Date.now().toString(36)}`;
const SECRET_NAME = `victim-secret-${Date.now().toString(36)}`;
const TOKEN = `token-${Math.random().toString(36).slice(2)}-${process.hrtime.bigint().toString(36)}`;

/** The victim keeps a secret in its /tmp and counts its invocations (a reset would show). */
const VICTIM = {
  'index.js': [
    "const fs = require('fs');",
    `const MARKER = '${MARKER}';`,
    'let n = 0;',
    'exports.handler = async (e) => {',
    `  if (e.secret) fs.writeFileSync('/tmp/${SECRET_NAME}', e.secret, { mode: 0o600 });`,
    `  const file = '/tmp/${SECRET_NAME}';`,
    '  return { n: ++n, marker: MARKER.length, secret: fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null };',
    '};',
  ].join('\n'),
};

/** Tells the test its request id and Runtime API address, and is busy until the test answers. */
const NEIGHBOUR = {
  'index.js': [
    "const http = require('http');",
    'exports.handler = async (event, context) => {',
    '  if (event.beacon) {',
    '    await new Promise((resolve, reject) => {',
    "      const req = http.request(event.beacon, { method: 'POST' }, (res) => { res.resume(); res.on('end', resolve); });",
    "      req.on('error', reject);",
    '      req.end(JSON.stringify({ id: context.awsRequestId, api: process.env.AWS_LAMBDA_RUNTIME_API }));',
    '    });',
    '  }',
    '  return { mine: event.token, id: context.awsRequestId };',
    '};',
  ].join('\n'),
};

describe('hostile Node.js functions', { skip: SKIP }, () => {
  let h: Harness;
  let victimScratch: string;
  const moves = hostileMoves(() => h, { token: TOKEN, marker: MARKER, secretName: SECRET_NAME });
  const { attack, stillServing } = moves;

  before(async () => {
    h = await Harness.start();
    await moves.plantVictim({ runtime: 'nodejs20.x', handler: 'index.handler', files: VICTIM, codeFile: 'index.js' }, BENIGN_NODE);
    await h.create('attacker', 'nodejs20.x', 'index.handler', ATTACKER, { MemorySize: 256, Timeout: 30 });
    victimScratch = (await moves.primeVictim()).scratch;
  });

  after(async () => {
    await h?.dispose();
  });

  test('/health reports the full sandbox', async () => {
    const health = await h.health();
    assert.equal(health.isolation.level, 'namespaces');
    assert.equal(health.isolation.degraded, undefined);
    assert.doesNotMatch(h.lamina.output(), /without a sandbox/);
  });

  test("cannot read another function's code, another environment's /tmp or Lamina's data", async () => {
    const hostPaths = moves.victimHostPaths();
    const r = await attack({ attack: 'snoop', paths: hostPaths, secretName: SECRET_NAME, markers: [MARKER, TOKEN, SECRET_NAME] });
    assertSnoopFailed(r, hostPaths, SECRET_NAME);
    await stillServing();
  });

  test('sees only its own processes and cannot signal or inspect anything outside its environment', async () => {
    const serverPid = h.serverPid();
    const census = await steadyProcesses(h);
    const hostPids = census.map((p) => p.pid);
    assert.ok(hostPids.length >= 6, 'sandboxes run under the server');
    const r = await attack({ attack: 'signals', serverPid, hostPids });
    assertSignalsContained(r, serverPid, hostPids);
    assert.equal(r.mem.outcome, 'EACCES', 'no ptrace-level access to pid 1 (/proc/1/mem)');
    for (const { pid, comm } of census) {
      assert.ok(descendants(serverPid).some((p) => p.pid === pid), `host pid ${pid} (${comm}) survived`);
    }
    await stillServing();
  });

  test('cannot become root: no capabilities, no_new_privs, setuid/setgid refused', async () => {
    const r = await attack({ attack: 'privileges' });
    assertUnprivileged(r);
    assert.notEqual(statSync(victimScratch).uid, r.uid, 'the victim runs as another uid');
    await stillServing();
  });

  test("cannot take a neighbour's events through its Runtime API, while the neighbour keeps working", async () => {
    await h.create('neighbour', 'nodejs20.x', 'index.handler', NEIGHBOUR, { Timeout: 60 });
    await assertNeighbourEventsGuarded(h, moves, { neighbour: 'neighbour', tokens: ['T1', 'T2', 'T3', 'T4'], idleAttacker: 'attacker' });
    await stillServing();
  });

  test('a fork bomb is stopped by the pids limit; the next invocation works and nothing leaks', async () => {
    await h.create('bomber', 'nodejs20.x', 'index.handler', ATTACKER, { MemorySize: 1024, Timeout: 30 });
    await assertForkBombContained(h, 'bomber');
    await stillServing();
  });

  test('allocating past MemorySize kills the runtime, reported as AWS does; the next invocation is fine', async () => {
    await h.create('hog', 'nodejs20.x', 'index.handler', ATTACKER, { MemorySize: 128 });
    assertOutOfMemory(await h.invoke('hog', { attack: 'oom' }, true), 128);
    const next = await h.invoke('hog', { attack: 'whoami' });
    assert.equal(next.functionError, undefined, next.raw);
    await stillServing();
  });

  test('/tmp is disk-backed and sized: 300 MB fit in a 128 MB function, 600 MB hit ENOSPC at 512 MB', async () => {
    await h.create('filler', 'nodejs20.x', 'index.handler', ATTACKER, { MemorySize: 128, EphemeralStorage: { Size: 512 }, Timeout: 60 });
    await assertTmpSizedByEphemeralStorage(h, 'filler');
    await stillServing();
  });

  test('cannot write into /var/task, /var/runtime, /, /usr, /etc or /opt', async () => {
    const r = await attack({ attack: 'read-only' });
    // New entries in read-only mounts: EROFS.
    for (const p of ['/var/task/new', '/var/task mkdir', '/var/task chmod', '/var/runtime', '/usr']) assert.equal(r[p], 'EROFS', `${p}: ${r[p]}`);
    // Existing root-owned files and folders: refused before the mount is even asked.
    for (const p of ['/var/task/index.js', '/usr/bin/node', '/etc/passwd', '/', '/ mkdir', '/etc/new', '/opt']) {
      assert.ok(['EROFS', 'EACCES'].includes(r[p]), `${p}: ${r[p]}`);
    }
    assert.equal(r['/tmp (allowed)'], 'ok');
    await stillServing();
  });

  test('EphemeralStorage set through Create/UpdateFunctionConfiguration is the size of /tmp', async () => {
    const tmpMB = async (fn: string): Promise<number> => {
      const out = await h.invoke(fn, { attack: 'statfs' });
      assert.equal(out.functionError, undefined, out.raw);
      return out.body.bytes / MB;
    };
    const near = (got: number, want: number): void =>
      assert.ok(got > want * 0.95 && got <= want, `/tmp is ${got.toFixed(1)} MB, expected about ${want} MB`);
    near(await tmpMB('attacker'), 512); // the default
    await h.create('sized', 'nodejs20.x', 'index.handler', ATTACKER, { EphemeralStorage: { Size: 1024 } });
    near(await tmpMB('sized'), 1024);
    await h.sdk.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'sized', EphemeralStorage: { Size: 2048 } }));
    near(await tmpMB('sized'), 2048);
    await stillServing();
  });
});
