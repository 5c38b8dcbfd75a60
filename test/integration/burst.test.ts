// Bursts through boto3 (100 threads, one client with 100 connections) on a server whose idle
// environments expire after 2 s: 100 concurrent invocations of a cold function all succeed;
// with reserved concurrency 50 and handlers held at a barrier until every request has been
// answered or admitted, exactly 50 run and 50 are throttled; every invocation starts exactly
// once (one START line per request id across all streams); and afterwards no environment
// and no process of the server's sandboxes is left.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type LambdaClient, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { createZipFunction } from '../helpers/functions.js';
import { type LaminaProcess, startLamina } from '../helpers/lamina.js';
import { missing } from '../helpers/requirements.js';

const NO_BOTO3 = missing('python3', ['-c', 'import boto3'], 'python3-boto3');
const NO_AWS = missing('aws', ['--version'], 'awscli');

const BURST = 100;
const COLD = `burst-cold-${process.pid}`;
const CAPPED = `burst-capped-${process.pid}`;

/** Sleeps event.ms, or waits at the barrier URL the event names; answers with its request id. */
const HANDLER = [
  'import time, urllib.request',
  'def handler(event, context):',
  '    if event.get("barrier"):',
  '        urllib.request.urlopen(event["barrier"], timeout=60).read()',
  '    else:',
  '        time.sleep(event.get("ms", 0) / 1000)',
  '    return {"id": context.aws_request_id}',
].join('\n');

let lamina: LaminaProcess;
let sdk: LambdaClient;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const create = (name: string) =>
  createZipFunction(sdk, name, { 'app.py': HANDLER }, { Runtime: 'python3.12', Handler: 'app.handler', Timeout: 60 });

interface Outcome {
  readonly ok?: number;
  readonly id?: string;
  readonly error?: string;
  readonly reason?: string;
  readonly status?: number;
}

/**
 * BURST invocations at once from boto3 threads with `event`. `releaseUrl`: requested (once)
 * as soon as `releaseAfterThrottles` invocations have been throttled, or after 90 s at the latest.
 */
async function burst(name: string, event: unknown, release?: { url: string; afterThrottles: number }): Promise<Outcome[]> {
  const r = await lamina.boto3(`
import concurrent.futures, threading, urllib.request, botocore.exceptions
client = boto3.client("lambda", endpoint_url=lambda_client.meta.endpoint_url, region_name="us-east-1",
    config=botocore.config.Config(retries={"max_attempts": 0}, max_pool_connections=${BURST}, read_timeout=120, connect_timeout=30))
RELEASE = json.loads(${JSON.stringify(JSON.stringify(release?.url ?? null))})
released = threading.Event()
lock = threading.Lock()
throttles = [0]
def release():
    if RELEASE and not released.is_set():
        released.set()
        urllib.request.urlopen(RELEASE).read()
def call(i):
    try:
        r = client.invoke(FunctionName=${JSON.stringify(name)}, Payload=json.dumps(${JSON.stringify(event)}))
        return {"ok": r["StatusCode"], "id": json.loads(r["Payload"].read())["id"]}
    except botocore.exceptions.ClientError as e:
        with lock:
            throttles[0] += 1
            n = throttles[0]
        if n == ${release?.afterThrottles ?? -1}:
            release()
        return {"error": e.response["Error"]["Code"], "reason": e.response.get("Reason"),
                "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
timer = threading.Timer(90, release)
timer.start()
with concurrent.futures.ThreadPoolExecutor(${BURST}) as pool:
    results = list(pool.map(call, range(${BURST})))
timer.cancel()
print(json.dumps(results))
`);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Outcome[];
}

/** START lines per request id, across every stream of the function's log group. */
async function startsById(name: string, expected: number): Promise<Map<string, number>> {
  let counts = new Map<string, number>();
  for (let attempt = 0; attempt < 50; attempt++) {
    const r = await lamina.aws(['logs', 'filter-log-events', '--log-group-name', `/aws/lambda/${name}`, '--filter-pattern', '"START RequestId"']);
    assert.equal(r.code, 0, r.stderr);
    counts = new Map();
    for (const e of JSON.parse(r.stdout).events as { message: string }[]) {
      const id = /^START RequestId: (\S+)/.exec(e.message)?.[1];
      if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    let total = 0;
    for (const n of counts.values()) total += n;
    if (total >= expected) break;
    await sleep(200);
  }
  return counts;
}

/** A test HTTP server that holds every /wait until /release. */
function barrier(): Promise<{ waitUrl: string; releaseUrl: string; waits: () => number; close: () => void }> {
  const held: http.ServerResponse[] = [];
  let open = false;
  let waits = 0;
  const server = http.createServer((req, res) => {
    if (req.url === '/release') {
      open = true;
      for (const r of held.splice(0)) r.end('go');
      res.end('released');
    } else {
      waits++;
      if (open) res.end('go');
      else held.push(res);
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        waitUrl: `http://127.0.0.1:${port}/wait`,
        releaseUrl: `http://127.0.0.1:${port}/release`,
        waits: () => waits,
        close: () => {
          for (const r of held.splice(0)) r.end('go');
          server.close();
        },
      });
    });
  });
}

