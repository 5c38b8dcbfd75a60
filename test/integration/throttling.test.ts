// Throttling through real clients (boto3, the aws CLI, the AWS SDK for JavaScript v3): reserved
// concurrency caps a function (429 TooManyRequestsException with AWS's Reason), 0 throttles
// everything, DeleteFunctionConcurrency lifts the cap, a throttled Event invocation waits and
// still runs, a throttled invocation starts no environment, GetAccountSettings reports the
// figures; and, on a server with a tiny account limit, the account cap.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DeleteFunctionConcurrencyCommand,
  GetAccountSettingsCommand,
  InvokeCommand,
  type InvokeCommandOutput,
  type LambdaClient,
  PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import { awsFailure } from '../helpers/aws-errors.js';
import { createZipFunction } from '../helpers/functions.js';
import { type LaminaProcess, startLamina } from '../helpers/lamina.js';
import { missing } from '../helpers/requirements.js';

const NO_AWS = missing('aws', ['--version'], 'awscli');
const NO_BOTO3 = missing('python3', ['-c', 'import boto3'], 'python3-boto3');

const RESERVED = 'ReservedFunctionConcurrentInvocationLimitExceeded';
const ACCOUNT = 'ConcurrentInvocationLimitExceeded';

/** Sleeps `ms` (from the event), prints a mark, answers with its request id. */
const SLEEPER = [
  'exports.handler = async (event, context) => {',
  '  if (event.mark) console.log(event.mark);',
  '  await new Promise((r) => setTimeout(r, event.ms ?? 0));',
  '  return { id: context.awsRequestId };',
  '};',
].join('\n');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const createSleeper = (sdk: LambdaClient, name: string) => createZipFunction(sdk, name, SLEEPER, { Timeout: 30 });

function invoke(sdk: LambdaClient, name: string, event: unknown = {}, extra: Record<string, unknown> = {}): Promise<InvokeCommandOutput> {
  return sdk.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(event)), ...extra }));
}

/** The error of a throttled SDK call, with AWS's members. */
async function throttleOf(p: Promise<unknown>): Promise<{ name: string; status?: number; reason?: string; message: string }> {
  const f = await awsFailure(p, 'expected the invocation to be throttled');
  return { name: f.name, status: f.status, reason: f.fields.Reason as string | undefined, message: f.message };
}

interface Outcome {
  readonly ok?: number;
  readonly error?: string;
  readonly reason?: string;
  readonly status?: number;
  readonly message?: string;
}

/** `n` invocations at once from boto3 threads, each {ms}; their outcomes. */
async function boto3Burst(lamina: LaminaProcess, name: string, n: number, ms: number): Promise<Outcome[]> {
  const r = await lamina.boto3(`
import concurrent.futures, botocore.exceptions
client = boto3.client("lambda", endpoint_url=lambda_client.meta.endpoint_url, region_name="us-east-1",
    config=botocore.config.Config(retries={"max_attempts": 0}, max_pool_connections=${n}, read_timeout=120))
def call(i):
    try:
        r = client.invoke(FunctionName=${JSON.stringify(name)}, Payload=json.dumps({"ms": ${ms}}))
        return {"ok": r["StatusCode"]}
    except botocore.exceptions.ClientError as e:
        return {"error": e.response["Error"]["Code"], "reason": e.response.get("Reason"),
                "status": e.response["ResponseMetadata"]["HTTPStatusCode"], "message": e.response["Error"]["Message"]}
with concurrent.futures.ThreadPoolExecutor(${n}) as pool:
    print(json.dumps(list(pool.map(call, range(${n})))))
`);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Outcome[];
}

