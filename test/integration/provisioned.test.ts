// Provisioned concurrency through real clients (the AWS SDK for JavaScript v3, boto3, the aws
// CLI) on a server whose on-demand environments expire after 2 s: configurations reach READY
// with environments initialized ahead (no Init Duration, AWS_LAMBDA_INITIALIZATION_TYPE),
// invocations beyond them spill over to on-demand ones, they outlive the idle timeout, a
// failing Init is FAILED, Delete releases them, an alias re-pointed takes them along, the
// recorded conflicts and errors, reserved + provisioned as AWS throttles them, raw answers
// against the botocore model, and configurations surviving kill -9.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateAliasCommand,
  DeleteAliasCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  type GetProvisionedConcurrencyConfigCommandOutput,
  InvokeCommand,
  type InvokeCommandOutput,
  type LambdaClient,
  ListProvisionedConcurrencyConfigsCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { expectAwsError } from '../helpers/aws-errors.js';
import { createZipFunction } from '../helpers/functions.js';
import { ACCOUNT, type LaminaProcess, REGION, startLamina } from '../helpers/lamina.js';
import { checkedRequest } from '../helpers/raw.js';
import { missing } from '../helpers/requirements.js';
import { makeZip } from '../helpers/zip.js';

const NO_AWS = missing('aws', ['--version'], 'awscli');
const NO_BOTO3 = missing('python3', ['-c', 'import boto3'], 'python3-boto3');
const NO_MODEL = missing('python3', ['-c', 'import botocore'], 'python3-botocore');

const PREFIX = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:`;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;

/** A module-level random id tells environments apart; the handler reports how it was initialized. */
const HANDLER = [
  "const id = require('node:crypto').randomUUID();",
  'exports.handler = async (event) => {',
  '  await new Promise((r) => setTimeout(r, event.ms ?? 0));',
  '  return { id, type: process.env.AWS_LAMBDA_INITIALIZATION_TYPE, version: process.env.AWS_LAMBDA_FUNCTION_VERSION };',
  '};',
].join('\n');

let lamina: LaminaProcess;
let sdk: LambdaClient;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const json = (out: InvokeCommandOutput): { id: string; type: string; version: string } =>
  JSON.parse(Buffer.from(out.Payload ?? []).toString('utf8'));
const tailOf = (out: InvokeCommandOutput): string => Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');

const create = (name: string, source = HANDLER) => createZipFunction(sdk, name, source, { Timeout: 30, Publish: true });

const alias = (fn: string, name: string, version: string) =>
  sdk.send(new CreateAliasCommand({ FunctionName: fn, Name: name, FunctionVersion: version }));
const putPc = (fn: string, qualifier: string, n: number) =>
  sdk.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: fn, Qualifier: qualifier, ProvisionedConcurrentExecutions: n }));
const getPc = (fn: string, qualifier: string) =>
  sdk.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: fn, Qualifier: qualifier }));
const deletePc = (fn: string, qualifier: string) =>
  sdk.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: fn, Qualifier: qualifier }));
const invoke = (fn: string, qualifier?: string, event: unknown = {}) =>
  sdk.send(
    new InvokeCommand({
      FunctionName: fn,
      ...(qualifier !== undefined && { Qualifier: qualifier }),
      Payload: Buffer.from(JSON.stringify(event)),
      LogType: 'Tail',
    }),
  );

/** Polls GetProvisionedConcurrencyConfig until its Status is `status`. */
async function waitFor(fn: string, qualifier: string, status: string, timeoutMs = 20_000): Promise<GetProvisionedConcurrencyConfigCommandOutput> {
  const end = Date.now() + timeoutMs;
  let last: GetProvisionedConcurrencyConfigCommandOutput | undefined;
  while (Date.now() < end) {
    last = await getPc(fn, qualifier);
    if (last.Status === status) return last;
    await sleep(100);
  }
  assert.fail(`${fn}:${qualifier} never reached ${status}; last: ${JSON.stringify(last)}`);
}

describe('provisioned concurrency', () => {
  before(async () => {
    lamina = await startLamina({ env: { LAMINA_IDLE_TIMEOUT: '2' } });
    sdk = lamina.sdk();
  });
  after(async () => {
    await lamina.dispose();
  });

  test('on an alias: IN_PROGRESS, then READY; the first invocation has no Init Duration', async () => {
    await create('pc-main');
    await alias('pc-main', 'live', '1');
    const put = await putPc('pc-main', 'live', 2);
    assert.equal(put.$metadata.httpStatusCode, 202);
    assert.deepEqual(
      { ...put, $metadata: undefined, LastModified: undefined },
      {
        $metadata: undefined,
        LastModified: undefined,
        RequestedProvisionedConcurrentExecutions: 2,
        AvailableProvisionedConcurrentExecutions: 0,
        AllocatedProvisionedConcurrentExecutions: 0,
        Status: 'IN_PROGRESS',
      },
    );
    assert.match(put.LastModified!, TIMESTAMP);
    const ready = await waitFor('pc-main', 'live', 'READY');
    assert.equal(ready.AllocatedProvisionedConcurrentExecutions, 2);
    assert.equal(ready.AvailableProvisionedConcurrentExecutions, 2);
    assert.equal(ready.StatusReason, undefined);
    assert.equal(ready.LastModified, put.LastModified);

    const out = await invoke('pc-main', 'live');
    assert.equal(out.ExecutedVersion, '1');
    const tail = tailOf(out);
    assert.match(tail, /REPORT RequestId: /);
    assert.doesNotMatch(tail, /Init Duration/);
    assert.deepEqual({ ...json(out), id: undefined }, { id: undefined, type: 'provisioned-concurrency', version: '1' });
  });

  test('invocations beyond the provisioned ones spill over to on-demand environments', { skip: NO_BOTO3 }, async () => {
    const r = await lamina.boto3(`
