// The execution-environment lifecycle through the real server and the AWS SDK: warm reuse
// and its end on configuration changes, freeze between invocations, timeouts, crashes and
// init failures (each followed by a healthy invocation), scale-out, /tmp persistence.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type CreateFunctionCommandInput,
  InvokeCommand,
  type InvokeCommandOutput,
  type LambdaClient,
  type Runtime,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { createZipFunction, type FunctionCode } from '../helpers/functions.js';
import { type LaminaProcess, startLamina } from '../helpers/lamina.js';

let lamina: LaminaProcess;
let sdk: LambdaClient;

const text = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('utf8');
const json = (out: InvokeCommandOutput): any => JSON.parse(text(out.Payload));
const tailOf = (out: InvokeCommandOutput): string => Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CreateFunction with the runtime and handler first (this suite mixes runtimes). */
const create = (name: string, runtime: string, handler: string, files: FunctionCode, extra: Partial<CreateFunctionCommandInput> = {}) =>
  createZipFunction(sdk, name, files, { Runtime: runtime as Runtime, Handler: handler, ...extra });

function invoke(name: string, payload: unknown = {}, extra: Record<string, unknown> = {}): Promise<InvokeCommandOutput> {
  return sdk.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)), ...extra }));
}

describe('execution environment lifecycle', () => {
  before(async () => {
    lamina = await startLamina();
    sdk = lamina.sdk();
  });
  after(async () => {
    await lamina.dispose();
  });

  test('a counter climbs across warm invocations and restarts after UpdateFunctionConfiguration', async () => {
    await create('counter', 'nodejs20.x', 'index.handler', {
      'index.js': 'let n = 0; exports.handler = async () => ({ n: ++n, env: process.env.GREETING ?? null });',
    });
    assert.deepEqual(
      [json(await invoke('counter')).n, json(await invoke('counter')).n, json(await invoke('counter')).n],
      [1, 2, 3],
    );
    await sdk.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'counter', Environment: { Variables: { GREETING: 'hi' } } }),
    );
    const fresh = json(await invoke('counter'));
    assert.deepEqual(fresh, { n: 1, env: 'hi' });
  });

  test('/tmp persists between invocations of an environment', async () => {
    await create('tmp-keeper', 'python3.11', 'app.handler', {
      'app.py': [
        'import os',
        'def handler(event, context):',
        '    with open("/tmp/visits", "a") as f:',
        '        f.write("x")',
        '    return os.path.getsize("/tmp/visits")',
      ].join('\n'),
    });
    assert.equal(json(await invoke('tmp-keeper')), 1);
    assert.equal(json(await invoke('tmp-keeper')), 2);
  });

  test('the context reflects the configuration and the remaining time stays below the timeout', async () => {
    await create(
      'context-node',
      'nodejs20.x',
      'index.handler',
      {
        'index.js': [
          'exports.handler = async (event, context) => ({',
          '  functionName: context.functionName, functionVersion: context.functionVersion,',
          '  memory: context.memoryLimitInMB, arn: context.invokedFunctionArn, id: context.awsRequestId,',
          '  group: context.logGroupName, stream: context.logStreamName,',
          '  remaining: context.getRemainingTimeInMillis(),',
          '  taskRoot: process.env.LAMBDA_TASK_ROOT, cwd: process.cwd(), region: process.env.AWS_REGION,',
          '  tz: process.env.TZ, serverSecret: process.env.LAMINA_ROOT_SECRET_ACCESS_KEY ?? null,',
          '  home: process.env.HOME ?? null, handler: process.env._HANDLER,',
          '});',
        ].join('\n'),
      },
      { MemorySize: 256, Timeout: 7 },
    );
    const ctx = json(await invoke('context-node'));
    assert.equal(ctx.functionName, 'context-node');
    assert.equal(ctx.functionVersion, '$LATEST');
    assert.equal(ctx.memory, '256');
    assert.equal(ctx.arn, 'arn:aws:lambda:us-east-1:000000000000:function:context-node');
    assert.match(ctx.id, /^[0-9a-f-]{36}$/);
    assert.equal(ctx.group, '/aws/lambda/context-node');
    assert.match(ctx.stream, /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    assert.ok(ctx.remaining > 5000 && ctx.remaining <= 7000, `remaining ${ctx.remaining}`);
    assert.equal(ctx.taskRoot, ctx.cwd);
    assert.equal(ctx.region, 'us-east-1');
    assert.equal(ctx.tz, ':UTC');
    assert.equal(ctx.serverSecret, null, 'nothing of the server environment reaches a function');
    assert.equal(ctx.handler, 'index.handler');
  });

  test('between invocations the environment is frozen: a background timer makes no progress', async () => {
    await create('freezer', 'nodejs20.x', 'index.handler', {
      'index.js': [
        "const fs = require('fs');",
        'let timer;',
        'exports.handler = async (event) => {',
        "  const file = '/tmp/ticks';",
        "  if (event.start) { fs.writeFileSync(file, ''); timer = setInterval(() => fs.appendFileSync(file, '.'), 10); return 0; }",
        '  return fs.readFileSync(file, "utf8").length;',
        '};',
      ].join('\n'),
    });
    assert.equal(json(await invoke('freezer', { start: true })), 0);
    await sleep(2000);
    const ticks = json(await invoke('freezer', {}));
    // Unfrozen, a 10 ms interval would have ticked ≈200 times in 2 s.
    // (It freezes 10 ms after it goes idle, later on a loaded machine: a few ticks may slip in.)
    assert.ok(ticks <= 20, `the environment ran while it should have been frozen: ${ticks} ticks`);
  });

  test('a timeout is reported as AWS reports it, and the next invocation succeeds', async () => {
    await create(
      'sleepy',
      'nodejs20.x',
      'index.handler',
      { 'index.js': 'let inits = (global.inits ?? 0) + 1; exports.handler = async (e) => { if (e.sleep) await new Promise(r => setTimeout(r, e.sleep)); return { inits }; };' },
      { Timeout: 1 },
    );
    await invoke('sleepy');
    const out = await invoke('sleepy', { sleep: 5000 }, { LogType: 'Tail' });
    assert.equal(out.FunctionError, 'Unhandled');
    const err = json(out);
    assert.equal(err.errorType, 'Sandbox.Timedout');
    assert.match(err.errorMessage, /^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/);
    assert.match(tailOf(out), /Task timed out after 1\.00 seconds/);
    assert.match(tailOf(out), /Status: timeout/);
    const next = await invoke('sleepy', {}, { LogType: 'Tail' });
    assert.equal(next.FunctionError, undefined);
    assert.match(tailOf(next), /Init Duration: /, 'the runtime was reset: Init runs again');
  });

  test('a crash mid-invocation is a Runtime.ExitError, and the next invocation succeeds', async () => {
    await create('crasher', 'nodejs20.x', 'index.handler', {
      'index.js': 'exports.handler = async (e) => { if (e.crash) process.exit(3); return "fine"; };',
    });
    const out = await invoke('crasher', { crash: true });
    assert.equal(out.FunctionError, 'Unhandled');
    const err = json(out);
    assert.equal(err.errorType, 'Runtime.ExitError');
    assert.match(err.errorMessage, /^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 3$/);
    assert.equal(json(await invoke('crasher')), 'fine');
  });

  test('init errors are reported as AWS reports them (Node and Python)', async () => {
    await create('no-module', 'nodejs20.x', 'missing.handler', { 'index.js': 'exports.handler = async () => 1;' });
    const node = await invoke('no-module', {}, { LogType: 'Tail' });
    assert.equal(node.FunctionError, 'Unhandled');
    assert.equal(json(node).errorType, 'Runtime.ImportModuleError');
    // Init is tried once more inside the invocation ("suppressed init"), which then fails.
    const lines = tailOf(node).split('\n');
    const reports = lines.filter((l) => l.startsWith('INIT_REPORT'));
    assert.equal(reports.length, 2, tailOf(node));
    assert.match(reports[0]!, /^INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: Runtime\.ImportModuleError$/);
    assert.match(reports[1]!, /^INIT_REPORT Init Duration: [\d.]+ ms\tPhase: invoke\tStatus: error\tError Type: Runtime\.ImportModuleError$/);
    const report = lines.find((l) => l.startsWith('REPORT'))!;
    assert.match(report, /Status: error\tError Type: Runtime\.ImportModuleError/);
    assert.doesNotMatch(report, /Init Duration/, 'the retried Init is part of the Duration');
    assert.ok(lines.findIndex((l) => l.startsWith('START')) > lines.indexOf(reports[1]!), 'START follows the retried Init');

    await create('no-handler', 'python3.11', 'app.nope', { 'app.py': 'def handler(e, c):\n    return 1\n' });
    const py = await invoke('no-handler');
    assert.equal(py.FunctionError, 'Unhandled');
    assert.deepEqual(
      { type: json(py).errorType, message: json(py).errorMessage },
      { type: 'Runtime.HandlerNotFound', message: "Handler 'nope' missing on module 'app'" },
    );
  });

  test('an Init that fails once is retried inside the invocation, which then succeeds', async () => {
    await create('flaky-init', 'nodejs20.x', 'index.handler', {
      'index.js': [
        "const fs = require('fs'); const marker = require('os').tmpdir() + '/tried';",
        "if (!fs.existsSync(marker)) { fs.writeFileSync(marker, '1'); throw new Error('first Init fails'); }",
        "exports.handler = async () => 'second Init worked';",
      ].join('\n'),
    });
    const out = await invoke('flaky-init', {}, { LogType: 'Tail' });
    assert.equal(out.FunctionError, undefined, tailOf(out));
    assert.equal(json(out), 'second Init worked');
    const lines = tailOf(out).split('\n');
    assert.deepEqual(
      lines.filter((l) => l.startsWith('INIT_')).map((l) => l.split('\t').filter((f) => f.startsWith('Phase') || f.startsWith('Status')).join(' ') || l.split(' ')[0]),
      ['INIT_START', 'Phase: init Status: error', 'INIT_START'],
    );
    assert.doesNotMatch(lines.find((l) => l.startsWith('REPORT'))!, /Init Duration/);
  });

  test('a runtime that exits during Init twice gives Runtime.ExitError, logged as AWS does', async () => {
    await create('exits-in-init', 'python3.11', 'app.handler', { 'app.py': 'import sys\nsys.exit(2)\ndef handler(e, c):\n    return 1\n' });
    const out = await invoke('exits-in-init', {}, { LogType: 'Tail' });
    assert.equal(out.FunctionError, 'Unhandled');
    assert.equal(json(out).errorType, 'Runtime.ExitError');
    assert.match(json(out).errorMessage, /^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 2$/);
    const platformLines = tailOf(out)
      .split('\n')
      .filter((l) => /^(INIT_|START|END|REPORT|RequestId|Runtime\.)/.test(l))
      .map((l) => (l.startsWith('INIT_START') ? 'INIT_START' : l.replace(/[0-9a-f-]{36}/, 'ID').replace(/ [\d.]+ ms/g, ' N ms').split('\tDuration')[0]));
    assert.deepEqual(platformLines, [
      'INIT_START',
      'INIT_REPORT Init Duration: N ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError',
      'INIT_START',
      'INIT_REPORT Init Duration: N ms\tPhase: invoke\tStatus: error\tError Type: Runtime.ExitError',
      'START RequestId: ID Version: $LATEST',
      'RequestId: ID Error: Runtime exited with error: exit status 2',
      'Runtime.ExitError',
      'END RequestId: ID',
      'REPORT RequestId: ID',
    ]);
  });

  test('N concurrent invocations are served by N environments', async () => {
    await create('parallel', 'nodejs20.x', 'index.handler', {
      'index.js': [
        "const id = require('crypto').randomUUID();",
        'exports.handler = async () => { await new Promise(r => setTimeout(r, 1500)); return id; };',
      ].join('\n'),
    });
    const n = 4;
    const ids = await Promise.all(Array.from({ length: n }, () => invoke('parallel').then(json)));
    assert.equal(new Set(ids).size, n, `expected ${n} environments, got ${new Set(ids).size}`);
  });

  test('a provided.al2023 bootstrap written in bash serves invocations', async () => {
    const bootstrap = [
      '#!/bin/bash',
      'set -euo pipefail',
      'API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"',
      'while true; do',
      '  HEADERS=$(mktemp)',
      '  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")',
      "  ID=$(grep -i Lambda-Runtime-Aws-Request-Id \"$HEADERS\" | tr -d '[:space:]' | cut -d: -f2)",
      '  echo "handling $ID"',
      '  curl -sS -X POST "$API/invocation/$ID/response" -d "{\\"echo\\":$EVENT,\\"handler\\":\\"$_HANDLER\\"}" > /dev/null',
      'done',
    ].join('\n');
    await create('bash-fn', 'provided.al2023', 'function.handler', [{ name: 'bootstrap', content: bootstrap, mode: 0o755 }]);
    const out = await invoke('bash-fn', { hello: 'world' }, { LogType: 'Tail' });
    assert.equal(out.FunctionError, undefined, text(out.Payload));
    assert.deepEqual(json(out), { echo: { hello: 'world' }, handler: 'function.handler' });
    assert.match(tailOf(out), /handling [0-9a-f-]{36}/);
  });

  test('Event invocations are accepted with 202 and run in the background', async () => {
    await create('event-sink', 'python3.11', 'app.handler', {
      'app.py': 'def handler(event, context):\n    print("EVENT-MARK", event.get("n"))\n    return None\n',
    });
    const accepted = await invoke('event-sink', { n: 41 }, { InvocationType: 'Event' });
    assert.equal(accepted.StatusCode, 202);
    assert.equal(text(accepted.Payload), '');
    let found = '';
    for (let i = 0; i < 60 && !found.includes('EVENT-MARK 41'); i++) {
      await sleep(250);
      const r = await lamina.aws(['logs', 'filter-log-events', '--log-group-name', '/aws/lambda/event-sink', '--filter-pattern', '"EVENT-MARK"']);
      found = r.stdout;
    }
    assert.match(found, /EVENT-MARK 41/, 'the event was never handled');
  });

  test('DryRun answers 204 without running the function', async () => {
    const out = await invoke('event-sink', {}, { InvocationType: 'DryRun' });
    assert.equal(out.StatusCode, 204);
  });

  test('a response over 6 MB is Function.ResponseSizeTooLarge', async () => {
    await create('big-answer', 'nodejs20.x', 'index.handler', {
      'index.js': 'exports.handler = async () => "x".repeat(7 * 1024 * 1024);',
    }, { MemorySize: 512 });
    const out = await invoke('big-answer');
    assert.equal(out.FunctionError, 'Unhandled');
    assert.deepEqual(json(out), {
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
      errorType: 'Function.ResponseSizeTooLarge',
    });
  });

  test('the client context reaches the handler', async () => {
    await create('client-ctx', 'nodejs20.x', 'index.handler', {
      'index.js': 'exports.handler = async (e, ctx) => ctx.clientContext;',
    });
    const cc = { client: { installation_id: 'i-1' }, custom: { k: 'v' }, env: { locale: 'en' } };
    const out = await invoke('client-ctx', {}, { ClientContext: Buffer.from(JSON.stringify(cc)).toString('base64') });
    assert.deepEqual(json(out).custom, { k: 'v' });
  });
});
