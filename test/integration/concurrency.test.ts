// Reserved concurrency and account settings through real clients (AWS SDK for JavaScript v3,
// aws CLI, boto3): put/get/delete, the minimum of unreserved concurrency, GetAccountSettings
// figures following functions, versions and reservations, raw responses against the botocore
// model, and reservations surviving a crash of the server.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  GetAccountSettingsCommand,
  type GetAccountSettingsCommandOutput,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  type LambdaClient,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { expectAwsError } from '../helpers/aws-errors.js';
import { assertExchangeMatchesModel, loadAwsModel } from '../helpers/aws-model.js';
import { createZipFunction } from '../helpers/functions.js';
import { httpGet } from '../helpers/http.js';
import { ACCOUNT, type LaminaProcess, REGION, startLamina } from '../helpers/lamina.js';
import { checkedRequest } from '../helpers/raw.js';
import { missing } from '../helpers/requirements.js';
import { makeZip } from '../helpers/zip.js';

const PREFIX = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:`;
const BELOW_MINIMUM =
  "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].";
const QUALIFIED =
  'This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.';
const NO_AWS = missing('aws', ['--version'], 'awscli');
const NO_BOTO3 = missing('python3', ['-c', 'import boto3'], 'python3-boto3');
const NO_MODEL = missing('python3', ['-c', 'import botocore'], 'python3-botocore');

let lamina: LaminaProcess;
let sdk: LambdaClient;

const zip = (tag: string) => makeZip({ 'index.js': `exports.handler = async () => ${JSON.stringify(tag)};` });

const settings = (): Promise<GetAccountSettingsCommandOutput> => sdk.send(new GetAccountSettingsCommand({}));
const put = (name: string, n: number) =>
  sdk.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: n }));
const get = (name: string) => sdk.send(new GetFunctionConcurrencyCommand({ FunctionName: name }));

describe('reserved concurrency and account settings', () => {
  before(async () => {
    lamina = await startLamina();
    sdk = lamina.sdk();
  });
  after(async () => {
    await lamina.dispose();
  });

  test('GetAccountSettings counts functions and every version of their code', async () => {
    const empty = await settings();
    assert.deepEqual(empty.AccountLimit, {
      TotalCodeSize: 80530636800,
      CodeSizeUnzipped: 262144000,
      CodeSizeZipped: 52428800,
      ConcurrentExecutions: 1000,
      UnreservedConcurrentExecutions: 1000,
    });
    assert.deepEqual(empty.AccountUsage, { TotalCodeSize: 0, FunctionCount: 0 });

    const codeA = zip('a');
    await createZipFunction(sdk, 'conc-a', codeA);
    const one = await settings();
    assert.deepEqual(one.AccountUsage, { TotalCodeSize: codeA.length, FunctionCount: 1 });

    // The same package published again counts again, once per version.
    await sdk.send(new UpdateFunctionCodeCommand({ FunctionName: 'conc-a', ZipFile: codeA, Publish: true }));
    assert.equal((await settings()).AccountUsage?.TotalCodeSize, 2 * codeA.length);
    // A configuration change replaces $LATEST: no new code to count…
    await sdk.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'conc-a', Description: 'changed' }));
    assert.equal((await settings()).AccountUsage?.TotalCodeSize, 2 * codeA.length);
    // …until it is published as a version of its own.
    await sdk.send(new PublishVersionCommand({ FunctionName: 'conc-a' }));
    assert.equal((await settings()).AccountUsage?.TotalCodeSize, 3 * codeA.length);

    const codeB = zip('b-with-a-longer-body');
    await createZipFunction(sdk, 'conc-b', codeB);
    assert.deepEqual((await settings()).AccountUsage, { TotalCodeSize: 3 * codeA.length + codeB.length, FunctionCount: 2 });
  });

  test('put, get and delete a reservation; UnreservedConcurrentExecutions follows', async () => {
    assert.deepEqual(await get('conc-a').then((r) => r.ReservedConcurrentExecutions), undefined);
    const zero = await put('conc-a', 0);
    assert.equal(zero.$metadata.httpStatusCode, 200);
    assert.equal(zero.ReservedConcurrentExecutions, 0);
    const one = await put('conc-a', 1);
    assert.equal(one.ReservedConcurrentExecutions, 1);
    assert.equal((await get('conc-a')).ReservedConcurrentExecutions, 1);
    assert.equal((await settings()).AccountLimit?.UnreservedConcurrentExecutions, 999);
    const fn = await sdk.send(new GetFunctionCommand({ FunctionName: 'conc-a' }));
    assert.deepEqual(fn.Concurrency, { ReservedConcurrentExecutions: 1 });

    const deleted = await sdk.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'conc-a' }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    const none = await get('conc-a');
    assert.equal(none.ReservedConcurrentExecutions, undefined);
    assert.equal((await settings()).AccountLimit?.UnreservedConcurrentExecutions, 1000);
    const plain = await sdk.send(new GetFunctionCommand({ FunctionName: 'conc-a' }));
    assert.equal(plain.Concurrency, undefined);
  });

  test('at least 100 stay unreserved across the account', async () => {
    await expectAwsError(put('conc-a', 1001), 'InvalidParameterValueException', 400, BELOW_MINIMUM);
    await expectAwsError(put('conc-a', 901), 'InvalidParameterValueException', 400, BELOW_MINIMUM);
    await put('conc-a', 900);
    assert.equal((await settings()).AccountLimit?.UnreservedConcurrentExecutions, 100);
    await expectAwsError(put('conc-b', 1), 'InvalidParameterValueException', 400, BELOW_MINIMUM);
    // Re-reserving for the same function replaces its own share rather than adding to it.
    await put('conc-a', 850);
    await put('conc-b', 50);
    assert.equal((await settings()).AccountLimit?.UnreservedConcurrentExecutions, 100);
    // A deleted function gives its reservation back.
    await sdk.send(new DeleteFunctionCommand({ FunctionName: 'conc-b' }));
    assert.equal((await settings()).AccountLimit?.UnreservedConcurrentExecutions, 150);
  });

  test('refusals: unknown function, qualified names, bad values', async () => {
    await expectAwsError(put('doesnotexist', 1), 'ResourceNotFoundException', 404, `Function not found: ${PREFIX}doesnotexist:$LATEST`);
    await expectAwsError(get('doesnotexist'), 'ResourceNotFoundException', 404, `Function not found: ${PREFIX}doesnotexist`);
    await expectAwsError(
      sdk.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'doesnotexist' })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${PREFIX}doesnotexist`,
    );
    await expectAwsError(put(`${PREFIX}conc-a:$LATEST`, 0), 'InvalidParameterValueException', 400, QUALIFIED);
    await expectAwsError(get('conc-a:1'), 'InvalidParameterValueException', 400, QUALIFIED);
    await expectAwsError(
      put('conc-a', -1),
      'ValidationException',
      400,
      "1 validation error detected: Value '-1' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0",
    );
  });

  test('the aws CLI puts a reservation and reads account settings', { skip: NO_AWS }, async () => {
    const put1 = await lamina.aws(['lambda', 'put-function-concurrency', '--function-name', 'conc-a', '--reserved-concurrent-executions', '10']);
    assert.equal(put1.code, 0, put1.stderr);
    assert.deepEqual(JSON.parse(put1.stdout), { ReservedConcurrentExecutions: 10 });
    const acct = await lamina.aws(['lambda', 'get-account-settings']);
    assert.equal(acct.code, 0, acct.stderr);
    const out = JSON.parse(acct.stdout) as { AccountLimit: Record<string, number>; AccountUsage: Record<string, number> };
    assert.equal(out.AccountLimit.UnreservedConcurrentExecutions, 990);
    assert.equal(out.AccountUsage.FunctionCount, 1);
    const refused = await lamina.aws(['lambda', 'put-function-concurrency', '--function-name', 'conc-a', '--reserved-concurrent-executions', '950']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /InvalidParameterValueException/);
    assert.match(refused.stderr, /below its minimum value of \[100\]/);
  });

  test('boto3 reads and deletes a reservation', { skip: NO_BOTO3 }, async () => {
    const r = await lamina.boto3(`
g = lambda_client.get_function_concurrency(FunctionName="conc-a")
d = lambda_client.delete_function_concurrency(FunctionName="conc-a")
e = lambda_client.get_function_concurrency(FunctionName="conc-a")
a = lambda_client.get_account_settings()
print(json.dumps({"got": g.get("ReservedConcurrentExecutions"), "status": d["ResponseMetadata"]["HTTPStatusCode"],
    "after": e.get("ReservedConcurrentExecutions"), "unreserved": a["AccountLimit"]["UnreservedConcurrentExecutions"]}))
`);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { got: 10, status: 204, after: null, unreserved: 1000 });
  });

  test('raw answers match the botocore model', { skip: NO_MODEL }, async () => {
    const put1 = '/2017-10-31/functions/conc-a/concurrency';
    assert.equal((await checkedRequest(lamina, 'PUT', put1, { ReservedConcurrentExecutions: 5 })).status, 200);
    assert.equal((await checkedRequest(lamina, 'PUT', put1, { ReservedConcurrentExecutions: 2000 })).status, 400);
    assert.equal((await checkedRequest(lamina, 'PUT', put1, {})).status, 400);
    assert.equal((await checkedRequest(lamina, 'GET', '/2019-09-30/functions/conc-a/concurrency')).status, 200);
    assert.equal((await checkedRequest(lamina, 'GET', '/2019-09-30/functions/nope/concurrency')).status, 404);
    assert.equal((await checkedRequest(lamina, 'DELETE', put1)).status, 204);
    assert.equal((await checkedRequest(lamina, 'DELETE', '/2017-10-31/functions/nope/concurrency')).status, 404);
    const none = await checkedRequest(lamina, 'GET', '/2019-09-30/functions/conc-a/concurrency');
    assert.deepEqual(JSON.parse(none.body.toString('utf8')), {});
    assert.equal((await checkedRequest(lamina, 'GET', '/2016-08-19/account-settings')).status, 200);
    // GetAccountSettings models no client error; an unsigned request still gets AWS's shape.
    const unsigned = await httpGet(new URL('/2016-08-19/account-settings', lamina.url));
    assert.equal(unsigned.status, 403);
    const model = loadAwsModel('lambda');
    assert.ok(model);
    assertExchangeMatchesModel(model, { method: 'GET', path: '/2016-08-19/account-settings' }, unsigned);
  });

  test('reservations survive a crash of the server', async () => {
    await put('conc-a', 123);
    const previous = await settings();
    await lamina.kill9();
    lamina = await lamina.restart();
    sdk = lamina.sdk();
    assert.equal((await get('conc-a')).ReservedConcurrentExecutions, 123);
    const now = await settings();
    assert.deepEqual(now.AccountLimit, previous.AccountLimit);
    assert.deepEqual(now.AccountUsage, previous.AccountUsage);
  });
});
