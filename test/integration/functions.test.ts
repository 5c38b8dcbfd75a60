// The function resource through real clients (AWS SDK for JavaScript v3, aws CLI, boto3):
// create, read, list, update code and configuration, delete, the AWS waiters, and the
// errors AWS answers (status, code and message as recorded from AWS).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
  DeleteFunctionCommand,
  type FunctionConfiguration,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  type LambdaClient,
  ListFunctionsCommand,
  type Runtime,
  ListVersionsByFunctionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionExists,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { expectAwsError } from '../helpers/aws-errors.js';
import { createZipFunction } from '../helpers/functions.js';
import { httpGet } from '../helpers/http.js';
import { ACCOUNT, type LaminaProcess, REGION, REPO_ROOT, ROLE, startLamina } from '../helpers/lamina.js';
import { missing } from '../helpers/requirements.js';
import { makeZip } from '../helpers/zip.js';

const ADD_DRAGON = path.join(REPO_ROOT, 'test', 'fixtures', 'add-dragon');
const ARN_PREFIX = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:`;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NO_AWS = missing('aws', ['--version'], 'awscli');
const NO_BOTO3 = missing('python3', ['-c', 'import boto3'], 'python3-boto3');

let lamina: LaminaProcess;
let sdk: LambdaClient;

const handlerZip = (tag = ''): Buffer =>
  makeZip({ 'index.js': `exports.handler = async (e) => ({ tag: ${JSON.stringify(tag)}, e });\n` });
const sha256b64 = (b: Buffer): string => createHash('sha256').update(b).digest('base64');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every file under `dir`, by its path relative to `dir` (the fixture's zip). */
function zipDir(dir: string): Buffer {
  const files: Record<string, Buffer> = {};
  const walk = (sub: string): void => {
    for (const name of readdirSync(path.join(dir, sub)).sort()) {
      const rel = sub ? `${sub}/${name}` : name;
      if (statSync(path.join(dir, rel)).isDirectory()) walk(rel);
      else if (!name.endsWith('.md')) files[rel] = readFileSync(path.join(dir, rel));
    }
  };
  walk('');
  return makeZip(files);
}

const create = (name: string, extra: Partial<CreateFunctionCommandInput> = {}): Promise<FunctionConfiguration> =>
  createZipFunction(sdk, name, handlerZip(name), extra);

function json<T = Record<string, unknown>>(text: string): T {
  return JSON.parse(text) as T;
}

describe('functions', () => {
  before(async () => {
    lamina = await startLamina();
    sdk = lamina.sdk();
  });
  after(async () => {
    await lamina.dispose();
  });

  describe('the issue: add-dragon with the aws CLI', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'add-dragon-'));
      writeFileSync(path.join(dir, 'pythonAddDragonFunction.zip'), zipDir(ADD_DRAGON));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    test('create --publish → 1, update-function-code (same zip) --publish → 2, versions $LATEST, 1, 2', { skip: NO_AWS }, async () => {
      const created = await lamina.aws(
        [
          'lambda', 'create-function',
          '--function-name', 'add-dragon',
          '--runtime', 'python3.6',
          '--role', 'arn:aws:iam::000000000000:role/lambda-role',
          '--handler', 'addDragon.addDragonToFile',
          '--publish',
          '--zip-file', 'fileb://pythonAddDragonFunction.zip',
        ],
        { cwd: dir },
      );
      assert.equal(created.code, 0, created.stderr);
      const c = json(created.stdout);
      assert.equal(c.Version, '1');
      assert.equal(c.FunctionName, 'add-dragon');
      assert.equal(c.FunctionArn, `${ARN_PREFIX}add-dragon`);
      assert.equal(c.Runtime, 'python3.6');
      assert.equal(c.Handler, 'addDragon.addDragonToFile');
      assert.equal(c.CodeSha256, sha256b64(readFileSync(path.join(dir, 'pythonAddDragonFunction.zip'))));

      // Same bytes again: AWS publishes a new version after any UpdateFunctionCode, without
      // comparing the code with the last published version's.
      const updated = await lamina.aws(
        ['lambda', 'update-function-code', '--function-name', 'add-dragon', '--zip-file', 'fileb://pythonAddDragonFunction.zip', '--publish'],
        { cwd: dir },
      );
      assert.equal(updated.code, 0, updated.stderr);
      const u = json(updated.stdout);
      assert.equal(u.Version, '2');
      assert.equal(u.FunctionArn, `${ARN_PREFIX}add-dragon:2`);
      assert.equal(u.CodeSha256, c.CodeSha256);

      const listed = await lamina.aws(['lambda', 'list-versions-by-function', '--function-name', 'add-dragon']);
      assert.equal(listed.code, 0, listed.stderr);
      const versions = json<{ Versions: FunctionConfiguration[] }>(listed.stdout).Versions;
      assert.deepEqual(versions.map((v) => v.Version), ['$LATEST', '1', '2']);
      assert.deepEqual(versions.map((v) => v.FunctionArn), [
        `${ARN_PREFIX}add-dragon:$LATEST`,
        `${ARN_PREFIX}add-dragon:1`,
        `${ARN_PREFIX}add-dragon:2`,
      ]);

      // Publishing again with nothing changed returns version 2 itself.
      const again = await lamina.aws(['lambda', 'publish-version', '--function-name', 'add-dragon']);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(json(again.stdout).Version, '2');
    });

    test('version 2 of add-dragon runs on python3.6 with its vendored package', { skip: NO_AWS }, async () => {
      const out = path.join(dir, 'out.json');
      const first = await lamina.aws([
        'lambda', 'invoke', '--function-name', 'add-dragon', '--qualifier', '2',
        '--payload', '{"name": "Smaug"}', out,
      ]);
      assert.equal(first.code, 0, first.stderr);
      const meta = json(first.stdout);
      assert.equal(meta.StatusCode, 200);
      assert.equal(meta.FunctionError, undefined, readFileSync(out, 'utf8'));
      assert.equal(meta.ExecutedVersion, '2');
      const r1 = json<{ dragons: string; count: number; version: string }>(readFileSync(out, 'utf8'));
      assert.equal(r1.version, '2');
      assert.match(r1.dragons, /Smaug the dragon\n$/);

      const second = await lamina.aws([
        'lambda', 'invoke', '--function-name', 'add-dragon', '--qualifier', '2',
        '--payload', '{"name": "Glaurung"}', out,
      ]);
      assert.equal(second.code, 0, second.stderr);
      const r2 = json<{ dragons: string; count: number }>(readFileSync(out, 'utf8'));
      // A warm environment keeps its /tmp: the second dragon joins the first.
      assert.equal(r2.count, r1.count + 1);
      assert.match(r2.dragons, /Smaug the dragon\nGlaurung the dragon\n$/);
    });

    test('a duplicate create-function fails as on AWS (exit code and message)', { skip: NO_AWS }, async () => {
      const dup = await lamina.aws(
        [
          'lambda', 'create-function', '--function-name', 'add-dragon', '--runtime', 'python3.6',
          '--role', ROLE, '--handler', 'addDragon.addDragonToFile', '--zip-file', 'fileb://pythonAddDragonFunction.zip',
        ],
        { cwd: dir },
      );
      assert.notEqual(dup.code, 0);
      assert.match(
        dup.stderr,
        /An error occurred \(ResourceConflictException\) when calling the CreateFunction operation( \(reached max retries: \d+\))?: Function already exist: add-dragon/,
      );
    });
  });

  describe('waiters', () => {
    test('aws lambda wait function-exists, function-active-v2 and function-updated-v2 succeed', { skip: NO_AWS }, async () => {
      await create('waited-cli');
      for (const waiter of ['function-exists', 'function-active-v2', 'function-updated-v2', 'function-active', 'function-updated']) {
        const r = await lamina.aws(['lambda', 'wait', waiter, '--function-name', 'waited-cli']);
        assert.equal(r.code, 0, `${waiter}: ${r.stderr}`);
      }
      await sdk.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'waited-cli', Timeout: 9 }));
      const r = await lamina.aws(['lambda', 'wait', 'function-updated-v2', '--function-name', 'waited-cli']);
      assert.equal(r.code, 0, r.stderr);
    });

    test('the SDK waiters succeed', async () => {
      await create('waited-sdk');
      const cfg = { client: sdk, maxWaitTime: 30, minDelay: 1, maxDelay: 1 };
      assert.equal((await waitUntilFunctionExists(cfg, { FunctionName: 'waited-sdk' })).state, 'SUCCESS');
      assert.equal((await waitUntilFunctionActiveV2(cfg, { FunctionName: 'waited-sdk' })).state, 'SUCCESS');
      await sdk.send(new UpdateFunctionCodeCommand({ FunctionName: 'waited-sdk', ZipFile: handlerZip('v2') }));
      assert.equal((await waitUntilFunctionUpdatedV2(cfg, { FunctionName: 'waited-sdk' })).state, 'SUCCESS');
    });
  });

  describe('create and read', () => {
    test('CreateFunction answers 201 with the Pending state and AWS defaults', async () => {
      const zip = handlerZip('lifecycle');
      const out = await sdk.send(
        new CreateFunctionCommand({
          FunctionName: 'lifecycle',
          Runtime: 'nodejs20.x',
          Role: ROLE,
          Handler: 'index.handler',
          Code: { ZipFile: zip },
          MemorySize: 256,
          Timeout: 5,
        }),
      );
      assert.equal(out.$metadata.httpStatusCode, 201);
      assert.equal(out.FunctionName, 'lifecycle');
      assert.equal(out.FunctionArn, `${ARN_PREFIX}lifecycle`);
      assert.equal(out.Version, '$LATEST');
      assert.equal(out.State, 'Pending');
      assert.equal(out.StateReason, 'The function is being created.');
      assert.equal(out.StateReasonCode, 'Creating');
      assert.equal(out.LastUpdateStatus, undefined);
      assert.equal(out.CodeSha256, sha256b64(zip));
      assert.equal(out.CodeSize, zip.length);
      assert.equal(out.Description, '');
      assert.equal(out.MemorySize, 256);
      assert.equal(out.Timeout, 5);
      assert.equal(out.PackageType, 'Zip');
      assert.deepEqual(out.Architectures, ['x86_64']);
      assert.deepEqual(out.EphemeralStorage, { Size: 512 });
      assert.deepEqual(out.TracingConfig, { Mode: 'PassThrough' });
      assert.deepEqual(out.SnapStart, { ApplyOn: 'None', OptimizationStatus: 'Off' });
      assert.deepEqual(out.LoggingConfig, { LogFormat: 'Text', LogGroup: '/aws/lambda/lifecycle' });
      assert.match(out.RuntimeVersionConfig?.RuntimeVersionArn ?? '', /^arn:aws:lambda:us-east-1::runtime:[0-9a-f]+$/);
      assert.match(out.LastModified ?? '', TIMESTAMP);
      assert.match(out.RevisionId ?? '', UUID);
    });

    test('GetFunction shows the settled function and a Code.Location that downloads the same bytes', async () => {
      const zip = handlerZip('lifecycle');
      const got = await sdk.send(new GetFunctionCommand({ FunctionName: 'lifecycle' }));
      const c = got.Configuration!;
      assert.equal(c.State, 'Active');
      assert.equal(c.StateReason, undefined);
      assert.equal(c.LastUpdateStatus, 'Successful');
      assert.equal(c.Version, '$LATEST');
      assert.equal(c.FunctionArn, `${ARN_PREFIX}lifecycle`);
      assert.equal(got.Code?.RepositoryType, 'S3');
      const location = got.Code?.Location ?? '';
      assert.match(location, /^http:\/\//);
      const dl = await httpGet(location);
      assert.equal(dl.status, 200);
      assert.ok(dl.body.equals(zip), 'Code.Location serves the uploaded zip byte for byte');
      assert.equal(sha256b64(dl.body), c.CodeSha256);
      assert.equal(dl.body.length, c.CodeSize);

      const config = await sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'lifecycle' }));
      const { $metadata: _m, ...rest } = config;
      assert.deepEqual(rest, c);
    });

    test('a tampered Code.Location is refused', async () => {
      const got = await sdk.send(new GetFunctionCommand({ FunctionName: 'lifecycle' }));
      const url = new URL(got.Code!.Location!);
      url.searchParams.set('X-Amz-Signature', '0'.repeat(64));
      const dl = await httpGet(url.toString());
      assert.equal(dl.status, 403);
    });

    test('Qualifier=$LATEST names the ARN with its qualifier; an unknown version or alias is 404', async () => {
      const latest = await sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'lifecycle', Qualifier: '$LATEST' }));
      assert.equal(latest.FunctionArn, `${ARN_PREFIX}lifecycle:$LATEST`);
      await expectAwsError(
        sdk.send(new GetFunctionCommand({ FunctionName: 'lifecycle', Qualifier: '1221' })),
        'ResourceNotFoundException', 404, `Function not found: ${ARN_PREFIX}lifecycle:1221`,
      );
      await expectAwsError(
        sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'lifecycle', Qualifier: 'prod' })),
        'ResourceNotFoundException', 404, `Function not found: ${ARN_PREFIX}lifecycle:prod`,
      );
      const f = await expectAwsError(
        sdk.send(new GetFunctionCommand({ FunctionName: 'i-dont-exist' })),
        'ResourceNotFoundException', 404, `Function not found: ${ARN_PREFIX}i-dont-exist`,
      );
      assert.equal(f.fields.Type, 'User');
    });

    test('the function can be named by ARN, partial ARN and name:qualifier', async () => {
      for (const name of [`${ARN_PREFIX}lifecycle`, `${ACCOUNT}:function:lifecycle`, 'lifecycle:$LATEST', `${ARN_PREFIX}lifecycle:$LATEST`]) {
        const c = await sdk.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
        assert.equal(c.FunctionName, 'lifecycle', name);
      }
      await expectAwsError(
        sdk.send(new GetFunctionCommand({ FunctionName: `${ARN_PREFIX}lifecycle:1`, Qualifier: '$LATEST' })),
        'InvalidParameterValueException', 400, 'The derived qualifier from the function name does not match the specified qualifier.',
      );
      await expectAwsError(
        sdk.send(new GetFunctionCommand({ FunctionName: 'arn:aws:lambda:eu-central-1:000000000000:function:lifecycle' })),
        'ResourceNotFoundException', 404, "Functions from 'eu-central-1' are not reachable in this region ('us-east-1')",
      );
      await expectAwsError(
        sdk.send(new GetFunctionCommand({ FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:lifecycle' })),
        'AccessDeniedException', 403,
      );
    });

    test('boto3 reads the same function', { skip: NO_BOTO3 }, async () => {
      const r = await lamina.boto3(
        'c = lambda_client.get_function(FunctionName="lifecycle")["Configuration"]\n' +
          'print(json.dumps({"v": c["Version"], "s": c["State"], "m": c["MemorySize"]}))',
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(json(r.stdout), { v: '$LATEST', s: 'Active', m: 256 });
    });
  });

  describe('create errors', () => {
    test('a duplicate name is 409 ResourceConflictException', async () => {
      await expectAwsError(create('lifecycle'), 'ResourceConflictException', 409, 'Function already exist: lifecycle');
    });

    test('an unknown runtime is InvalidParameterValueException listing the available ones', async () => {
      for (const runtime of ['non-existent-runtime', 'PYTHON3.9']) {
        const f = await expectAwsError(create('bad-runtime', { Runtime: runtime as Runtime }), 'InvalidParameterValueException', 400);
        const m = /^Value (.+) at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: \[(.+)\] or be a valid ARN$/.exec(f.message);
        assert.ok(m, f.message);
        assert.equal(m[1], runtime);
        const listed = m[2]!.split(', ');
        for (const id of ['nodejs20.x', 'python3.6', 'provided.al2023']) assert.ok(listed.includes(id), `${id} in ${m[2]}`);
      }
      await expectAwsError(sdk.send(new GetFunctionCommand({ FunctionName: 'bad-runtime' })), 'ResourceNotFoundException', 404);
    });

    test('a role that is no role ARN is a ValidationException', async () => {
      await expectAwsError(
        create('bad-role', { Role: 'r1' }),
        'ValidationException', 400,
        "1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
      );
    });

    test('architectures are checked as AWS checks them', async () => {
      await expectAwsError(
        create('bad-arch', { Architectures: ['x86_64', 'arm64'] }),
        'ValidationException', 400,
        "1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1",
      );
      await expectAwsError(
        create('bad-arch', { Architectures: ['X86_64' as 'x86_64'] }),
        'ValidationException', 400,
        "1 validation error detected: Value '[X86_64]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]",
      );
    });

    test('timeout and memory ranges are ValidationExceptions', async () => {
      await expectAwsError(
        create('bad-timeout', { Timeout: 3000 }),
        'ValidationException', 400,
        "1 validation error detected: Value '3000' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900",
      );
      await expectAwsError(
        create('bad-memory', { MemorySize: 64 }),
        'ValidationException', 400,
        "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128",
      );
      await expectAwsError(
        create('bad-both', { Timeout: 0, MemorySize: 10241 }),
        'ValidationException', 400,
        /^2 validation errors detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1; Value '10241' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240$/,
      );
    });

    test('environment variables: 4 KB is the limit, measured as AWS measures it', async () => {
      // {"LARGE_VAR":"x…"}: 4096 bytes exactly is accepted, one more is refused.
      const at = 'x'.repeat(4096 - 7 - 'LARGE_VAR'.length);
      const ok = await create('env-at-limit', { Environment: { Variables: { LARGE_VAR: at } } });
      assert.equal(ok.Environment?.Variables?.LARGE_VAR, at);
      const over = { SMALL_VAR: 'ok', LARGE_VAR: 'x'.repeat(4064) };
      const f = await expectAwsError(create('env-over-limit', { Environment: { Variables: over } }), 'InvalidParameterValueException', 400);
      assert.equal(
        f.message,
        'Lambda was unable to configure your environment variables because the environment variables you have provided ' +
          `exceeded the 4KB limit. String measured: ${JSON.stringify(over)}`,
      );
      await expectAwsError(sdk.send(new GetFunctionCommand({ FunctionName: 'env-over-limit' })), 'ResourceNotFoundException', 404);
    });

    test('reserved environment keys are refused', async () => {
      await expectAwsError(
        create('env-reserved', { Environment: { Variables: { AWS_REGION: 'eu-west-1', FINE: '1' } } }),
        'InvalidParameterValueException', 400,
        'Lambda was unable to configure your environment variables because the environment variables you have provided ' +
          'contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION',
      );
    });

    test('bytes that are no zip are refused with AWS message', async () => {
      await expectAwsError(
        create('not-a-zip', { Code: { ZipFile: Buffer.from('this is not a zipfile, just a random string') } }),
        'InvalidParameterValueException', 400,
        'Could not unzip uploaded file. Please check your file, then try to upload again.',
      );
      await expectAwsError(sdk.send(new GetFunctionCommand({ FunctionName: 'not-a-zip' })), 'ResourceNotFoundException', 404);
    });

    test('function names: too long, bad characters, another region or account', async () => {
      await expectAwsError(
        create('a'.repeat(65)),
        'InvalidParameterValueException', 400,
        `1 validation error detected: Value '${'a'.repeat(65)}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
      );
      await expectAwsError(
        create('invalid:function:name'),
        'ValidationException', 400,
        "1 validation error detected: Value 'invalid:function:name' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?",
      );
      const longArn = ARN_PREFIX + 'a'.repeat(140 - ARN_PREFIX.length + 1);
      await expectAwsError(
        create(longArn),
        'ValidationException', 400,
        `1 validation error detected: Value '${longArn}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 140`,
      );
      await expectAwsError(
        create('arn:aws:lambda:ap-southeast-1:000000000000:function:elsewhere'),
        'ResourceNotFoundException', 404, "Functions from 'ap-southeast-1' are not reachable in this region ('us-east-1')",
      );
      await expectAwsError(create('arn:aws:lambda:us-east-1:123456789012:function:theirs'), 'AccessDeniedException', 403);
    });

    test('a full or partial ARN creates the function of that name', async () => {
      const full = await create(`${ARN_PREFIX}by-arn`);
      assert.equal(full.FunctionName, 'by-arn');
      assert.equal(full.FunctionArn, `${ARN_PREFIX}by-arn`);
      const partial = await create(`${ACCOUNT}:function:by-partial-arn`);
      assert.equal(partial.FunctionName, 'by-partial-arn');
    });
  });

  describe('UpdateFunctionConfiguration', () => {
    test('every update, even a redundant one, gets a new RevisionId and LastModified', async () => {
      await create('config-fn', { Description: 'Initial description', Environment: { Variables: { AA: '1', BB: '2' } } });
      let before = (await sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'config-fn' })))!;
      for (const description of ['1st update description', '1st update description']) {
        await sleep(5);
        const out = await sdk.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'config-fn', Description: description }));
        assert.equal(out.$metadata.httpStatusCode, 200);
        assert.equal(out.LastUpdateStatus, 'InProgress');
        assert.equal(out.LastUpdateStatusReason, 'The function is being created.');
        assert.equal(out.LastUpdateStatusReasonCode, 'Creating');
        assert.equal(out.State, 'Active');
        assert.equal(out.Description, description);
        const now = await sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'config-fn' }));
        assert.equal(now.LastUpdateStatus, 'Successful');
        assert.notEqual(now.RevisionId, before.RevisionId);
        assert.notEqual(now.LastModified, before.LastModified);
        assert.ok(now.LastModified! > before.LastModified!);
        before = now;
      }
    });

    test('Environment is replaced whole; members not given are kept', async () => {
      const out = await sdk.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: 'config-fn', Environment: { Variables: { CC: '3' } }, Timeout: 10, MemorySize: 512 }),
      );
      assert.deepEqual(out.Environment, { Variables: { CC: '3' } });
      const got = await sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'config-fn' }));
      assert.deepEqual(got.Environment, { Variables: { CC: '3' } });
      assert.equal(got.Timeout, 10);
      assert.equal(got.MemorySize, 512);
      assert.equal(got.Description, '1st update description');
      assert.equal(got.Handler, 'index.handler');
    });

    test('the aws CLI updates the configuration and reads it back', { skip: NO_AWS }, async () => {
      const r = await lamina.aws([
        'lambda', 'update-function-configuration', '--function-name', 'config-fn',
        '--environment', 'Variables={CC=3,DD=four}', '--description', 'from the CLI',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(json(r.stdout).Environment, { Variables: { CC: '3', DD: 'four' } });
      const w = await lamina.aws(['lambda', 'wait', 'function-updated-v2', '--function-name', 'config-fn']);
      assert.equal(w.code, 0, w.stderr);
      const g = await lamina.aws(['lambda', 'get-function-configuration', '--function-name', 'config-fn']);
      assert.equal(g.code, 0, g.stderr);
      const c = json(g.stdout);
      assert.equal(c.Description, 'from the CLI');
      assert.equal(c.LastUpdateStatus, 'Successful');
      assert.equal(c.Timeout, 10);
    });

    test('RevisionId: the current one is accepted, a stale one is 412', async () => {
      const current = await sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'config-fn' }));
      await expectAwsError(
        sdk.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'config-fn', Timeout: 11, RevisionId: '00000000-0000-0000-0000-000000000000' })),
        'PreconditionFailedException', 412,
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
      );
      const unchanged = await sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'config-fn' }));
      assert.equal(unchanged.RevisionId, current.RevisionId);
      const out = await sdk.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'config-fn', Timeout: 11, RevisionId: current.RevisionId }));
      assert.equal(out.Timeout, 11);
    });

    test('bad values are refused and change nothing', async () => {
      const before = await sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'config-fn' }));
      await expectAwsError(
        sdk.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'config-fn', Role: 'r1' })),
        'ValidationException', 400, /^1 validation error detected: Value 'r1' at 'role'/,
      );
      await expectAwsError(
        sdk.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'config-fn', Runtime: 'non-existent-runtime' as Runtime })),
        'InvalidParameterValueException', 400, /^Value non-existent-runtime at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: \[.*\] or be a valid ARN$/,
      );
      await expectAwsError(
        sdk.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'config-fn', Timeout: 901 })),
        'ValidationException', 400,
        "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900",
      );
      // Keys follow [a-zA-Z]([a-zA-Z0-9_])+: at least two characters.
      await expectAwsError(
        sdk.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'config-fn', Environment: { Variables: { A: 'x' } } })),
        'ValidationException', 400, /at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: .*\[a-zA-Z\]\(\[a-zA-Z0-9_\]\)\+/,
      );
      await expectAwsError(
        sdk.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'config-fn', Environment: { Variables: { AWS_LAMBDA_FUNCTION_NAME: 'x' } } })),
        'InvalidParameterValueException', 400, /Reserved keys used in this request: AWS_LAMBDA_FUNCTION_NAME$/,
      );
      const after = await sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'config-fn' }));
      assert.equal(after.RevisionId, before.RevisionId);
      await expectAwsError(
        sdk.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'no-such-fn', Timeout: 5 })),
        'ResourceNotFoundException', 404, `Function not found: ${ARN_PREFIX}no-such-fn`,
      );
    });
  });

  describe('UpdateFunctionCode', () => {
    test('new code gets a new CodeSha256, RevisionId and LastModified', async () => {
      await create('code-fn');
      const before = await sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'code-fn' }));
      await sleep(5);
      const zip = handlerZip('code-fn v2');
      const out = await sdk.send(new UpdateFunctionCodeCommand({ FunctionName: 'code-fn', ZipFile: zip }));
      assert.equal(out.$metadata.httpStatusCode, 200);
      assert.equal(out.CodeSha256, sha256b64(zip));
      assert.equal(out.CodeSize, zip.length);
      assert.equal(out.Version, '$LATEST');
      assert.equal(out.LastUpdateStatus, 'InProgress');
      const after = await sdk.send(new GetFunctionCommand({ FunctionName: 'code-fn' }));
      assert.equal(after.Configuration?.CodeSha256, sha256b64(zip));
      assert.notEqual(after.Configuration?.RevisionId, before.RevisionId);
      assert.ok(after.Configuration!.LastModified! > before.LastModified!);
      assert.ok((await httpGet(after.Code!.Location!)).body.equals(zip));
    });

    test('DryRun validates without changing anything', async () => {
      const before = await sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'code-fn' }));
      const zip = handlerZip('code-fn dry');
      const out = await sdk.send(new UpdateFunctionCodeCommand({ FunctionName: 'code-fn', ZipFile: zip, DryRun: true }));
      assert.equal(out.$metadata.httpStatusCode, 200);
      assert.equal(out.CodeSha256, sha256b64(zip));
      const after = await sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'code-fn' }));
      assert.equal(after.CodeSha256, before.CodeSha256);
      assert.equal(after.RevisionId, before.RevisionId);
      assert.equal(after.LastModified, before.LastModified);
      const versions = await sdk.send(new ListVersionsByFunctionCommand({ FunctionName: 'code-fn' }));
      assert.deepEqual(versions.Versions?.map((v) => v.Version), ['$LATEST']);
      await expectAwsError(
        sdk.send(new UpdateFunctionCodeCommand({ FunctionName: 'code-fn', ZipFile: Buffer.from('nope'), DryRun: true })),
        'InvalidParameterValueException', 400, 'Could not unzip uploaded file. Please check your file, then try to upload again.',
      );
    });

    test('RevisionId: a stale one is 412, the current one is accepted', async () => {
      const current = await sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'code-fn' }));
      await expectAwsError(
        sdk.send(new UpdateFunctionCodeCommand({ FunctionName: 'code-fn', ZipFile: handlerZip('stale'), RevisionId: '11111111-1111-1111-1111-111111111111' })),
        'PreconditionFailedException', 412,
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
      );
      const same = await sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'code-fn' }));
      assert.equal(same.CodeSha256, current.CodeSha256);
      const zip = handlerZip('fresh');
      const out = await sdk.send(new UpdateFunctionCodeCommand({ FunctionName: 'code-fn', ZipFile: zip, RevisionId: current.RevisionId }));
      assert.equal(out.CodeSha256, sha256b64(zip));
    });

    test('Publish publishes a version answered under its qualified ARN', async () => {
      const zip = handlerZip('code-fn published');
      const out = await sdk.send(new UpdateFunctionCodeCommand({ FunctionName: 'code-fn', ZipFile: zip, Publish: true }));
      assert.equal(out.Version, '1');
      assert.equal(out.FunctionArn, `${ARN_PREFIX}code-fn:1`);
      assert.equal(out.CodeSha256, sha256b64(zip));
      const v1 = await sdk.send(new GetFunctionConfigurationCommand({ FunctionName: 'code-fn', Qualifier: '1' }));
      assert.equal(v1.CodeSha256, sha256b64(zip));
      assert.equal(v1.FunctionArn, `${ARN_PREFIX}code-fn:1`);
    });

    test('missing function, bad zip, qualified name', async () => {
      await expectAwsError(
        sdk.send(new UpdateFunctionCodeCommand({ FunctionName: 'no-such-fn', ZipFile: handlerZip() })),
        'ResourceNotFoundException', 404, `Function not found: ${ARN_PREFIX}no-such-fn`,
      );
      await expectAwsError(
        sdk.send(new UpdateFunctionCodeCommand({ FunctionName: 'code-fn', ZipFile: Buffer.from('PK not really') })),
        'InvalidParameterValueException', 400, 'Could not unzip uploaded file. Please check your file, then try to upload again.',
      );
      await expectAwsError(sdk.send(new UpdateFunctionCodeCommand({ FunctionName: 'code-fn:1', ZipFile: handlerZip() })), 'InvalidParameterValueException', 400);
    });
  });

  describe('ListFunctions', () => {
    test('more than 50 functions come in pages of at most 50, following NextMarker', async () => {
      const names = Array.from({ length: 55 }, (_, i) => `page-fn-${String(i).padStart(2, '0')}`);
      for (let i = 0; i < names.length; i += 8) await Promise.all(names.slice(i, i + 8).map((n) => create(n)));

      const seen: string[] = [];
      let marker: string | undefined;
      let pages = 0;
      do {
        const page = await sdk.send(new ListFunctionsCommand({ ...(marker && { Marker: marker }) }));
        pages++;
        assert.ok(page.Functions!.length <= 50);
        if (pages === 1) {
          assert.equal(page.Functions!.length, 50);
          assert.ok(page.NextMarker);
        }
        seen.push(...page.Functions!.map((f) => f.FunctionName!));
        marker = page.NextMarker;
      } while (marker);
      assert.ok(pages >= 2);
      assert.equal(new Set(seen).size, seen.length, 'no function twice');
      for (const n of names) assert.ok(seen.includes(n), n);
    });

    test('MaxItems pages through the same list', async () => {
      const all = await listAll({});
      const paged: string[] = [];
      let marker: string | undefined;
      do {
        const page = await sdk.send(new ListFunctionsCommand({ MaxItems: 7, ...(marker && { Marker: marker }) }));
        assert.ok(page.Functions!.length <= 7);
        paged.push(...page.Functions!.map((f) => f.FunctionName!));
        marker = page.NextMarker;
      } while (marker);
      assert.deepEqual(paged, all.map((f) => f.FunctionName));
    });

    test('boto3 paginator lists the same functions', { skip: NO_BOTO3 }, async () => {
      const r = await lamina.boto3(
        'p = lambda_client.get_paginator("list_functions")\n' +
          'names = [f["FunctionName"] for page in p.paginate(PaginationConfig={"PageSize": 9}) for f in page["Functions"]]\n' +
          'print(json.dumps(names))',
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(json<string[]>(r.stdout), (await listAll({})).map((f) => f.FunctionName));
    });

    test('the aws CLI follows NextMarker by itself', { skip: NO_AWS }, async () => {
      const r = await lamina.aws(['lambda', 'list-functions', '--query', 'Functions[].FunctionName']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(json<string[]>(r.stdout), (await listAll({})).map((f) => f.FunctionName));
    });

    test('list items carry no state members; FunctionVersion=ALL adds every version under qualified ARNs', async () => {
      await create('listed', { Publish: true });
      const plain = (await listAll({})).find((f) => f.FunctionName === 'listed')!;
      assert.equal(plain.FunctionArn, `${ARN_PREFIX}listed`);
      assert.equal(plain.Version, '$LATEST');
      for (const k of ['State', 'StateReason', 'LastUpdateStatus', 'RuntimeVersionConfig'] as const) assert.equal(plain[k], undefined, k);

      const all = (await listAll({ FunctionVersion: 'ALL' })).filter((f) => f.FunctionName === 'listed');
      assert.deepEqual(all.map((f) => [f.Version, f.FunctionArn]), [
        ['$LATEST', `${ARN_PREFIX}listed:$LATEST`],
        ['1', `${ARN_PREFIX}listed:1`],
      ]);
      const everything = await listAll({ FunctionVersion: 'ALL' });
      const paged: string[] = [];
      let marker: string | undefined;
      do {
        const page = await sdk.send(new ListFunctionsCommand({ FunctionVersion: 'ALL', MaxItems: 4, ...(marker && { Marker: marker }) }));
        paged.push(...page.Functions!.map((f) => f.FunctionArn!));
        marker = page.NextMarker;
      } while (marker);
      assert.deepEqual(paged, everything.map((f) => f.FunctionArn));
    });

    test('bad parameters are ValidationExceptions', async () => {
      await expectAwsError(
        sdk.send(new ListFunctionsCommand({ FunctionVersion: 'invalid' as 'ALL' })),
        'ValidationException', 400,
        "1 validation error detected: Value 'invalid' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]",
      );
      await expectAwsError(
        sdk.send(new ListFunctionsCommand({ MaxItems: 0 })),
        'ValidationException', 400,
        "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
      );
      await expectAwsError(
        sdk.send(new ListFunctionsCommand({ MaxItems: 10001 })),
        'ValidationException', 400,
        "1 validation error detected: Value '10001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000",
      );
    });
  });

  describe('DeleteFunction', () => {
    test('deletes the whole function with 204; a second delete is 404', async () => {
      await create('doomed', { Publish: true });
      const out = await sdk.send(new DeleteFunctionCommand({ FunctionName: 'doomed' }));
      assert.equal(out.$metadata.httpStatusCode, 204);
      await expectAwsError(sdk.send(new GetFunctionCommand({ FunctionName: 'doomed' })), 'ResourceNotFoundException', 404);
      await expectAwsError(sdk.send(new GetFunctionCommand({ FunctionName: 'doomed', Qualifier: '1' })), 'ResourceNotFoundException', 404);
      await expectAwsError(
        sdk.send(new DeleteFunctionCommand({ FunctionName: 'doomed' })),
        'ResourceNotFoundException', 404, `Function not found: ${ARN_PREFIX}doomed`,
      );
      await expectAwsError(
        sdk.send(new DeleteFunctionCommand({ FunctionName: 'doomed', Qualifier: '1233' })),
        'ResourceNotFoundException', 404, `Function not found: ${ARN_PREFIX}doomed`,
      );
      // A new function of the same name starts from scratch.
      const again = await create('doomed', { Publish: true });
      assert.equal(again.Version, '1');
    });

    test('one version via Qualifier; an unknown version is deleted idempotently; $LATEST is refused', async () => {
      await create('versioned', { Publish: true });
      await sdk.send(new UpdateFunctionCodeCommand({ FunctionName: 'versioned', ZipFile: handlerZip('v2'), Publish: true }));
      const out = await sdk.send(new DeleteFunctionCommand({ FunctionName: 'versioned', Qualifier: '1' }));
      assert.equal(out.$metadata.httpStatusCode, 204);
      const versions = await sdk.send(new ListVersionsByFunctionCommand({ FunctionName: 'versioned' }));
      assert.deepEqual(versions.Versions?.map((v) => v.Version), ['$LATEST', '2']);
      await expectAwsError(sdk.send(new GetFunctionCommand({ FunctionName: 'versioned', Qualifier: '1' })), 'ResourceNotFoundException', 404);
      // AWS answers 204 for a version that does not exist (it is idempotent).
      assert.equal((await sdk.send(new DeleteFunctionCommand({ FunctionName: 'versioned', Qualifier: '1233' }))).$metadata.httpStatusCode, 204);
      assert.equal((await sdk.send(new DeleteFunctionCommand({ FunctionName: 'versioned:1' }))).$metadata.httpStatusCode, 204);
      await expectAwsError(
        sdk.send(new DeleteFunctionCommand({ FunctionName: 'versioned', Qualifier: '$LATEST' })),
        'InvalidParameterValueException', 400, '$LATEST version cannot be deleted without deleting the function.',
      );
      await expectAwsError(
        sdk.send(new DeleteFunctionCommand({ FunctionName: `${ARN_PREFIX}versioned:$LATEST`, Qualifier: '$LATEST' })),
        'InvalidParameterValueException', 400, '$LATEST version cannot be deleted without deleting the function.',
      );
      await expectAwsError(
        sdk.send(new DeleteFunctionCommand({ FunctionName: `${ARN_PREFIX}versioned:1`, Qualifier: '$LATEST' })),
        'InvalidParameterValueException', 400, 'The derived qualifier from the function name does not match the specified qualifier.',
      );
      // The function itself is still there.
      await sdk.send(new GetFunctionCommand({ FunctionName: 'versioned' }));
    });

    test('an alias qualifier is refused by DeleteFunction', async () => {
      await expectAwsError(
        sdk.send(new DeleteFunctionCommand({ FunctionName: 'versioned', Qualifier: 'some-alias' })),
        'InvalidParameterValueException', 400, 'Deletion of aliases is not currently supported.',
      );
    });

    test('a version an alias points at cannot be deleted', async (t) => {
      const alias = await sdk
        .send(new CreateAliasCommand({ FunctionName: 'versioned', Name: 'live', FunctionVersion: '2' }))
        .catch((err: Error & { $metadata?: { httpStatusCode?: number } }) => err);
      if (alias instanceof Error) {
        if (alias.name === 'UnknownOperationException' || alias.$metadata?.httpStatusCode === 404) {
          t.skip('TODO: CreateAlias is not implemented yet; enable once the alias routes exist');
          return;
        }
        throw alias;
      }
      await expectAwsError(
        sdk.send(new DeleteFunctionCommand({ FunctionName: 'versioned', Qualifier: '2' })),
        'ResourceConflictException', 409,
      );
      await sdk.send(new GetFunctionCommand({ FunctionName: 'versioned', Qualifier: '2' }));
    });
  });
});

async function listAll(input: { FunctionVersion?: 'ALL' }): Promise<FunctionConfiguration[]> {
  const out: FunctionConfiguration[] = [];
  let marker: string | undefined;
  do {
    const page = await sdk.send(new ListFunctionsCommand({ ...input, ...(marker && { Marker: marker }) }));
    out.push(...(page.Functions ?? []));
    marker = page.NextMarker;
  } while (marker);
  return out;
}
