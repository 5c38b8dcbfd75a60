// Aliases through real clients (AWS SDK for JavaScript v3, boto3, aws CLI): the lifecycle
// with routing weights, every routing-configuration error with AWS's recorded code and
// message, RevisionId preconditions, raw responses against the botocore model, and aliases
// surviving a crash of the server.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateAliasCommand,
  type CreateAliasCommandInput,
  DeleteAliasCommand,
  GetAliasCommand,
  GetFunctionCommand,
  type LambdaClient,
  ListAliasesCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { expectAwsError } from '../helpers/aws-errors.js';
import { createZipFunction } from '../helpers/functions.js';
import { ACCOUNT, type LaminaProcess, REGION, startLamina } from '../helpers/lamina.js';
import { checkedRequest } from '../helpers/raw.js';
import { missing } from '../helpers/requirements.js';

const FN = 'alias-fn';
const ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FN}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NO_AWS = missing('aws', ['--version'], 'awscli');
const NO_BOTO3 = missing('python3', ['-c', 'import boto3'], 'python3-boto3');
const NO_MODEL = missing('python3', ['-c', 'import botocore'], 'python3-botocore');

let lamina: LaminaProcess;
let sdk: LambdaClient;

const createAlias = (input: Omit<CreateAliasCommandInput, 'FunctionName'>, fn = FN) =>
  sdk.send(new CreateAliasCommand({ FunctionName: fn, ...input }));

