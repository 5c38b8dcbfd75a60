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
  assertEndpointRefused,
  assertOutOfMemory,
  assertSignalsContained,
  assertSnoopFailed,
  assertUnprivileged,
  BENIGN_NODE,
  descendants,
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

/** Tells the test its request id and Runtime API address, then holds the invocation. */
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
    '    await new Promise((r) => setTimeout(r, event.hold));',
    '  }',
    '  return { mine: event.token, id: context.awsRequestId };',
    '};',
  ].join('\n'),
};

describe('hostile Node.js functions', { skip: SKIP }, () => {
  let h: Harness;
  let victimTree: string;
  let victimScratch: string;
  let victimN = 0;

  /** After every attack: a benign function answers, and the victim still holds its secret in the same runtime. */
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
    const created = await h.create('victim', 'nodejs20.x', 'index.handler', VICTIM);
    victimTree = h.codeTree(created.CodeSha256!);
    assert.match(readFileSync(path.join(victimTree, 'index.js'), 'utf8'), new RegExp(MARKER), 'the code tree path is right');
    await h.create('benign', 'nodejs20.x', 'index.handler', BENIGN_NODE);
    await h.create('attacker', 'nodejs20.x', 'index.handler', ATTACKER, { MemorySize: 256, Timeout: 30 });
    const first = await h.invoke('victim', { secret: TOKEN });
    assert.equal(first.body.secret, TOKEN);
    victimN = first.body.n;
    victimScratch = await findVictimScratch(h, SECRET_NAME);
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
    const hostPaths = [
      path.join(victimTree, 'index.js'),
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
    const r = await attack({ attack: 'snoop', paths: hostPaths, secretName: SECRET_NAME, markers: [MARKER, TOKEN, SECRET_NAME] });
    assertSnoopFailed(r, hostPaths, SECRET_NAME);
    await stillServing();
  });

  test('sees only its own processes and cannot signal or inspect anything outside its environment', async () => {
    const serverPid = h.serverPid();
    const census = h.census().processes;
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
    await h.create('neighbour', 'nodejs20.x', 'index.handler', NEIGHBOUR);
    const beacon = await startBeacon();
    try {
      // 1. While the neighbour is busy: poll its endpoint, forge a result for its real request id.
      const busy = h.invoke('neighbour', { beacon: beacon.url, hold: 5000, token: 'T1' });
      let busyNow = true;
      void busy.then(() => (busyNow = false));
      const { id, api } = await beacon.next();
      const port = Number(api.split(':')[1]);
      const ports = listeningPortsOf(h.serverPid());
      assert.ok(ports.includes(port) && ports.includes(h.lamina.port), `the server listens on ${ports}`);
      const during = await attack({ attack: 'runtime-api', id, ports, spoofPorts: [port] });
      assert.equal(busyNow, true, 'the forgery was tried while the neighbour was still busy');
      const done = await busy;
      assert.equal(done.functionError, undefined, done.raw);
      assert.deepEqual(done.body, { mine: 'T1', id }, 'the neighbour answered its own event, not the forgery');
      assertEndpointRefused(during, port, h.lamina.port);

      // 2. While the neighbour is idle, waiting in `next`: try to take its next event.
      const idle = await attack({ attack: 'runtime-api', id: '6f0b5a3e-0000-4000-8000-000000000000', ports: [port], spoofPorts: [port] });
      assertEndpointRefused(idle, port, h.lamina.port);
      for (const token of ['T2', 'T3', 'T4']) {
        const out = await h.invoke('neighbour', { token });
        assert.equal(out.body.mine, token, 'the neighbour still receives its own events');
      }
    } finally {
      beacon.close();
    }
    await stillServing();
  });

  test('a fork bomb is stopped by the pids limit; the next invocation works and nothing leaks', async () => {
    await h.create('bomber', 'nodejs20.x', 'index.handler', ATTACKER, { MemorySize: 1024, Timeout: 5 });
    assert.equal((await h.invoke('bomber', { attack: 'whoami' })).functionError, undefined);
    const watch = watchPids(h);
    const bomb = await h.invoke('bomber', { attack: 'fork-bomb' }, true);
    const seen = watch.stop();
    assert.equal(bomb.status, 200);
    assert.equal(bomb.functionError, 'Unhandled');
    assert.match(bomb.body.errorType, /^(Sandbox\.Timedout|Runtime\.ExitError)$/, bomb.raw);
    assert.ok(seen.limitHits > 0 || seen.maxPids >= 1000, `the pids limit was reached: ${JSON.stringify(seen)}`);
    assert.ok(seen.maxPids <= 1024, `never more than pids.max: ${JSON.stringify(seen)}`);
    const next = await h.invoke('bomber', { attack: 'whoami' });
    assert.equal(next.functionError, undefined, next.raw);
    // Every process under the server is in a sandbox's group, and each group holds one
    // runtime's tree (outer bwrap, the namespace's init, the runtime): no bomb stragglers.
    const leftover = await settle(
      () => ({ groups: pidsPerSandbox(h), processes: h.census().processes.length }),
      (c) => c.groups.every((n) => n <= 3) && c.processes === c.groups.reduce((a, b) => a + b, 0),
    );
    assert.ok(leftover.groups.every((n) => n <= 3), `no sandbox holds more than its runtime: ${JSON.stringify(leftover)}`);
    assert.equal(leftover.processes, leftover.groups.reduce((a, b) => a + b, 0), 'no process outside a sandbox group');
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
    const small = await h.invoke('filler', { attack: 'fill', mb: 300 });
    assert.equal(small.functionError, undefined, small.raw);
    assert.deepEqual(small.body, { written: 300, code: null, size: 300 * MB });
    const big = await h.invoke('filler', { attack: 'fill', mb: 600 });
    assert.equal(big.functionError, undefined, big.raw);
    assert.equal(big.body.code, 'ENOSPC');
    assert.ok(big.body.written >= 400 && big.body.written < 512, `stopped near 512 MB: ${big.raw}`);
    const after = await h.invoke('filler', { attack: 'fill', mb: 10 });
    assert.deepEqual(after.body, { written: 10, code: null, size: 10 * MB }, 'the function keeps working');
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