describe('bursts of 100 concurrent invocations', { skip: NO_BOTO3 || NO_AWS }, () => {
  before(async () => {
    lamina = await startLamina({ env: { LAMINA_IDLE_TIMEOUT: '2' } });
    sdk = lamina.sdk();
  });
  after(async () => {
    await lamina.dispose();
  });

  test('100 concurrent invocations of a cold function all succeed, each started exactly once', async () => {
    await create(COLD);
    const outcomes = await burst(COLD, { ms: 100 });
    assert.deepEqual(
      outcomes.filter((o) => o.ok !== 200),
      [],
      `every invocation succeeds; server errors: ${lamina.output().split('\n').filter((l) => l.includes('"level":"error"')).slice(0, 5).join('\n')}`,
    );
    const ids = outcomes.map((o) => o.id!);
    assert.equal(new Set(ids).size, BURST, 'one request id per invocation');
    const starts = await startsById(COLD, BURST);
    assert.deepEqual(
      ids.filter((id) => starts.get(id) !== 1),
      [],
      'each request id has exactly one START line',
    );
    assert.equal(starts.size, BURST, 'no START line for anything else');
  });

  test('with reserved concurrency 50, exactly 50 run and 50 are throttled', async () => {
    await create(CAPPED);
    await sdk.send(new PutFunctionConcurrencyCommand({ FunctionName: CAPPED, ReservedConcurrentExecutions: 50 }));
    const gate = await barrier();
    let outcomes: Outcome[];
    try {
      // Handlers wait at the barrier until all 50 refusals are in: every slot stays taken
      // while the other requests arrive, so the count cannot depend on timing.
      outcomes = await burst(CAPPED, { barrier: gate.waitUrl }, { url: gate.releaseUrl, afterThrottles: 50 });
    } finally {
      gate.close();
    }
    const ok = outcomes.filter((o) => o.ok === 200);
    const throttled = outcomes.filter((o) => o.error !== undefined);
    assert.equal(
      ok.length,
      50,
      `${JSON.stringify(outcomes.filter((o) => o.ok !== 200 && o.status !== 429))}; server errors: ${lamina.output().split('\n').filter((l) => l.includes('"level":"error"')).slice(0, 3).join('\n')}`,
    );
    assert.equal(throttled.length, 50);
    for (const t of throttled) {
      assert.deepEqual(t, { error: 'TooManyRequestsException', reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', status: 429 });
    }
    assert.equal(gate.waits(), 50, 'each admitted invocation ran its handler once');
    const starts = await startsById(CAPPED, 50);
    assert.deepEqual(
      ok.map((o) => o.id!).filter((id) => starts.get(id) !== 1),
      [],
      'each admitted request id has exactly one START line',
    );
    assert.equal(starts.size, 50, 'throttled invocations never started');
  });

  test('afterwards no environment and no sandbox process is left', async () => {
    let envs = -1;
    for (let i = 0; i < 150; i++) {
      envs = (await lamina.health()).environments.environments;
      if (envs === 0) break;
      await sleep(100);
    }
    assert.equal(envs, 0, 'every environment expired');
    await sleep(200);
    // Sandboxes are bwrap processes whose command line names the data directory. Prewarmed
    // runtimes ("cells", which hold no function: their /var/task is still empty) stay by design.
    const leftovers: string[] = [];
    let waitingCells = 0;
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      let args: string[];
      try {
        args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      } catch {
        continue; // gone meanwhile
      }
      if (!args.some((a) => a.includes(lamina.dataDir))) continue;
      const task = args.indexOf('/var/task');
      const source = task > 0 ? args[task - 1]! : '';
      if (source.includes(`${path.sep}cells${path.sep}`) && existsSync(source) && readdirSync(source).length === 0) {
        waitingCells++;
        continue;
      }
      leftovers.push(`${pid}: ${args.join(' ').slice(-300)}`);
    }
    const prewarmed = Object.values((await lamina.health()).prewarmed ?? {}).reduce((a, b) => a + b, 0);
    // Each sandbox shows as bwrap and its child in the new pid namespace.
    assert.ok(waitingCells <= 2 * prewarmed, `${waitingCells} cell processes for ${prewarmed} prewarmed runtimes`);
    assert.deepEqual(leftovers, [], 'no process of the server’s sandboxes is left');
  });
});