describe('aliases', () => {
  before(async () => {
    lamina = await startLamina();
    sdk = lamina.sdk();
    await createZipFunction(sdk, FN, 'exports.handler = async () => process.env.STAGE;', {
      Environment: { Variables: { STAGE: 'staging' } },
    });
    await sdk.send(new PublishVersionCommand({ FunctionName: FN }));
    await sdk.send(new UpdateFunctionConfigurationCommand({ FunctionName: FN, Environment: { Variables: { STAGE: 'prod' } } }));
    const v2 = await sdk.send(new PublishVersionCommand({ FunctionName: FN }));
    assert.equal(v2.Version, '2');
  });
  after(async () => {
    await lamina.dispose();
  });

  test('lifecycle: create with weights, get, list in pages, update, delete', async () => {
    const created = await createAlias({
      Name: 'blue',
      FunctionVersion: '1',
      Description: 'custom-alias',
      RoutingConfig: { AdditionalVersionWeights: { '2': 0.2 } },
    });
    assert.equal(created.$metadata.httpStatusCode, 201);
    assert.equal(created.AliasArn, `${ARN}:blue`);
    assert.equal(created.Name, 'blue');
    assert.equal(created.FunctionVersion, '1');
    assert.equal(created.Description, 'custom-alias');
    assert.deepEqual(created.RoutingConfig, { AdditionalVersionWeights: { '2': 0.2 } });
    assert.match(created.RevisionId ?? '', UUID);

    const got = await sdk.send(new GetAliasCommand({ FunctionName: FN, Name: 'blue' }));
    assert.equal(got.RevisionId, created.RevisionId);
    assert.deepEqual(got.RoutingConfig, { AdditionalVersionWeights: { '2': 0.2 } });

    // The alias is a qualifier of the function now.
    const viaAlias = await sdk.send(new GetFunctionCommand({ FunctionName: `${ARN}:blue` }));
    assert.equal(viaAlias.Configuration?.FunctionArn, `${ARN}:blue`);
    assert.equal(viaAlias.Configuration?.Version, '1');

    const plain = await createAlias({ Name: 'green', FunctionVersion: '1' });
    assert.equal(plain.Description, '');
    assert.equal(plain.RoutingConfig, undefined);
    await createAlias({ Name: 'prod', FunctionVersion: '2', Description: 'custom-alias' });
    await createAlias({ Name: 'head', FunctionVersion: '$LATEST' });

    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await sdk.send(new ListAliasesCommand({ FunctionName: FN, MaxItems: 1, ...(marker && { Marker: marker }) }));
      assert.equal(page.Aliases?.length, 1);
      names.push(...(page.Aliases ?? []).map((a) => a.Name!));
      marker = page.NextMarker;
    } while (marker);
    assert.deepEqual(names, ['blue', 'green', 'head', 'prod']);

    const forV1 = await sdk.send(new ListAliasesCommand({ FunctionName: FN, FunctionVersion: '1' }));
    assert.deepEqual(forV1.Aliases?.map((a) => a.Name), ['blue', 'green']);

    // An empty weight map removes the routing; every update renews the RevisionId.
    const unrouted = await sdk.send(
      new UpdateAliasCommand({ FunctionName: FN, Name: 'blue', RoutingConfig: { AdditionalVersionWeights: {} } }),
    );
    assert.equal(unrouted.RoutingConfig, undefined);
    assert.equal(unrouted.Description, 'custom-alias');
    assert.notEqual(unrouted.RevisionId, created.RevisionId);
    const unchanged = await sdk.send(new UpdateAliasCommand({ FunctionName: FN, Name: 'green' }));
    assert.notEqual(unchanged.RevisionId, plain.RevisionId);
    assert.equal(unchanged.FunctionVersion, '1');

    // Repointing keeps the description, replaces the version; weights may be added later.
    const moved = await sdk.send(
      new UpdateAliasCommand({
        FunctionName: FN,
        Name: 'green',
        FunctionVersion: '2',
        RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } },
      }),
    );
    assert.equal(moved.FunctionVersion, '2');
    assert.deepEqual(moved.RoutingConfig, { AdditionalVersionWeights: { '1': 0.5 } });

    const deleted = await sdk.send(new DeleteAliasCommand({ FunctionName: FN, Name: 'blue' }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    const rest = await sdk.send(new ListAliasesCommand({ FunctionName: FN }));
    assert.deepEqual(rest.Aliases?.map((a) => a.Name), ['green', 'head', 'prod']);
  });

  test('routing configuration errors, with AWS codes and messages', async () => {
    const bad = (RoutingConfig: CreateAliasCommandInput['RoutingConfig'], FunctionVersion = '1', fn = FN) =>
      createAlias({ Name: 'custom', FunctionVersion, RoutingConfig }, fn);
    await expectAwsError(
      bad({ AdditionalVersionWeights: { '1': 0.8, '2': 0.2 } }),
      'InvalidParameterValueException',
      400,
      'Number of items in AdditionalVersionWeights cannot be greater than 1',
    );
    await expectAwsError(
      bad({ AdditionalVersionWeights: { '2': 2 } }),
      'ValidationException',
      400,
      "1 validation error detected: Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]",
    );
    await expectAwsError(
      bad({ AdditionalVersionWeights: { '2': -1 } }),
      'ValidationException',
      400,
      "1 validation error detected: Value '{2=-1.0}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]",
    );
    await expectAwsError(
      bad({ AdditionalVersionWeights: { $LATEST: 0.5 } }),
      'ValidationException',
      400,
      "1 validation error detected: Value '{$LATEST=0.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]",
    );
    await expectAwsError(
      bad({ AdditionalVersionWeights: { '1': 0.5 } }),
      'InvalidParameterValueException',
      400,
      'Invalid function version 1. Function version 1 is already included in routing configuration.',
    );
    await expectAwsError(
      bad({ AdditionalVersionWeights: { '2': 0.5 } }, '10'),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN}:10`,
    );
    await expectAwsError(
      bad({ AdditionalVersionWeights: { '10': 0.5 } }),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN}:10`,
    );
    await expectAwsError(
      bad({ AdditionalVersionWeights: { '1': 0.5 } }, '$LATEST'),
      'InvalidParameterValueException',
      400,
      '$LATEST is not supported for an alias pointing to more than 1 version',
    );
    await expectAwsError(
      bad({ AdditionalVersionWeights: { '2': 0.5 } }, '1', `${FN}-unknown`),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN}-unknown:1`,
    );
    // The same rules hold when an update combines a new primary with the kept weights.
    await createAlias({ Name: 'split', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } } });
    await expectAwsError(
      sdk.send(new UpdateAliasCommand({ FunctionName: FN, Name: 'split', FunctionVersion: '2' })),
      'InvalidParameterValueException',
      400,
      'Invalid function version 2. Function version 2 is already included in routing configuration.',
    );
    await expectAwsError(
      sdk.send(new UpdateAliasCommand({ FunctionName: FN, Name: 'split', FunctionVersion: '$LATEST' })),
      'InvalidParameterValueException',
      400,
      '$LATEST is not supported for an alias pointing to more than 1 version',
    );
    const empty = await createAlias({ Name: 'empty-routing', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: {} } });
    assert.equal(empty.RoutingConfig, undefined);
  });

  test('names, duplicates and missing aliases', async () => {
    const dated = await createAlias({ Name: '2024-01-02', FunctionVersion: '1' });
    assert.equal(dated.AliasArn, `${ARN}:2024-01-02`);
    await expectAwsError(
      createAlias({ Name: '2024', FunctionVersion: '1' }),
      'ValidationException',
      400,
      "1 validation error detected: Value '2024' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)",
    );
    await createAlias({ Name: 'dup', FunctionVersion: '1' });
    await expectAwsError(
      createAlias({ Name: 'dup', FunctionVersion: '2' }),
      'ResourceConflictException',
      409,
      `Alias already exists: ${ARN}:dup`,
    );
    await expectAwsError(
      sdk.send(new GetAliasCommand({ FunctionName: FN, Name: 'non-existent' })),
      'ResourceNotFoundException',
      404,
      `Cannot find alias arn: ${ARN}:non-existent`,
    );
    await expectAwsError(
      sdk.send(new UpdateAliasCommand({ FunctionName: FN, Name: 'non-existent' })),
      'ResourceNotFoundException',
      404,
      `Alias not found: ${ARN}:non-existent`,
    );
    // Deleting an alias that does not exist succeeds, as on AWS.
    const gone = await sdk.send(new DeleteAliasCommand({ FunctionName: FN, Name: 'non-existent' }));
    assert.equal(gone.$metadata.httpStatusCode, 204);
    await expectAwsError(
      sdk.send(new ListAliasesCommand({ FunctionName: 'no-such-fn' })),
      'ResourceNotFoundException',
      404,
      `Function not found: arn:aws:lambda:${REGION}:${ACCOUNT}:function:no-such-fn`,
    );
  });

  test('UpdateAlias honours RevisionId', async () => {
    const alias = await createAlias({ Name: 'rev', FunctionVersion: '1' });
    await expectAwsError(
      sdk.send(new UpdateAliasCommand({ FunctionName: FN, Name: 'rev', RevisionId: 'wrong' })),
      'PreconditionFailedException',
      412,
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );
    const updated = await sdk.send(
      new UpdateAliasCommand({ FunctionName: FN, Name: 'rev', Description: 'something changed', RevisionId: alias.RevisionId }),
    );
    assert.equal(updated.Description, 'something changed');
    assert.notEqual(updated.RevisionId, alias.RevisionId);
    await expectAwsError(
      sdk.send(new UpdateAliasCommand({ FunctionName: FN, Name: 'rev', RevisionId: alias.RevisionId })),
      'PreconditionFailedException',
      412,
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );
  });

  test('boto3 creates, reads and refuses aliases', { skip: NO_BOTO3 }, async () => {
    const r = await lamina.boto3(`
a = lambda_client.create_alias(FunctionName=${JSON.stringify(FN)}, Name="py", FunctionVersion="2",
    Description="from boto3", RoutingConfig={"AdditionalVersionWeights": {"1": 0.25}})
g = lambda_client.get_alias(FunctionName=${JSON.stringify(FN)}, Name="py")
try:
    lambda_client.create_alias(FunctionName=${JSON.stringify(FN)}, Name="py", FunctionVersion="1")
    err = None
except lambda_client.exceptions.ResourceConflictException as e:
    err = e.response["Error"]
print(json.dumps({"status": a["ResponseMetadata"]["HTTPStatusCode"], "arn": a["AliasArn"],
    "weights": g["RoutingConfig"]["AdditionalVersionWeights"], "desc": g["Description"], "err": err}))
`);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(out.status, 201);
    assert.equal(out.arn, `${ARN}:py`);
    assert.deepEqual(out.weights, { '1': 0.25 });
    assert.equal(out.desc, 'from boto3');
    assert.deepEqual(out.err, { Code: 'ResourceConflictException', Message: `Alias already exists: ${ARN}:py` });
  });

  test('the aws CLI lists, updates and deletes aliases', { skip: NO_AWS }, async () => {
    const list = await lamina.aws(['lambda', 'list-aliases', '--function-name', FN, '--function-version', '2']);
    assert.equal(list.code, 0, list.stderr);
    const names = (JSON.parse(list.stdout) as { Aliases: { Name: string }[] }).Aliases.map((a) => a.Name);
    assert.ok(names.includes('prod'), names.join());
    const upd = await lamina.aws(['lambda', 'update-alias', '--function-name', FN, '--name', 'prod', '--description', 'cli']);
    assert.equal(upd.code, 0, upd.stderr);
    assert.equal((JSON.parse(upd.stdout) as { Description: string }).Description, 'cli');
    const del = await lamina.aws(['lambda', 'delete-alias', '--function-name', FN, '--name', 'prod']);
    assert.equal(del.code, 0, del.stderr);
    const get = await lamina.aws(['lambda', 'get-alias', '--function-name', FN, '--name', 'prod']);
    assert.notEqual(get.code, 0);
    assert.match(get.stderr, /ResourceNotFoundException/);
    assert.match(get.stderr, /Cannot find alias arn: /);
  });

  test('raw answers match the botocore model', { skip: NO_MODEL }, async () => {
    const base = `/2015-03-31/functions/${FN}/aliases`;
    const created = await checkedRequest(lamina, 'POST', base, {
      Name: 'model',
      FunctionVersion: '1',
      RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } },
    });
    assert.equal(created.status, 201);
    assert.equal((await checkedRequest(lamina, 'POST', base, { Name: 'model', FunctionVersion: '1' })).status, 409);
    assert.equal((await checkedRequest(lamina, 'POST', base, { Name: '123', FunctionVersion: '1' })).status, 400);
    assert.equal((await checkedRequest(lamina, 'GET', `${base}/model`)).status, 200);
    assert.equal((await checkedRequest(lamina, 'GET', `${base}/nope`)).status, 404);
    assert.equal((await checkedRequest(lamina, 'GET', `${base}?FunctionVersion=1&MaxItems=2`)).status, 200);
    assert.equal((await checkedRequest(lamina, 'GET', `${base}?MaxItems=0`)).status, 400);
    assert.equal((await checkedRequest(lamina, 'PUT', `${base}/model`, { Description: 'raw' })).status, 200);
    assert.equal((await checkedRequest(lamina, 'PUT', `${base}/model`, { RevisionId: 'stale' })).status, 412);
    assert.equal((await checkedRequest(lamina, 'DELETE', `${base}/model`)).status, 204);
    assert.equal((await checkedRequest(lamina, 'DELETE', `${base}/123`)).status, 400);
  });

  test('aliases survive a crash of the server', async () => {
    await lamina.kill9();
    lamina = await lamina.restart();
    sdk = lamina.sdk();
    const green = await sdk.send(new GetAliasCommand({ FunctionName: FN, Name: 'green' }));
    assert.equal(green.FunctionVersion, '2');
    assert.deepEqual(green.RoutingConfig, { AdditionalVersionWeights: { '1': 0.5 } });
    const split = await sdk.send(new GetAliasCommand({ FunctionName: FN, Name: 'split' }));
    assert.deepEqual(split.RoutingConfig, { AdditionalVersionWeights: { '2': 0.3 } });
  });
});