/** Waits until `check` holds, polling. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('throttling by reserved concurrency', () => {
  let lamina: LaminaProcess;
  let sdk: LambdaClient;
  const put = (name: string, n: number) =>
    sdk.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: n }));

  before(async () => {
    lamina = await startLamina();
    sdk = lamina.sdk();
    await createSleeper(sdk, 'throttle-two');
    await createSleeper(sdk, 'throttle-zero');
    await createSleeper(sdk, 'throttle-event');
  });
  after(async () => {
    await lamina.dispose();
  });

  test('reserved 2, six concurrent invocations of a 2 s function: 2 run, 4 get 429 (boto3)', { skip: NO_BOTO3 }, async () => {
    await put('throttle-two', 2);
    const outcomes = await boto3Burst(lamina, 'throttle-two', 6, 2000);
    const ok = outcomes.filter((o) => o.ok === 200);
    const throttled = outcomes.filter((o) => o.error !== undefined);
    assert.equal(ok.length, 2, JSON.stringify(outcomes));
    assert.equal(throttled.length, 4, JSON.stringify(outcomes));
    for (const t of throttled) {
      assert.deepEqual(t, { error: 'TooManyRequestsException', reason: RESERVED, status: 429, message: 'Rate Exceeded.' });
    }
  });

  test('the aws CLI sees the same 429 while both slots are busy', { skip: NO_AWS }, async () => {
    const running = [invoke(sdk, 'throttle-two', { ms: 6000 }), invoke(sdk, 'throttle-two', { ms: 6000 })];
    // Both hold their slot from the moment they are accepted; wait until they run anyway.
    await until('two busy environments', async () => ((await lamina.health()).environments.byState.busy ?? 0) >= 2);
    const r = await lamina.aws(['lambda', 'invoke', '--function-name', 'throttle-two', '--payload', '{}', '/dev/null', '--debug']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /An error occurred \(TooManyRequestsException\) when calling the Invoke operation.*: Rate Exceeded\./);
    assert.match(r.stderr, new RegExp(`"Reason":\\s*"${RESERVED}"`));
    for (const out of await Promise.all(running)) assert.equal(out.StatusCode, 200);
  });

  test('reserved 0 throttles every invocation and starts no environment', async () => {
    await put('throttle-zero', 0);
    const before = (await lamina.health()).environments.environments;
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await throttleOf(invoke(sdk, 'throttle-zero', { ms: 0 })), {
        name: 'TooManyRequestsException',
        status: 429,
        reason: RESERVED,
        message: 'Rate Exceeded.',
      });
    }
    // An Event invocation is accepted (and dropped: nothing may run).
    const accepted = await invoke(sdk, 'throttle-zero', { mark: 'NEVER-RUNS' }, { InvocationType: 'Event' });
    assert.equal(accepted.StatusCode, 202);
    await sleep(300);
    assert.equal((await lamina.health()).environments.environments, before, 'no environment started');
    const streams = await lamina.aws(['logs', 'describe-log-streams', '--log-group-name', '/aws/lambda/throttle-zero']);
    if (streams.code === 0) assert.deepEqual(JSON.parse(streams.stdout).logStreams, [], 'no log stream');
    else assert.match(streams.stderr, /ResourceNotFoundException/);
  });

  test('DeleteFunctionConcurrency lifts the cap', async () => {
    const deleted = await sdk.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'throttle-zero' }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    const out = await invoke(sdk, 'throttle-zero', { ms: 0 });
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, undefined);
  });

  test('an Event invocation throttled by reserved 1 waits for the running one and is not lost', { skip: NO_AWS }, async () => {
    await put('throttle-event', 1);
    const sync = invoke(sdk, 'throttle-event', { ms: 2000, mark: 'SYNC-MARK' });
    await until('the synchronous invocation runs', async () => ((await lamina.health()).environments.byState.busy ?? 0) >= 1);
    // Meanwhile a synchronous call would be refused…
    assert.equal((await throttleOf(invoke(sdk, 'throttle-event', { ms: 0 }))).reason, RESERVED);
    // …and an Event invocation is accepted, to run once the slot is free.
    const accepted = await invoke(sdk, 'throttle-event', { mark: 'EVENT-MARK' }, { InvocationType: 'Event' });
    assert.equal(accepted.StatusCode, 202);
    const done = await sync;
    assert.equal(done.StatusCode, 200);

    let events: { message: string; timestamp: number }[] = [];
    await until('the event to run', async () => {
      const r = await lamina.aws(['logs', 'filter-log-events', '--log-group-name', '/aws/lambda/throttle-event']);
      if (r.code !== 0) return false;
      events = JSON.parse(r.stdout).events;
      return events.some((e) => e.message.includes('EVENT-MARK'));
    });
    // It started only after the synchronous one (which slept 2 s) had finished. (START lines
    // are stamped by the server as it hands the invocation over.)
    const starts = events.filter((e) => e.message.startsWith('START RequestId:'));
    assert.equal(starts.length, 2, 'one run each: the sync and the event (the throttled call never started)');
    const startOf = (id: string | undefined) => starts.find((e) => e.message.startsWith(`START RequestId: ${id} `));
    const syncStart = startOf(done.$metadata.requestId);
    const eventStart = startOf(accepted.$metadata.requestId);
    assert.ok(syncStart && eventStart, JSON.stringify(starts));
    assert.ok(eventStart.timestamp >= syncStart.timestamp + 2000, `event ran at +${eventStart.timestamp - syncStart.timestamp} ms`);
  });

  test('GetAccountSettings reports the limit and what reservations leave', async () => {
    // throttle-two reserves 2, throttle-event 1 (throttle-zero's was deleted).
    const s = await sdk.send(new GetAccountSettingsCommand({}));
    assert.equal(s.AccountLimit?.ConcurrentExecutions, 1000);
    assert.equal(s.AccountLimit?.UnreservedConcurrentExecutions, 997);
    await put('throttle-event', 10);
    assert.equal((await sdk.send(new GetAccountSettingsCommand({}))).AccountLimit?.UnreservedConcurrentExecutions, 988);
  });
});

describe('throttling by the account limit (LAMINA_ACCOUNT_CONCURRENCY=5)', () => {
  let lamina: LaminaProcess;
  let sdk: LambdaClient;

  before(async () => {
    lamina = await startLamina({ env: { LAMINA_ACCOUNT_CONCURRENCY: '5' } });
    sdk = lamina.sdk();
    await createSleeper(sdk, 'account-capped');
  });
  after(async () => {
    await lamina.dispose();
  });

  test('GetAccountSettings shows the limit; the whole of it stays unreserved', async () => {
    const s = await sdk.send(new GetAccountSettingsCommand({}));
    assert.equal(s.AccountLimit?.ConcurrentExecutions, 5);
    assert.equal(s.AccountLimit?.UnreservedConcurrentExecutions, 5);
    await assert.rejects(
      sdk.send(new PutFunctionConcurrencyCommand({ FunctionName: 'account-capped', ReservedConcurrentExecutions: 1 })),
      (err: Error) =>
        err.name === 'InvalidParameterValueException' &&
        err.message ===
          "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [5].",
    );
  });

  test('six concurrent invocations of an unreserved function: 5 run, 1 gets ConcurrentInvocationLimitExceeded', { skip: NO_BOTO3 }, async () => {
    const outcomes = await boto3Burst(lamina, 'account-capped', 6, 2000);
    const ok = outcomes.filter((o) => o.ok === 200);
    const throttled = outcomes.filter((o) => o.error !== undefined);
    assert.equal(ok.length, 5, JSON.stringify(outcomes));
    assert.deepEqual(throttled, [{ error: 'TooManyRequestsException', reason: ACCOUNT, status: 429, message: 'Rate Exceeded.' }]);
    // The throttled one started nothing: at most one environment per admitted invocation.
    assert.ok((await lamina.health()).environments.environments <= 5);
  });
});
