// The official AWS Lambda runtime interface client for Node.js (aws-lambda-ric@3, from npm)
// started by a provided.al2023 function's bootstrap: proof that Lamina's Runtime API is
// faithful enough for the client AWS itself ships.
//
// The client compiles native code on install (Debian: autoconf, automake, libtool, g++,
// make), so it is installed into test/fixtures/ric/ on first use and kept there.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateFunctionCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { type LaminaProcess, REPO_ROOT, ROLE, startLamina } from '../helpers/lamina.js';
import { missing } from '../helpers/requirements.js';
import { makeZip, type ZipEntry } from '../helpers/zip.js';

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'ric');
const RIC = path.join(FIXTURE, 'node_modules', 'aws-lambda-ric');

const skip =
  missing('autoreconf', ['--version'], 'autoconf') ||
  missing('automake', ['--version'], 'automake') ||
  missing('libtoolize', ['--version'], 'libtool') ||
  missing('make', ['--version'], 'make') ||
  missing('g++', ['--version'], 'g++');

/** The files of the installed client that run (bin/, dist/ with its native addon). */
function ricEntries(): ZipEntry[] {
  const entries: ZipEntry[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir)) {
      const abs = path.join(dir, name);
      const r = `${rel}/${name}`;
      if (statSync(abs).isDirectory()) walk(abs, r);
      else entries.push({ name: r, content: readFileSync(abs), mode: statSync(abs).mode & 0o777 });
    }
  };
  entries.push({ name: 'node_modules/aws-lambda-ric/package.json', content: readFileSync(path.join(RIC, 'package.json')) });
  walk(path.join(RIC, 'bin'), 'node_modules/aws-lambda-ric/bin');
  walk(path.join(RIC, 'dist'), 'node_modules/aws-lambda-ric/dist');
  return entries;
}

describe('aws-lambda-ric on provided.al2023', { skip }, () => {
  let lamina: LaminaProcess;

  before(async () => {
    if (!existsSync(path.join(RIC, 'dist', 'rapid-client.node'))) {
      const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: FIXTURE, stdio: 'inherit', timeout: 15 * 60_000 });
      assert.equal(r.status, 0, 'installing aws-lambda-ric failed');
    }
    lamina = await startLamina();
  });
  after(async () => {
    await lamina?.dispose();
  });

  test('runs a handler through the official client', { timeout: 120_000 }, async () => {
    const bootstrap = '#!/bin/sh\nexec /usr/bin/env node node_modules/aws-lambda-ric/bin/index.mjs "$_HANDLER"\n';
    const files: ZipEntry[] = [
      { name: 'bootstrap', content: bootstrap, mode: 0o755 },
      {
        name: 'index.mjs',
        content: [
          'let calls = 0;',
          'export const handler = async (event, context) => {',
          '  calls++;',
          '  console.log("ric handling", context.awsRequestId);',
          '  if (event.fail) throw new RangeError("out of range");',
          '  return { echo: event, calls, fn: context.functionName, remaining: context.getRemainingTimeInMillis() > 0 };',
          '};',
        ].join('\n'),
      },
      ...ricEntries(),
    ];
    const sdk = lamina.sdk();
    await sdk.send(
      new CreateFunctionCommand({
        FunctionName: 'ric-fn',
        Runtime: 'provided.al2023',
        Role: ROLE,
        Handler: 'index.handler',
        Code: { ZipFile: makeZip(files) },
      }),
    );
    const invoke = (payload: unknown) =>
      sdk.send(new InvokeCommand({ FunctionName: 'ric-fn', Payload: Buffer.from(JSON.stringify(payload)), LogType: 'Tail' }));

    const first = await invoke({ hello: 'ric' });
    const body = JSON.parse(Buffer.from(first.Payload ?? []).toString('utf8'));
    assert.equal(first.FunctionError, undefined, JSON.stringify(body));
    assert.deepEqual(body, { echo: { hello: 'ric' }, calls: 1, fn: 'ric-fn', remaining: true });
    assert.match(Buffer.from(first.LogResult ?? '', 'base64').toString('utf8'), /ric handling [0-9a-f-]{36}/);

    const second = await invoke({ again: true });
    assert.equal(JSON.parse(Buffer.from(second.Payload ?? []).toString('utf8')).calls, 2, 'warm reuse');

    const failed = await invoke({ fail: true });
    assert.equal(failed.FunctionError, 'Unhandled');
    const err = JSON.parse(Buffer.from(failed.Payload ?? []).toString('utf8'));
    assert.equal(err.errorType, 'RangeError');
    assert.equal(err.errorMessage, 'out of range');
  });
});
