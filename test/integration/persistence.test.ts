// Durability: functions, versions, aliases, policies, tags and reserved concurrency survive a
// crash of the server (SIGKILL, no clean shutdown) and a restart on the same data directory;
// version numbers keep counting, code still downloads and functions still run.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  type CreateFunctionCommandInput,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetPolicyCommand,
  InvokeCommand,
  type LambdaClient,
  ListAliasesCommand,
  ListFunctionsCommand,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  TagResourceCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { createZipFunction } from '../helpers/functions.js';
import { httpGet } from '../helpers/http.js';
import { ACCOUNT, type LaminaProcess, REGION, startLamina } from '../helpers/lamina.js';
import { makeZip } from '../helpers/zip.js';

const ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:`;

let lamina: LaminaProcess;
let sdk: LambdaClient;

const zipOf = (tag: string): Buffer =>
  makeZip({ 'index.js': `exports.handler = async (e) => ({ tag: ${JSON.stringify(tag)}, e });\n` });

const create = (name: string, extra: Partial<CreateFunctionCommandInput> = {}): Promise<unknown> =>
  createZipFunction(sdk, name, zipOf(name), extra);

/** Optional resources (aliases, policies, tags, concurrency) are checked when their routes exist. */
async function optional<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    if (e.name === 'UnknownOperationException') return undefined;
    throw err;
  }
}

/** Everything a client can read about the functions, minus what changes by design (presigned URLs). */
async function snapshot(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const fns = (await sdk.send(new ListFunctionsCommand({ FunctionVersion: 'ALL' }))).Functions ?? [];
  out.all = fns.map((f) => ({ ...f }));
  for (const name of [...new Set(fns.map((f) => f.FunctionName!))]) {
    const { Code: _code, $metadata: _m, ...get } = await sdk.send(new GetFunctionCommand({ FunctionName: name }));
    const versions = (await sdk.send(new ListVersionsByFunctionCommand({ FunctionName: name }))).Versions;
    const aliases = await optional(sdk.send(new ListAliasesCommand({ FunctionName: name })));
    const tags = await optional(sdk.send(new ListTagsCommand({ Resource: `${ARN}${name}` })));
    const concurrency = await optional(sdk.send(new GetFunctionConcurrencyCommand({ FunctionName: name })));
    let policy: unknown;
    try {
      const p = await sdk.send(new GetPolicyCommand({ FunctionName: name }));
      policy = { Policy: JSON.parse(p.Policy ?? '{}'), RevisionId: p.RevisionId };
    } catch (err) {
      policy = (err as Error).name;
    }
    out[name] = {
      get,
      versions,
      aliases: aliases?.Aliases,
      tags: tags?.Tags,
      concurrency: concurrency?.ReservedConcurrentExecutions,
      policy,
    };
  }
  return out;
}

describe('persistence across a crash', () => {
  let before1: Record<string, unknown>;
  let aliasesSupported = false;

  before(async () => {
    lamina = await startLamina();
    sdk = lamina.sdk();
  });
  after(async () => {
    await lamina.dispose();
  });

  test('set up functions, versions, aliases, policies, tags, concurrency', async () => {
    await create('kept-plain');
    await create('kept-rich', {
      Description: 'rich',
      Timeout: 12,
      MemorySize: 256,
      Environment: { Variables: { GREETING: 'hello', EMPTY: '' } },
      Tags: { team: 'lamina', env: 'test' },
      Publish: true,
    });
    await sdk.send(new UpdateFunctionCodeCommand({ FunctionName: 'kept-rich', ZipFile: zipOf('kept-rich v2') }));
    await sdk.send(new PublishVersionCommand({ FunctionName: 'kept-rich', Description: 'second' }));
    await sdk.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'kept-rich', Description: 'unpublished change' }));

    aliasesSupported =
      (await optional(sdk.send(new CreateAliasCommand({ FunctionName: 'kept-rich', Name: 'live', FunctionVersion: '2', Description: 'the live one' })))) !==
      undefined;
    if (aliasesSupported) {
      await sdk.send(
        new CreateAliasCommand({
          FunctionName: 'kept-rich',
          Name: 'canary',
          FunctionVersion: '1',
          RoutingConfig: { AdditionalVersionWeights: { '2': 0.25 } },
        }),
      );
    }
    await optional(
      sdk.send(
        new AddPermissionCommand({
          FunctionName: 'kept-rich',
          StatementId: 's3-invoke',
          Action: 'lambda:InvokeFunction',
          Principal: 's3.amazonaws.com',
          SourceArn: 'arn:aws:s3:::some-bucket',
        }),
      ),
    );
    await optional(sdk.send(new TagResourceCommand({ Resource: `${ARN}kept-plain`, Tags: { added: 'later' } })));
    await optional(sdk.send(new PutFunctionConcurrencyCommand({ FunctionName: 'kept-plain', ReservedConcurrentExecutions: 7 })));
    await create('deleted-before-crash', { Publish: true });
    await sdk.send(new DeleteFunctionCommand({ FunctionName: 'deleted-before-crash' }));

    before1 = await snapshot();
    const rich = before1['kept-rich'] as { aliases?: unknown[]; policy: unknown; concurrency?: number };
    const plain = before1['kept-plain'] as { tags?: Record<string, string>; concurrency?: number };
    assert.ok(rich);
    if (aliasesSupported) assert.equal(rich.aliases?.length, 2);
    if (typeof rich.policy !== 'string') assert.equal((rich.policy as { Policy: { Statement: unknown[] } }).Policy.Statement.length, 1);
    if (plain.tags) assert.deepEqual(plain.tags, { added: 'later' });
    assert.equal(before1['deleted-before-crash'], undefined);
  });

  test('after kill -9 and a restart everything is still there, unchanged', async () => {
    // The last write right before the crash must be durable too.
    await create('written-just-before-crash');
    const expected = await snapshot();
    await lamina.kill9();
    lamina = await lamina.restart();
    sdk = lamina.sdk();
    const now = await snapshot();
    assert.deepEqual(now, expected);
    assert.ok(now['written-just-before-crash']);
    for (const k of Object.keys(before1)) assert.ok(k in now, k);

    const rich = await sdk.send(new GetFunctionCommand({ FunctionName: 'kept-rich' }));
    assert.equal(rich.Configuration?.Description, 'unpublished change');
    assert.deepEqual(rich.Configuration?.Environment, { Variables: { GREETING: 'hello', EMPTY: '' } });
    assert.deepEqual(rich.Tags, { team: 'lamina', env: 'test' });
    const versions = (await sdk.send(new ListVersionsByFunctionCommand({ FunctionName: 'kept-rich' }))).Versions ?? [];
    assert.deepEqual(versions.map((v) => [v.Version, v.Description]), [
      ['$LATEST', 'unpublished change'],
      ['1', 'rich'],
      ['2', 'second'],
    ]);
    if (aliasesSupported) {
      const live = await sdk.send(new GetAliasCommand({ FunctionName: 'kept-rich', Name: 'live' }));
      assert.equal(live.FunctionVersion, '2');
      assert.equal(live.Description, 'the live one');
      const canary = await sdk.send(new GetAliasCommand({ FunctionName: 'kept-rich', Name: 'canary' }));
      assert.deepEqual(canary.RoutingConfig, { AdditionalVersionWeights: { '2': 0.25 } });
    }
  });

  test('code still downloads, byte for byte, for $LATEST and old versions', async () => {
    const latest = await sdk.send(new GetFunctionCommand({ FunctionName: 'kept-rich' }));
    assert.ok((await httpGet(latest.Code!.Location!)).body.equals(zipOf('kept-rich v2')));
    const v1 = await sdk.send(new GetFunctionCommand({ FunctionName: 'kept-rich', Qualifier: '1' }));
    assert.ok((await httpGet(v1.Code!.Location!)).body.equals(zipOf('kept-rich')));
  });

  test('the restarted server keeps counting versions and refuses duplicates', async () => {
    const published = await sdk.send(new PublishVersionCommand({ FunctionName: 'kept-rich' }));
    assert.equal(published.Version, '3');
    // Nothing changed since: the same version again.
    assert.equal((await sdk.send(new PublishVersionCommand({ FunctionName: 'kept-rich' }))).Version, '3');
    await assert.rejects(create('kept-plain'), (err: Error) => err.name === 'ResourceConflictException');
    // A function deleted before the crash stays deleted, so its name is free.
    await create('deleted-before-crash');
    await sdk.send(new DeleteFunctionCommand({ FunctionName: 'deleted-before-crash' }));
  });

  test('functions created before the crash still run', async () => {
    const out = await sdk.send(new InvokeCommand({ FunctionName: 'kept-rich', Qualifier: '1', Payload: Buffer.from('{"n":1}') }));
    assert.equal(out.FunctionError, undefined, Buffer.from(out.Payload ?? []).toString());
    assert.deepEqual(JSON.parse(Buffer.from(out.Payload ?? []).toString()), { tag: 'kept-rich', e: { n: 1 } });
  });

  test('a second crash and restart changes nothing either, and leaves no work files', async () => {
    const expected = await snapshot();
    await lamina.kill9();
    lamina = await lamina.restart();
    sdk = lamina.sdk();
    assert.deepEqual(await snapshot(), expected);
    assert.deepEqual(readdirSync(path.join(lamina.dataDir, 'code', 'tmp')), []);
  });
});