import base64, concurrent.futures
def call(i):
    out = lambda_client.invoke(FunctionName="pc-main", Qualifier="live", LogType="Tail", Payload=json.dumps({"ms": 2000}))
    return {"status": out["StatusCode"], "body": json.loads(out["Payload"].read()), "tail": base64.b64decode(out["LogResult"]).decode()}
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    print(json.dumps(list(pool.map(call, range(4)))))
`);
    assert.equal(r.code, 0, r.stderr);
    const results = JSON.parse(r.stdout) as { status: number; body: { id: string; type: string }; tail: string }[];
    assert.deepEqual(results.map((x) => x.status), [200, 200, 200, 200]);
    const provisioned = results.filter((x) => x.body.type === 'provisioned-concurrency');
    const onDemand = results.filter((x) => x.body.type === 'on-demand');
    assert.equal(provisioned.length, 2, JSON.stringify(results.map((x) => x.body)));
    assert.equal(onDemand.length, 2, JSON.stringify(results.map((x) => x.body)));
    for (const x of provisioned) assert.doesNotMatch(x.tail, /Init Duration/);
    for (const x of onDemand) assert.match(x.tail, /Init Duration: [\d.]+ ms/);
    assert.equal(new Set(results.map((x) => x.body.id)).size, 4, 'four environments');
  });

  test('provisioned environments outlive the idle timeout', async () => {
    const first = json(await invoke('pc-main', 'live'));
    await sleep(4000); // twice LAMINA_IDLE_TIMEOUT: the on-demand environments are gone by now
    const out = await invoke('pc-main', 'live');
    assert.doesNotMatch(tailOf(out), /Init Duration/);
    const again = json(out);
    assert.equal(again.type, 'provisioned-concurrency');
    // The most recently used provisioned environment takes the call: the same one, still alive.
    assert.equal(again.id, first.id);
    const envs = (await lamina.health()).environments.environments;
    assert.equal(envs, 2, 'only the two provisioned environments are left');
  });

  test('an alias re-pointed takes its provisioned concurrency to the new version', async () => {
    await sdk.send(new UpdateFunctionCodeCommand({ FunctionName: 'pc-main', ZipFile: makeZip({ 'index.js': HANDLER }), Publish: true }));
    await sdk.send(new UpdateAliasCommand({ FunctionName: 'pc-main', Name: 'live', FunctionVersion: '2' }));
    await waitFor('pc-main', 'live', 'READY');
    // Give the released version-1 environments a moment to end.
    for (let i = 0; i < 50 && (await lamina.health()).environments.environments !== 2; i++) await sleep(100);
    assert.equal((await lamina.health()).environments.environments, 2);
    const out = await invoke('pc-main', 'live');
    assert.equal(out.ExecutedVersion, '2');
    assert.doesNotMatch(tailOf(out), /Init Duration/);
    assert.equal(json(out).type, 'provisioned-concurrency');
  });

  test('ListProvisionedConcurrencyConfigs (aws CLI) shows the configuration with its qualified ARN', { skip: NO_AWS }, async () => {
    const r = await lamina.aws(['lambda', 'list-provisioned-concurrency-configs', '--function-name', 'pc-main']);
    assert.equal(r.code, 0, r.stderr);
    const items = JSON.parse(r.stdout).ProvisionedConcurrencyConfigs as Record<string, unknown>[];
    assert.equal(items.length, 1);
    assert.deepEqual({ ...items[0], LastModified: undefined }, {
      FunctionArn: `${PREFIX}pc-main:live`,
      RequestedProvisionedConcurrentExecutions: 2,
      AvailableProvisionedConcurrentExecutions: 2,
      AllocatedProvisionedConcurrentExecutions: 2,
      Status: 'READY',
      LastModified: undefined,
    });
    assert.match(String(items[0]!.LastModified), TIMESTAMP);
  });

  test('Delete releases the environments: the next invocation is a cold on-demand one', async () => {
    const deleted = await deletePc('pc-main', 'live');
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    await expectAwsError(getPc('pc-main', 'live'), 'ProvisionedConcurrencyConfigNotFoundException', 404, 'No Provisioned Concurrency Config found for this function');
    for (let i = 0; i < 50 && (await lamina.health()).environments.environments !== 0; i++) await sleep(100);
    assert.equal((await lamina.health()).environments.environments, 0);
    const out = await invoke('pc-main', 'live');
    assert.match(tailOf(out), /Init Duration/);
    assert.equal(json(out).type, 'on-demand');
    const list = await sdk.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'pc-main' }));
    assert.deepEqual(list.ProvisionedConcurrencyConfigs, []);
  });

  test('a failing Init is FAILED with StatusReason FUNCTION_ERROR_INIT_FAILURE', async () => {
    await create('pc-broken', "throw new Error('broken at import');\nexports.handler = async () => 1;");
    const put = await putPc('pc-broken', '1', 1);
    assert.equal(put.Status, 'IN_PROGRESS');
    const failed = await waitFor('pc-broken', '1', 'FAILED');
    assert.equal(failed.StatusReason, 'FUNCTION_ERROR_INIT_FAILURE');
    assert.equal(failed.AllocatedProvisionedConcurrentExecutions, 0);
    assert.equal(failed.AvailableProvisionedConcurrentExecutions, 0);
    assert.equal(failed.RequestedProvisionedConcurrentExecutions, 1);
    await deletePc('pc-broken', '1');
  });

  test('the recorded refusals and conflicts', async () => {
    await create('pc-rules');
    await alias('pc-rules', 'prod', '1');
    const fn = `${PREFIX}pc-rules`;
    await expectAwsError(putPc('pc-rules', '$LATEST', 1), 'InvalidParameterValueException', 400, 'Provisioned Concurrency Configs cannot be applied to unpublished function versions.');
    await expectAwsError(getPc('pc-rules', '$LATEST'), 'InvalidParameterValueException', 400, 'The function resource provided must be an alias or a published version.');
    await expectAwsError(deletePc('pc-rules', '$LATEST'), 'InvalidParameterValueException', 400, 'The function resource provided must be an alias or a published version.');
    await expectAwsError(getPc('pc-rules', '1'), 'ProvisionedConcurrencyConfigNotFoundException', 404, 'No Provisioned Concurrency Config found for this function');
    await expectAwsError(getPc('pc-rules', 'noalias'), 'ResourceNotFoundException', 404, `Cannot find alias arn: ${fn}:noalias`);
    await expectAwsError(getPc('pc-rules', '10'), 'ResourceNotFoundException', 404, `Function not found: ${fn}:10`);
    await expectAwsError(getPc('doesnotexist', 'noalias'), 'ResourceNotFoundException', 404, `Cannot find alias arn: ${PREFIX}doesnotexist:noalias`);
    await expectAwsError(putPc('doesnotexist', '1', 1), 'ResourceNotFoundException', 404, `Function not found: ${PREFIX}doesnotexist:1`);
    await expectAwsError(putPc('pc-rules', '10', 1), 'ResourceNotFoundException', 404, `Function not found: ${fn}:10`);
    await expectAwsError(deletePc('pc-rules', 'noalias'), 'ResourceNotFoundException', 404, `Cannot find alias arn: ${fn}:noalias`);
    await expectAwsError(
      sdk.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'doesnotexist' })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${PREFIX}doesnotexist`,
    );
    assert.equal((await deletePc('pc-rules', '1')).$metadata.httpStatusCode, 204, 'deleting no configuration succeeds');
    await expectAwsError(
      putPc('pc-rules', '1', 0),
      'ValidationException',
      400,
      "1 validation error detected: Value '0' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    // The account keeps 100 unreserved: provisioned concurrency comes out of that pool.
    await expectAwsError(putPc('pc-rules', '1', 1001), 'InvalidParameterValueException', 400, "Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [1000].");
    await expectAwsError(
      putPc('pc-rules', '1', 901),
      'InvalidParameterValueException',
      400,
      "Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
    );

    // A version, then an alias on it; and the other way round.
    assert.equal((await putPc('pc-rules', '1', 1)).Status, 'IN_PROGRESS');
    await expectAwsError(putPc('pc-rules', 'prod', 1), 'ResourceConflictException', 409, "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version");
    await deletePc('pc-rules', '1');
    await putPc('pc-rules', 'prod', 1);
    await expectAwsError(putPc('pc-rules', '1', 1), 'ResourceConflictException', 409, 'Version is pointed by a Provisioned Concurrency alias');
    await waitFor('pc-rules', 'prod', 'READY');

    // Deleting the alias deletes its configuration.
    await sdk.send(new DeleteAliasCommand({ FunctionName: 'pc-rules', Name: 'prod' }));
    await expectAwsError(getPc('pc-rules', 'prod'), 'ResourceNotFoundException', 404, `Cannot find alias arn: ${fn}:prod`);
    assert.deepEqual((await sdk.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'pc-rules' }))).ProvisionedConcurrencyConfigs, []);
    // …and a new alias of that name starts without one.
    await alias('pc-rules', 'prod', '1');
    await expectAwsError(getPc('pc-rules', 'prod'), 'ProvisionedConcurrencyConfigNotFoundException', 404, 'No Provisioned Concurrency Config found for this function');
  });

  test('reserved 1 + provisioned 1 on version 1: $LATEST is throttled, version 1 is served (boto3)', { skip: NO_BOTO3 }, async () => {
    await create('pc-block');
    const r = await lamina.boto3(`
import time, botocore.exceptions
out = {}
def call(**kw):
    try:
        res = lambda_client.invoke(FunctionName="pc-block", Payload=b"{}", **kw)
        return {"status": res["StatusCode"], "version": res["ExecutedVersion"]}
    except botocore.exceptions.ClientError as e:
        return {"error": e.response["Error"]["Code"], "reason": e.response.get("Reason"), "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
out["reserved"] = lambda_client.put_function_concurrency(FunctionName="pc-block", ReservedConcurrentExecutions=1)["ReservedConcurrentExecutions"]
out["before"] = call()
pc = lambda_client.put_provisioned_concurrency_config(FunctionName="pc-block", Qualifier="1", ProvisionedConcurrentExecutions=1)
out["put"] = {"status": pc["ResponseMetadata"]["HTTPStatusCode"], "Status": pc["Status"]}
for _ in range(200):
    if lambda_client.get_provisioned_concurrency_config(FunctionName="pc-block", Qualifier="1")["Status"] == "READY":
        break
    time.sleep(0.1)
out["latest_first"] = call()
out["v1"] = call(Qualifier="1")
out["latest_second"] = call()
try:
    lambda_client.put_provisioned_concurrency_config(FunctionName="pc-block", Qualifier="1", ProvisionedConcurrentExecutions=2)
except botocore.exceptions.ClientError as e:
    out["increase"] = [e.response["Error"]["Code"], e.response["Error"]["Message"]]
print(json.dumps(out))
`);
    assert.equal(r.code, 0, r.stderr);
    const throttled = { error: 'TooManyRequestsException', reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', status: 429 };
    assert.deepEqual(JSON.parse(r.stdout), {
      reserved: 1,
      before: { status: 200, version: '$LATEST' },
      put: { status: 202, Status: 'IN_PROGRESS' },
      latest_first: throttled,
      v1: { status: 200, version: '1' },
      latest_second: throttled,
      increase: ['InvalidParameterValueException', 'Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function'],
    });
  });

  test('reserved concurrency may not fall below the provisioned total', async () => {
    await create('pc-overlap');
    await alias('pc-overlap', 'a', '1');
    await sdk.send(new PutFunctionConcurrencyCommand({ FunctionName: 'pc-overlap', ReservedConcurrentExecutions: 2 }));
    await putPc('pc-overlap', 'a', 2);
    await expectAwsError(
      sdk.send(new PutFunctionConcurrencyCommand({ FunctionName: 'pc-overlap', ReservedConcurrentExecutions: 1 })),
      'InvalidParameterValueException',
      400,
      " ReservedConcurrentExecutions  1 should not be lower than function's total provisioned concurrency [2].",
    );
    await sdk.send(new PublishVersionCommand({ FunctionName: 'pc-overlap' }));
    await expectAwsError(putPc('pc-overlap', '1', 1), 'ResourceConflictException', 409, 'Version is pointed by a Provisioned Concurrency alias');
    await deletePc('pc-overlap', 'a');
  });

  test('raw answers match the botocore model', { skip: NO_MODEL }, async () => {
    const path = '/2019-09-30/functions/pc-rules/provisioned-concurrency';
    assert.equal((await checkedRequest(lamina, 'PUT', `${path}?Qualifier=prod`, { ProvisionedConcurrentExecutions: 1 })).status, 202);
    assert.equal((await checkedRequest(lamina, 'GET', `${path}?Qualifier=prod`)).status, 200);
    assert.equal((await checkedRequest(lamina, 'GET', `${path}?List=ALL`)).status, 200);
    assert.equal((await checkedRequest(lamina, 'GET', `${path}?List=ALL&MaxItems=1`)).status, 200);
    assert.equal((await checkedRequest(lamina, 'GET', `${path}?Qualifier=1`)).status, 404);
    assert.equal((await checkedRequest(lamina, 'GET', `${path}?Qualifier=%24LATEST`)).status, 400);
    assert.equal((await checkedRequest(lamina, 'PUT', `${path}?Qualifier=1`, { ProvisionedConcurrentExecutions: 1 })).status, 409);
    assert.equal((await checkedRequest(lamina, 'PUT', `${path}?Qualifier=prod`, { ProvisionedConcurrentExecutions: 0 })).status, 400);
    assert.equal((await checkedRequest(lamina, 'PUT', path, { ProvisionedConcurrentExecutions: 1 })).status, 400);
    assert.equal((await checkedRequest(lamina, 'GET', '/2019-09-30/functions/nope/provisioned-concurrency?List=ALL')).status, 404);
    assert.equal((await checkedRequest(lamina, 'DELETE', `${path}?Qualifier=prod`)).status, 204);
    assert.equal((await checkedRequest(lamina, 'DELETE', `${path}?Qualifier=nope`)).status, 404);
  });

  test('configurations survive kill -9 and are provisioned again', async () => {
    await putPc('pc-main', 'live', 1);
    await waitFor('pc-main', 'live', 'READY');
    await lamina.kill9();
    lamina = await lamina.restart();
    sdk = lamina.sdk();
    const after = await waitFor('pc-main', 'live', 'READY');
    assert.equal(after.RequestedProvisionedConcurrentExecutions, 1);
    assert.equal(after.AllocatedProvisionedConcurrentExecutions, 1);
    const out = await invoke('pc-main', 'live');
    assert.equal(out.ExecutedVersion, '2');
    assert.doesNotMatch(tailOf(out), /Init Duration/);
    assert.equal(json(out).type, 'provisioned-concurrency');
  });
});
