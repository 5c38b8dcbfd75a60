// Published versions through real clients: PublishVersion (its CodeSha256 and RevisionId
// preconditions, "nothing changed" returning the same version), ListVersionsByFunction
// (pagination), immutability, numbering, and Publish on CreateFunction / UpdateFunctionCode.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  type CreateFunctionCommandInput,
  DeleteFunctionCommand,
  type FunctionConfiguration,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  type LambdaClient,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { expectAwsError } from '../helpers/aws-errors.js';
import { createZipFunction } from '../helpers/functions.js';
import { httpGet } from '../helpers/http.js';
import { ACCOUNT, type LaminaProcess, REGION, startLamina } from '../helpers/lamina.js';
import { missing } from '../helpers/requirements.js';
import { makeZip } from '../helpers/zip.js';

const ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:`;
const NO_BOTO3 = missing('python3', ['-c', 'import boto3'], 'python3-boto3');
const NO_AWS = missing('aws', ['--version'], 'awscli');

let lamina: LaminaProcess;
let sdk: LambdaClient;

const zipOf = (tag: string): Buffer => makeZip({ 'index.py': `def handler(e, c):\n    return ${JSON.stringify(tag)}\n` });
const sha256b64 = (b: Buffer): string => createHash('sha256').update(b).digest('base64');

const create = (name: string, extra: Partial<CreateFunctionCommandInput> = {}): Promise<FunctionConfiguration> =>
  createZipFunction(sdk, name, zipOf(name), { Runtime: 'python3.12', ...extra });

const versionsOf = async (name: string): Promise<string[]> =>
  ((await sdk.send(new ListVersionsByFunctionCommand({ FunctionName: name }))).Versions ?? []).map((v) => v.Version!);

describe('versions', () => {
  before(async () => {
    lamina = await startLamina();
    sdk = lamina.sdk();
  });
  after(async () => {
    await lamina.dispose();
  });

  test('Publish on create makes version 1; publishing again returns it unchanged', async () => {
    const created = await create('on-create', { Publish: true });
    assert.equal(created.Version, '1');
    assert.equal(created.FunctionArn, `${ARN}on-create`);
    assert.equal(created.State, 'Pending');

    const latest = await sdk.send(new GetFunctionCommand({ FunctionName: 'on-create' }));
    assert.equal(latest.Configuration?.Version, '$LATEST');
    const v1 = await sdk.send(new GetFunctionCommand({ FunctionName: 'on-create', Qualifier: '1' }));
    assert.equal(v1.Configuration?.FunctionArn, `${ARN}on-create:1`);
    assert.equal(v1.Configuration?.State, 'Active');
    assert.equal(v1.Configuration?.LastUpdateStatus, 'Successful');
    assert.notEqual(v1.Configuration?.RevisionId, latest.Configuration?.RevisionId);
    assert.deepEqual(await versionsOf('on-create'), ['$LATEST', '1']);

    const again = await sdk.send(new PublishVersionCommand({ FunctionName: 'on-create' }));
    assert.equal(again.$metadata.httpStatusCode, 201);
    assert.equal(again.Version, '1');
    assert.equal(again.FunctionArn, `${ARN}on-create:1`);
    assert.equal(again.RevisionId, v1.Configuration?.RevisionId);
    assert.equal(again.State, 'Active');
    assert.equal(again.LastUpdateStatus, 'Successful');
    assert.deepEqual(await versionsOf('on-create'), ['$LATEST', '1']);
  });

  test('version lifecycle: descriptions, immutability, deletion', async () => {
    await create('lifecycle', { Description: 'No version :(' });
    assert.deepEqual(await versionsOf('lifecycle'), ['$LATEST']);

    await sdk.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'lifecycle', Description: 'First version :)' }));
    const first = await sdk.send(new PublishVersionCommand({ FunctionName: 'lifecycle', Description: 'First version description :)' }));
    assert.equal(first.Version, '1');
    assert.equal(first.Description, 'First version description :)');
    assert.equal(first.FunctionArn, `${ARN}lifecycle:1`);
    const firstConfig = await sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'lifecycle', Qualifier: '1' }));
    assert.equal(firstConfig.Description, 'First version description :)');
    assert.equal(firstConfig.RevisionId, first.RevisionId);

    await sdk.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'lifecycle', Description: 'Second version :))', Timeout: 7 }));
    const stillFirst = await sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'lifecycle', Qualifier: '1' }));
    assert.equal(stillFirst.Description, 'First version description :)');
    assert.equal(stillFirst.Timeout, 3);

    const second = await sdk.send(new PublishVersionCommand({ FunctionName: 'lifecycle' }));
    assert.equal(second.Version, '2');
    assert.equal(second.Description, 'Second version :))');
    assert.equal(second.Timeout, 7);
    const third = await sdk.send(new PublishVersionCommand({ FunctionName: 'lifecycle' }));
    assert.equal(third.Version, '2');
    assert.equal(third.RevisionId, second.RevisionId);
    assert.deepEqual(await versionsOf('lifecycle'), ['$LATEST', '1', '2']);

    const list = await sdk.send(new ListVersionsByFunctionCommand({ FunctionName: 'lifecycle' }));
    assert.deepEqual(list.Versions?.map((v) => v.Description), ['Second version :))', 'First version description :)', 'Second version :))']);
    for (const v of list.Versions ?? []) {
      assert.equal(v.FunctionArn, `${ARN}lifecycle:${v.Version}`);
      assert.equal(v.State, undefined);
      assert.equal(v.LastUpdateStatus, undefined);
    }

    await sdk.send(new DeleteFunctionCommand({ FunctionName: 'lifecycle', Qualifier: '1' }));
    assert.deepEqual(await versionsOf('lifecycle'), ['$LATEST', '2']);
    // Nothing changed since version 2.
    assert.equal((await sdk.send(new PublishVersionCommand({ FunctionName: 'lifecycle' }))).Version, '2');
  });

  test('version numbers are never reused, even after the newest is deleted', async () => {
    await create('numbers', { Publish: true });
    await sdk.send(new UpdateFunctionCodeCommand({ FunctionName: 'numbers', ZipFile: zipOf('numbers v2'), Publish: true }));
    await sdk.send(new DeleteFunctionCommand({ FunctionName: 'numbers', Qualifier: '2' }));
    const next = await sdk.send(new UpdateFunctionCodeCommand({ FunctionName: 'numbers', ZipFile: zipOf('numbers v3'), Publish: true }));
    assert.equal(next.Version, '3');
    assert.deepEqual(await versionsOf('numbers'), ['$LATEST', '1', '3']);
  });

  test('any update counts as a change: a redundant update is published as a new version', async () => {
    await create('redundant', { Description: 'same', Publish: true });
    await sdk.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'redundant', Description: 'same' }));
    assert.equal((await sdk.send(new PublishVersionCommand({ FunctionName: 'redundant' }))).Version, '2');
    const zip = zipOf('redundant');
    const viaCode = await sdk.send(new UpdateFunctionCodeCommand({ FunctionName: 'redundant', ZipFile: zip, Publish: true }));
    assert.equal(viaCode.Version, '3');
    assert.equal(viaCode.CodeSha256, sha256b64(zip));
    // As on AWS: the new version is answered Pending, under the version's own RevisionId.
    assert.equal(viaCode.FunctionArn, `${ARN}redundant:3`);
    assert.equal(viaCode.State, 'Pending');
    assert.equal(viaCode.StateReasonCode, 'Creating');
    assert.equal(viaCode.LastUpdateStatus, undefined);
    const v3 = await sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'redundant', Qualifier: '3' }));
    assert.equal(viaCode.RevisionId, v3.RevisionId);
    assert.equal((await sdk.send(new PublishVersionCommand({ FunctionName: 'redundant' }))).Version, '3');
  });

  test('a published version keeps its code: its Code.Location serves the old zip', async () => {
    const oldZip = zipOf('frozen v1');
    await create('frozen', { Code: { ZipFile: oldZip }, Publish: true });
    const newZip = zipOf('frozen v2');
    await sdk.send(new UpdateFunctionCodeCommand({ FunctionName: 'frozen', ZipFile: newZip }));
    const v1 = await sdk.send(new GetFunctionCommand({ FunctionName: 'frozen', Qualifier: '1' }));
    assert.equal(v1.Configuration?.CodeSha256, sha256b64(oldZip));
    assert.ok((await httpGet(v1.Code!.Location!)).body.equals(oldZip));
    const latest = await sdk.send(new GetFunctionCommand({ FunctionName: 'frozen' }));
    assert.equal(latest.Configuration?.CodeSha256, sha256b64(newZip));
    assert.ok((await httpGet(latest.Code!.Location!)).body.equals(newZip));
  });

  test('PublishVersion preconditions: RevisionId and CodeSha256', async () => {
    await create('guarded');
    const current = await sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'guarded' }));
    await expectAwsError(
      sdk.send(new PublishVersionCommand({ FunctionName: 'guarded', RevisionId: 'wrong' })),
      'PreconditionFailedException', 412,
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );
    await expectAwsError(
      sdk.send(new PublishVersionCommand({ FunctionName: 'guarded', CodeSha256: 'somenonexistentsha256' })),
      'InvalidParameterValueException', 400,
      `CodeSHA256 (somenonexistentsha256) is different from current CodeSHA256 in $LATEST (${current.CodeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
    );
    assert.deepEqual(await versionsOf('guarded'), ['$LATEST']);
    const published = await sdk.send(
      new PublishVersionCommand({ FunctionName: 'guarded', RevisionId: current.RevisionId, CodeSha256: current.CodeSha256 }),
    );
    assert.equal(published.$metadata.httpStatusCode, 201);
    assert.equal(published.Version, '1');
  });

  test('missing functions are 404 for PublishVersion and ListVersionsByFunction', async () => {
    await expectAwsError(
      sdk.send(new PublishVersionCommand({ FunctionName: 'nobody' })),
      'ResourceNotFoundException', 404, `Function not found: ${ARN}nobody`,
    );
    await expectAwsError(
      sdk.send(new ListVersionsByFunctionCommand({ FunctionName: 'nobody' })),
      'ResourceNotFoundException', 404, `Function not found: ${ARN}nobody`,
    );
    await expectAwsError(
      sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'guarded', Qualifier: '9' })),
      'ResourceNotFoundException', 404, `Function not found: ${ARN}guarded:9`,
    );
  });

  test('ListVersionsByFunction pages with MaxItems and Marker', async () => {
    await create('many', { Publish: true });
    for (let i = 2; i <= 8; i++) {
      const out = await sdk.send(new UpdateFunctionCodeCommand({ FunctionName: 'many', ZipFile: zipOf(`many v${i}`), Publish: true }));
      assert.equal(out.Version, String(i));
    }
    const expected = ['$LATEST', '1', '2', '3', '4', '5', '6', '7', '8'];
    assert.deepEqual(await versionsOf('many'), expected);
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await sdk.send(new ListVersionsByFunctionCommand({ FunctionName: 'many', MaxItems: 2, ...(marker && { Marker: marker }) }));
      assert.ok(page.Versions!.length <= 2);
      seen.push(...page.Versions!.map((v) => v.Version!));
      marker = page.NextMarker;
      pages++;
    } while (marker);
    assert.deepEqual(seen, expected);
    assert.equal(pages, 5);
    await expectAwsError(
      sdk.send(new ListVersionsByFunctionCommand({ FunctionName: 'many', MaxItems: 0 })),
      'ValidationException', 400,
      "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
  });

  test('boto3 paginates the versions and the aws CLI lists them', { skip: NO_BOTO3 || NO_AWS }, async () => {
    const r = await lamina.boto3(
      'p = lambda_client.get_paginator("list_versions_by_function")\n' +
        'print(json.dumps([v["Version"] for page in p.paginate(FunctionName="many", PaginationConfig={"PageSize": 3}) for v in page["Versions"]]))',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), ['$LATEST', '1', '2', '3', '4', '5', '6', '7', '8']);
    const cli = await lamina.aws(['lambda', 'list-versions-by-function', '--function-name', 'many', '--max-items', '4']);
    assert.equal(cli.code, 0, cli.stderr);
    const out = JSON.parse(cli.stdout) as { Versions: { Version: string }[]; NextToken?: string };
    assert.deepEqual(out.Versions.map((v) => v.Version), ['$LATEST', '1', '2', '3']);
    assert.ok(out.NextToken);
  });

  test('deleting the function removes every version', async () => {
    await sdk.send(new DeleteFunctionCommand({ FunctionName: 'many' }));
    await expectAwsError(sdk.send(new GetFunctionCommand({ FunctionName: 'many', Qualifier: '3' })), 'ResourceNotFoundException', 404);
    await create('many');
    assert.deepEqual(await versionsOf('many'), ['$LATEST']);
    assert.equal((await sdk.send(new PublishVersionCommand({ FunctionName: 'many' }))).Version, '1');
  });
});
