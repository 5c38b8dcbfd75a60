// Invoke through the AWS SDK for JavaScript v3 against the real server: Node and Python
// handlers, payloads, function errors, Tail logs, warm reuse.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CreateFunctionCommandInput, InvokeCommand, type LambdaClient, type Runtime } from '@aws-sdk/client-lambda';
import { createZipFunction, type FunctionCode } from '../helpers/functions.js';
import { type LaminaProcess, startLamina } from '../helpers/lamina.js';

let lamina: LaminaProcess;
let sdk: LambdaClient;

const decode = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('utf8');

/** CreateFunction with the runtime and handler first (this suite mixes runtimes). */
const create = (name: string, runtime: string, handler: string, files: FunctionCode, extra: Partial<CreateFunctionCommandInput> = {}) =>
  createZipFunction(sdk, name, files, { Runtime: runtime as Runtime, Handler: handler, ...extra });

describe('invoke basics', () => {
  before(async () => {
    lamina = await startLamina();
    sdk = lamina.sdk();
  });
  after(async () => {
    await lamina.dispose();
  });

  test('a Node handler echoes its event', async () => {
    await create('echo-node', 'nodejs20.x', 'index.handler', {
      'index.js': 'exports.handler = async (event) => ({ got: event });',
    });
    const out = await sdk.send(new InvokeCommand({ FunctionName: 'echo-node', Payload: Buffer.from('{"a":1}') }));
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, undefined);
    assert.equal(out.ExecutedVersion, '$LATEST');
    assert.deepEqual(JSON.parse(decode(out.Payload)), { got: { a: 1 } });
  });

  test('module state survives between warm invocations', async () => {
    await create('counter-node', 'nodejs20.x', 'index.handler', {
      'index.js': 'let n = 0; exports.handler = async () => ++n;',
    });
    const values: number[] = [];
    for (let i = 0; i < 3; i++) {
      const out = await sdk.send(new InvokeCommand({ FunctionName: 'counter-node' }));
      values.push(JSON.parse(decode(out.Payload)) as number);
    }
    assert.deepEqual(values, [1, 2, 3]);
  });

  test('ES module handlers run: .mjs, and .js under "type": "module" with top-level await', async () => {
    await create('esm-mjs', 'nodejs22.x', 'app.handler', {
      'app.mjs': 'export const handler = async (event) => ({ kind: "mjs", event });',
    });
    const a = await sdk.send(new InvokeCommand({ FunctionName: 'esm-mjs', Payload: Buffer.from('{"x":1}') }));
    assert.deepEqual(JSON.parse(decode(a.Payload)), { kind: 'mjs', event: { x: 1 } });

    await create('esm-js', 'nodejs20.x', 'src/index.handler', {
      'package.json': '{"type":"module"}',
      'src/index.js': 'const ready = await Promise.resolve("awaited at load");\nexport async function handler() { return ready; }',
    });
    const b = await sdk.send(new InvokeCommand({ FunctionName: 'esm-js' }));
    assert.equal(JSON.parse(decode(b.Payload)), 'awaited at load');
  });

  test('callback handlers: the answer waits for the event loop unless callbackWaitsForEmptyEventLoop is false', async () => {
    // Timeout 2 s and a pending 4 s timer: an answer that waited for the loop times out.
    const source = [
      'exports.handler = (event, context, callback) => {',
      '  context.callbackWaitsForEmptyEventLoop = !event.noWait;',
      '  setTimeout(() => {}, event.timer);',
      '  callback(null, { doubled: event.n * 2 });',
      '};',
    ].join('\n');
    await create('callback', 'nodejs18.x', 'index.handler', { 'index.js': source }, { Timeout: 2 });
    const call = (event: object) => sdk.send(new InvokeCommand({ FunctionName: 'callback', Payload: Buffer.from(JSON.stringify(event)) }));
    const short = await call({ n: 21, timer: 10 });
    assert.deepEqual(JSON.parse(decode(short.Payload)), { doubled: 42 });
    const noWait = await call({ n: 2, timer: 4000, noWait: true });
    assert.equal(noWait.FunctionError, undefined, decode(noWait.Payload));
    assert.deepEqual(JSON.parse(decode(noWait.Payload)), { doubled: 4 });
    const waited = await call({ n: 3, timer: 4000 });
    assert.equal(waited.FunctionError, 'Unhandled');
    assert.equal(JSON.parse(decode(waited.Payload)).errorType, 'Sandbox.Timedout');
  });

  test('a Python handler runs', async () => {
    await create('echo-python', 'python3.11', 'app.handler', {
      'app.py': 'def handler(event, context):\n    return {"got": event, "fn": context.function_name}\n',
    });
    const out = await sdk.send(new InvokeCommand({ FunctionName: 'echo-python', Payload: Buffer.from('[1,2]') }));
    assert.equal(out.FunctionError, undefined, decode(out.Payload));
    assert.deepEqual(JSON.parse(decode(out.Payload)), { got: [1, 2], fn: 'echo-python' });
  });

  test('a thrown error is a function error with AWS shape, and Tail returns the log', async () => {
    await create('thrower', 'nodejs20.x', 'index.handler', {
      'index.js': 'exports.handler = async () => { console.log("about to fail"); throw new TypeError("boom"); };',
    });
    const out = await sdk.send(new InvokeCommand({ FunctionName: 'thrower', LogType: 'Tail' }));
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, 'Unhandled');
    const payload = JSON.parse(decode(out.Payload)) as Record<string, unknown>;
    assert.equal(payload.errorType, 'TypeError');
    assert.equal(payload.errorMessage, 'boom');
    const log = Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
    assert.match(log, /START RequestId: [0-9a-f-]{36} Version: \$LATEST/);
    assert.match(log, /about to fail/);
    assert.match(log, /END RequestId: /);
    assert.match(log, /REPORT RequestId: .*\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms/);
  });
});
