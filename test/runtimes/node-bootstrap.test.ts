// The Node.js runtime (runtimes/node/bootstrap.mjs) as a real process against a scripted Runtime
// API: handler loading, call styles, context, error payloads, log lines and exits as AWS makes them.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/test/runtimes/ → repository root; the bootstrap runs from source, it is never compiled.
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BOOTSTRAP = path.join(REPO_ROOT, 'runtimes', 'node', 'bootstrap.mjs');

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:node-fn';
const TRACE_ID = 'Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1';
const API = '/2018-06-01/runtime';
// `s`: a message may hold \r (the runtime's stand-in for \n); it never holds \n.
const TEXT_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t([^\t]*)\t([A-Z]+)\t(.*)$/s;

// ---------------------------------------------------------------------------------------------
// A scripted Runtime API: hands out queued events, parks /next while there is none, records all.

interface Recorded {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface EventOptions {
  /** Extra or replacing /next headers; `null` leaves a default header out. */
  headers?: Record<string, string | null>;
  /** The body as bytes on the wire, instead of JSON.stringify(event). */
  rawBody?: string;
}

class ScriptedRuntimeApi {
  readonly requests: Recorded[] = [];
  readonly #server = http.createServer((req, res) => this.#route(req, res));
  readonly #events: { body: string; headers: Record<string, string> }[] = [];
  readonly #parked: http.ServerResponse[] = [];
  readonly #watchers = new Set<() => void>();

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Queues an event for the next /next; returns its request id. */
  push(event: unknown, options: EventOptions = {}): string {
    const id = randomUUID();
    const headers: Record<string, string> = {
      'Lambda-Runtime-Aws-Request-Id': id,
      'Lambda-Runtime-Deadline-Ms': String(Date.now() + 60_000),
      'Lambda-Runtime-Invoked-Function-Arn': FUNCTION_ARN,
      'Lambda-Runtime-Trace-Id': TRACE_ID,
      'Content-Type': 'application/json',
    };
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (value === null) delete headers[name];
      else headers[name] = value;
    }
    this.#events.push({ body: options.rawBody ?? JSON.stringify(event), headers });
    this.#dispatch();
    return id;
  }

  /** The first request (already made or still to come) that matches. */
  waitFor(matches: (request: Recorded) => boolean): Promise<Recorded> {
    return new Promise((resolve) => {
      const check = () => {
        const hit = this.requests.find(matches);
        if (!hit) return;
        this.#watchers.delete(check);
        resolve(hit);
      };
      this.#watchers.add(check);
      check();
    });
  }

  get nextCalls(): number {
    return this.requests.filter((r) => r.path === `${API}/invocation/next`).length;
  }

  close(): void {
    for (const res of this.#parked) res.destroy();
    this.#server.closeAllConnections();
    this.#server.close();
  }

  #route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      this.requests.push(recorded);
      for (const watcher of [...this.#watchers]) watcher();
      if (recorded.method === 'GET' && recorded.path === `${API}/invocation/next`) {
        this.#parked.push(res);
        this.#dispatch();
      } else {
        res.writeHead(202, { 'Content-Type': 'application/json' }).end('{"status":"OK"}');
      }
    });
  }

  #dispatch(): void {
    while (this.#parked.length > 0 && this.#events.length > 0) {
      const event = this.#events.shift()!;
      this.#parked.shift()!.writeHead(200, event.headers).end(event.body);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// A function under test: fixture files in a scratch task root, the real bootstrap running them.

interface FunctionOptions {
  /** Files of the task root, by relative path. */
  files: Record<string, string>;
  handler: string;
  env?: Record<string, string>;
}

interface Outcome {
  kind: 'response' | 'error';
  request: Recorded;
  /** The posted body, parsed. */
  payload: any;
}

class FunctionUnderTest {
  // Files, not pipes: the runtime writes its lines before it posts a result, so once the post
  // has arrived they are all in the file; a pipe could still be holding them.
  readonly #stdoutFile: string;
  readonly #stderrFile: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly pid: number;
  readonly kill: () => void;

  constructor(
    readonly api: ScriptedRuntimeApi,
    readonly taskRoot: string,
    apiAddress: string,
    options: FunctionOptions,
  ) {
    // Built from nothing, as Lamina builds it: nothing of this test process leaks in.
    const env = {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      AWS_LAMBDA_RUNTIME_API: apiAddress,
      _HANDLER: options.handler,
      LAMBDA_TASK_ROOT: taskRoot,
      LAMBDA_RUNTIME_DIR: path.join(REPO_ROOT, 'runtimes'),
      AWS_LAMBDA_FUNCTION_NAME: 'node-fn',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/node-fn',
      AWS_LAMBDA_LOG_STREAM_NAME: '2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
      AWS_LAMBDA_LOG_FORMAT: 'Text',
      ...options.env,
    };
    this.#stdoutFile = `${taskRoot}.stdout`;
    this.#stderrFile = `${taskRoot}.stderr`;
    const out = openSync(this.#stdoutFile, 'w');
    const err = openSync(this.#stderrFile, 'w');
    const child = spawn(process.execPath, [BOOTSTRAP], { cwd: taskRoot, env, stdio: ['ignore', out, err] });
    closeSync(out);
    closeSync(err);
    this.pid = child.pid ?? -1;
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    this.kill = () => child.kill('SIGKILL');
  }

  /** Everything written to stdout, as lines. */
  get stdoutLines(): string[] {
    return this.#stdout.split('\n').filter((line) => line !== '');
  }

  get #stdout(): string {
    return readFileSync(this.#stdoutFile, 'utf8');
  }

  get #stderr(): string {
    return readFileSync(this.#stderrFile, 'utf8');
  }

  /** Pushes an event and waits for the runtime's answer to it. */
  invoke(event: unknown, options?: EventOptions): Promise<Outcome> {
    return this.outcome(this.api.push(event, options));
  }

  /** The response or error posted for `id`; fails if the process exits before posting one. */
  async outcome(id: string): Promise<Outcome> {
    const posted = this.api.waitFor(
      (r) => r.method === 'POST' && (r.path === `${API}/invocation/${id}/response` || r.path === `${API}/invocation/${id}/error`),
    );
    const request = await Promise.race([posted, this.#failOnExit(`a result for ${id}`)]);
    return { kind: request.path.endsWith('/response') ? 'response' : 'error', request, payload: JSON.parse(request.body) };
  }

  /** The /init/error post; fails if the process exits without one. */
  async initError(): Promise<{ request: Recorded; payload: any }> {
    const posted = this.api.waitFor((r) => r.method === 'POST' && r.path === `${API}/init/error`);
    const request = await Promise.race([posted, this.#failOnExit('an /init/error post')]);
    return { request, payload: JSON.parse(request.body) };
  }

  /** Resolves when the runtime has made `count` /next calls. */
  async nextCall(count: number): Promise<void> {
    await this.api.waitFor(() => this.api.nextCalls >= count);
  }

  async #failOnExit(what: string): Promise<never> {
    const { code, signal } = await this.exited;
    // Let the recorder see a post that raced the exit.
    await new Promise((resolve) => setTimeout(resolve, 50));
    throw new Error(`runtime exited (${code ?? signal}) before ${what}\nstdout:\n${this.#stdout}\nstderr:\n${this.#stderr}`);
  }
}

async function startFunction(t: TestContext, options: FunctionOptions): Promise<FunctionUnderTest> {
  // The real path, as Node reports module paths in require stacks.
  const taskRoot = await realpath(await mkdtemp(path.join(os.tmpdir(), 'lamina-node-rt-')));
  for (const [name, content] of Object.entries(options.files)) {
    const file = path.join(taskRoot, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
  const api = new ScriptedRuntimeApi();
  const fn = new FunctionUnderTest(api, taskRoot, await api.listen(), options);
  t.after(async () => {
    fn.kill();
    await fn.exited;
    api.close();
    await rm(taskRoot, { recursive: true, force: true });
    await rm(`${taskRoot}.stdout`, { force: true });
    await rm(`${taskRoot}.stderr`, { force: true });
  });
  return fn;
}

/** Starts a function, sends it one event and returns the outcome. */
async function invokeOnce(t: TestContext, options: FunctionOptions, event: unknown = {}, eventOptions?: EventOptions) {
  const fn = await startFunction(t, options);
  return { fn, ...(await fn.invoke(event, eventOptions)) };
}

function textLines(fn: FunctionUnderTest) {
  return fn.stdoutLines.map((line) => {
    const match = TEXT_LINE.exec(line);
    assert.ok(match, `not a Text log line: ${JSON.stringify(line)}`);
    return { time: match[1]!, requestId: match[2]!, level: match[3]!, message: match[4]! };
  });
}

const TIMEOUT = { timeout: 20_000 };

// ---------------------------------------------------------------------------------------------

describe('node bootstrap: loading the handler', { concurrency: 4 }, () => {
  test('CommonJS index.js', TIMEOUT, async (t) => {
    const { kind, payload } = await invokeOnce(t, {
      files: { 'index.js': `exports.handler = async (event) => ({ kind: 'cjs', isModule: typeof require === 'function', event });` },
      handler: 'index.handler',
    }, { a: 1 });
    assert.equal(kind, 'response');
    assert.deepEqual(payload, { kind: 'cjs', isModule: true, event: { a: 1 } });
  });

  test('ES module .mjs', TIMEOUT, async (t) => {
    const { payload } = await invokeOnce(t, {
      files: { 'app.mjs': `export const handler = async () => ({ kind: typeof require === 'undefined' ? 'esm' : 'cjs' });` },
      handler: 'app.handler',
    });
    assert.deepEqual(payload, { kind: 'esm' });
  });

  test('.js under a package.json with "type": "module" is an ES module', TIMEOUT, async (t) => {
    const { payload } = await invokeOnce(t, {
      files: {
        'package.json': JSON.stringify({ name: 'fn', type: 'module' }),
        'lib/app.js': `export async function handler() { return { kind: typeof module === 'undefined' ? 'esm' : 'cjs' }; }`,
      },
      handler: 'lib/app.handler',
    });
    assert.deepEqual(payload, { kind: 'esm' });
  });

  test('.cjs is CommonJS even inside a "type": "module" package', TIMEOUT, async (t) => {
    const { payload } = await invokeOnce(t, {
      files: {
        'package.json': JSON.stringify({ type: 'module' }),
        'legacy.cjs': `module.exports.handler = async () => ({ kind: typeof module === 'object' ? 'cjs' : 'esm' });`,
      },
      handler: 'legacy.handler',
    });
    assert.deepEqual(payload, { kind: 'cjs' });
  });

  test('.js wins over .mjs, and .mjs over .cjs', TIMEOUT, async (t) => {
    const jsFirst = await invokeOnce(t, {
      files: { 'both.js': `exports.handler = async () => 'js';`, 'both.mjs': `export const handler = async () => 'mjs';` },
      handler: 'both.handler',
    });
    assert.equal(jsFirst.payload, 'js');
    const mjsFirst = await invokeOnce(t, {
      files: { 'pair.mjs': `export const handler = async () => 'mjs';`, 'pair.cjs': `exports.handler = async () => 'cjs';` },
      handler: 'pair.handler',
    });
    assert.equal(mjsFirst.payload, 'mjs');
  });

  test('a nested handler path: directories, then module, then export.property', TIMEOUT, async (t) => {
    const { payload } = await invokeOnce(t, {
      files: { 'src/v1.2/routes.js': `exports.api = { users: { get: async () => 'nested' } };` },
      handler: 'src/v1.2/routes.api.users.get',
    });
    assert.equal(payload, 'nested');
  });

  test('a package from node_modules named as the module', TIMEOUT, async (t) => {
    const { payload } = await invokeOnce(t, {
      files: {
        'node_modules/shared-handler/package.json': JSON.stringify({ name: 'shared-handler', main: 'main.js' }),
        'node_modules/shared-handler/main.js': `exports.handler = async () => 'from node_modules';`,
      },
      handler: 'shared-handler.handler',
    });
    assert.equal(payload, 'from node_modules');
  });

  test('top-level await finishes before the first /next', TIMEOUT, async (t) => {
    const fn = await startFunction(t, {
      files: {
        'index.mjs': `
console.log('init starts');
const config = await new Promise((resolve) => setTimeout(() => resolve({ ready: true }), 100));
console.log('init ends');
export const handler = async () => config;`,
      },
      handler: 'index.handler',
    });
    await fn.nextCall(1);
    assert.deepEqual(fn.stdoutLines.map((l) => l.split('\t')[3]), ['init starts', 'init ends']);
    const { payload } = await fn.invoke({});
    assert.deepEqual(payload, { ready: true });
  });

  test('module-level state survives between invocations of one process', TIMEOUT, async (t) => {
    const fn = await startFunction(t, {
      files: { 'index.js': `let count = 0; const pid = process.pid; exports.handler = async () => ({ count: ++count, pid });` },
      handler: 'index.handler',
    });
    const first = await fn.invoke({});
    const second = await fn.invoke({});
    assert.deepEqual(first.payload, { count: 1, pid: fn.pid });
    assert.deepEqual(second.payload, { count: 2, pid: fn.pid });
  });
});

describe('node bootstrap: init errors', { concurrency: 4 }, () => {
  async function expectInitError(t: TestContext, options: FunctionOptions) {
    const fn = await startFunction(t, options);
    const { request, payload } = await fn.initError();
    const { code } = await fn.exited;
    assert.equal(code, 129, 'the process exits after reporting, as AWS does after an init failure');
    assert.equal(fn.api.nextCalls, 0, 'init never completed');
    assert.equal(request.headers['lambda-runtime-function-error-type'], payload.errorType);
    assert.equal(request.headers['content-type'], 'application/json');
    assert.deepEqual(Object.keys(payload), ['errorType', 'errorMessage', 'trace']);
    assert.ok(Array.isArray(payload.trace));
    const logged = textLines(fn).find((line) => line.message.startsWith('Uncaught Exception \t'));
    assert.ok(logged, 'the failure is logged like AWS logs it');
    assert.equal(logged.requestId, 'undefined');
    assert.equal(logged.level, 'ERROR');
    assert.equal(JSON.parse(logged.message.slice('Uncaught Exception \t'.length)).errorType, payload.errorType);
    return payload;
  }

  test('Runtime.MalformedHandlerName: no dot', TIMEOUT, async (t) => {
    const payload = await expectInitError(t, { files: { 'index.js': 'exports.handler = async () => 1;' }, handler: 'index' });
    assert.equal(payload.errorType, 'Runtime.MalformedHandlerName');
    assert.equal(payload.errorMessage, 'Bad handler');
    assert.equal(payload.trace[0], 'Runtime.MalformedHandlerName: Bad handler');
  });

  test('Runtime.MalformedHandlerName: a relative path up', TIMEOUT, async (t) => {
    const payload = await expectInitError(t, { files: {}, handler: '../other/index.handler' });
    assert.equal(payload.errorType, 'Runtime.MalformedHandlerName');
    assert.equal(
      payload.errorMessage,
      "'../other/index.handler' is not a valid handler name. Use absolute paths when specifying root directories in handler names.",
    );
  });

  test('Runtime.ImportModuleError: the handler module does not exist', TIMEOUT, async (t) => {
    const payload = await expectInitError(t, { files: { 'other.js': '' }, handler: 'missing.handler' });
    assert.equal(payload.errorType, 'Runtime.ImportModuleError');
    assert.match(payload.errorMessage, /^Error: Cannot find module 'missing'\nRequire stack:\n- \/.+$/);
    assert.equal(payload.trace[0], "Runtime.ImportModuleError: Error: Cannot find module 'missing'");
    assert.equal(payload.trace[1], 'Require stack:');
  });

  test('Runtime.ImportModuleError: a CommonJS dependency is missing; the require stack names the file', TIMEOUT, async (t) => {
    const fn = await startFunction(t, { files: { 'index.js': `const sdk = require('aws-sdk'); exports.handler = async () => 1;` }, handler: 'index.handler' });
    const { payload } = await fn.initError();
    assert.equal(payload.errorType, 'Runtime.ImportModuleError');
    const [first, stackTitle, requirer] = payload.errorMessage.split('\n');
    assert.equal(first, "Error: Cannot find module 'aws-sdk'");
    assert.equal(stackTitle, 'Require stack:');
    assert.equal(requirer, `- ${path.join(fn.taskRoot, 'index.js')}`);
  });

  test('an ES module import that fails is reported as the plain Error, as AWS does', TIMEOUT, async (t) => {
    const payload = await expectInitError(t, {
      files: { 'index.mjs': `import missing from 'no-such-package'; export const handler = async () => missing;` },
      handler: 'index.handler',
    });
    assert.equal(payload.errorType, 'Error');
    assert.match(payload.errorMessage, /^Cannot find package 'no-such-package' imported from /);
    assert.match(payload.trace[0], /^Error \[ERR_MODULE_NOT_FOUND\]: Cannot find package/);
  });

  test('Runtime.HandlerNotFound: the export does not exist', TIMEOUT, async (t) => {
    const payload = await expectInitError(t, { files: { 'index.js': 'exports.other = async () => 1;' }, handler: 'index.handler' });
    assert.equal(payload.errorType, 'Runtime.HandlerNotFound');
    assert.equal(payload.errorMessage, 'index.handler is undefined or not exported');
    assert.equal(payload.trace[0], 'Runtime.HandlerNotFound: index.handler is undefined or not exported');
  });

  test('Runtime.HandlerNotFound: the export is not a function', TIMEOUT, async (t) => {
    const payload = await expectInitError(t, { files: { 'lib/index.mjs': 'export const config = { handler: 42 };' }, handler: 'lib/index.config.handler' });
    assert.equal(payload.errorType, 'Runtime.HandlerNotFound');
    assert.equal(payload.errorMessage, 'lib/index.config.handler is not a function');
  });

  test('Runtime.UserCodeSyntaxError: CommonJS', TIMEOUT, async (t) => {
    const payload = await expectInitError(t, { files: { 'index.js': 'exports.handler = async () => {{;' }, handler: 'index.handler' });
    assert.equal(payload.errorType, 'Runtime.UserCodeSyntaxError');
    assert.match(payload.errorMessage, /^SyntaxError: /);
    assert.equal(payload.trace[0], `Runtime.UserCodeSyntaxError: ${payload.errorMessage}`);
  });

  test('Runtime.UserCodeSyntaxError: ES module', TIMEOUT, async (t) => {
    const payload = await expectInitError(t, { files: { 'index.mjs': 'export const handler = async () => { return };;}' }, handler: 'index.handler' });
    assert.equal(payload.errorType, 'Runtime.UserCodeSyntaxError');
    assert.match(payload.errorMessage, /^SyntaxError: /);
  });

  test('an error thrown by the module while it initializes keeps its own type', TIMEOUT, async (t) => {
    const payload = await expectInitError(t, {
      files: { 'index.js': `class ConfigError extends Error { name = 'ConfigError'; } throw new ConfigError('no DATABASE_URL');` },
      handler: 'index.handler',
    });
    assert.equal(payload.errorType, 'ConfigError');
    assert.equal(payload.errorMessage, 'no DATABASE_URL');
    assert.equal(payload.trace[0], 'ConfigError: no DATABASE_URL');
  });
});

describe('node bootstrap: call styles', { concurrency: 4 }, () => {
  test('async handler; posts carry Content-Type and the next /next follows each post', TIMEOUT, async (t) => {
    const fn = await startFunction(t, { files: { 'index.js': 'exports.handler = async (event) => ({ echo: event });' }, handler: 'index.handler' });
    const first = await fn.invoke({ n: 1 });
    const second = await fn.invoke({ n: 2 });
    assert.deepEqual(first.payload, { echo: { n: 1 } });
    assert.deepEqual(second.payload, { echo: { n: 2 } });
    assert.equal(first.request.headers['content-type'], 'application/json');
    await fn.nextCall(3);
    const id1 = first.request.path.split('/')[4];
    const id2 = second.request.path.split('/')[4];
    assert.deepEqual(
      fn.api.requests.map((r) => `${r.method} ${r.path}`),
      [
        `GET ${API}/invocation/next`,
        `POST ${API}/invocation/${id1}/response`,
        `GET ${API}/invocation/next`,
        `POST ${API}/invocation/${id2}/response`,
        `GET ${API}/invocation/next`,
      ],
    );
  });

  test('callback(null, result)', TIMEOUT, async (t) => {
    const { kind, payload } = await invokeOnce(t, {
      files: { 'index.js': `exports.handler = (event, context, callback) => { callback(null, { via: 'callback' }); };` },
      handler: 'index.handler',
    });
    assert.equal(kind, 'response');
    assert.deepEqual(payload, { via: 'callback' });
  });

  test('callback(err)', TIMEOUT, async (t) => {
    const { kind, payload, request } = await invokeOnce(t, {
      files: { 'index.js': `exports.handler = (event, context, callback) => { setTimeout(() => callback(new TypeError('bad input')), 5); };` },
      handler: 'index.handler',
    });
    assert.equal(kind, 'error');
    assert.equal(payload.errorType, 'TypeError');
    assert.equal(payload.errorMessage, 'bad input');
    assert.equal(request.headers['lambda-runtime-function-error-type'], 'TypeError');
  });

  // The timer changes the result object; it is serialized only when it is posted.
  const pendingTimer = (waits: boolean) => `
exports.handler = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = ${waits};
  const result = { timerFired: false, waits: context.callbackWaitsForEmptyEventLoop };
  setTimeout(() => { result.timerFired = true; }, 150);
  callback(null, result);
};`;

  test('callbackWaitsForEmptyEventLoop = true (default): posted once the event loop is empty', TIMEOUT, async (t) => {
    const { payload } = await invokeOnce(t, { files: { 'index.js': pendingTimer(true) }, handler: 'index.handler' });
    assert.deepEqual(payload, { timerFired: true, waits: true });
  });

  test('callbackWaitsForEmptyEventLoop = false: posted at once, the timer still pending', TIMEOUT, async (t) => {
    const { payload } = await invokeOnce(t, { files: { 'index.js': pendingTimer(false) }, handler: 'index.handler' });
    assert.deepEqual(payload, { timerFired: false, waits: false });
  });

  test('context.succeed posts at once, ignoring callbackWaitsForEmptyEventLoop', TIMEOUT, async (t) => {
    const { kind, payload } = await invokeOnce(t, {
      files: { 'index.js': `exports.handler = (event, context) => { const r = { late: false }; setTimeout(() => { r.late = true; }, 150); context.succeed(r); };` },
      handler: 'index.handler',
    });
    assert.equal(kind, 'response');
    assert.deepEqual(payload, { late: false });
  });

  test('context.fail and context.done(err)', TIMEOUT, async (t) => {
    const fn = await startFunction(t, {
      files: {
        'index.js': `exports.handler = (event, context) => {
  if (event.use === 'fail') context.fail(new RangeError('via fail'));
  else context.done('via done');
};`,
      },
      handler: 'index.handler',
    });
    const failed = await fn.invoke({ use: 'fail' });
    assert.deepEqual([failed.kind, failed.payload.errorType, failed.payload.errorMessage], ['error', 'RangeError', 'via fail']);
    const done = await fn.invoke({ use: 'done' });
    assert.deepEqual(done.payload, { errorType: 'string', errorMessage: 'via done', trace: [] });
  });

  test('only the first of callback/succeed/fail counts', TIMEOUT, async (t) => {
    const { payload } = await invokeOnce(t, {
      files: { 'index.js': `exports.handler = (event, context, callback) => { context.succeed('first'); callback(null, 'second'); context.fail(new Error('third')); };` },
      handler: 'index.handler',
    });
    assert.equal(payload, 'first');
  });

  test('a handler returning undefined gives null', TIMEOUT, async (t) => {
    const { kind, request } = await invokeOnce(t, { files: { 'index.js': 'exports.handler = async () => undefined;' }, handler: 'index.handler' });
    assert.equal(kind, 'response');
    assert.equal(request.body, 'null');
  });

  test('a sync handler that neither returns a promise nor calls back gives null once the loop is empty', TIMEOUT, async (t) => {
    const { kind, request } = await invokeOnce(t, {
      files: { 'index.js': `exports.handler = (event) => { setTimeout(() => {}, 20); return 'ignored, as on AWS'; };` },
      handler: 'index.handler',
    });
    assert.equal(kind, 'response');
    assert.equal(request.body, 'null');
  });

  test('an async handler whose promise never settles: Runtime.NodeJsExit once the loop is empty', TIMEOUT, async (t) => {
    const { kind, payload } = await invokeOnce(t, { files: { 'index.mjs': `export const handler = async () => { await new Promise(() => {}); };` }, handler: 'index.handler' });
    assert.equal(kind, 'error');
    assert.equal(payload.errorType, 'Runtime.NodeJsExit');
  });

  test('a result that cannot be serialized is an error', TIMEOUT, async (t) => {
    const { kind, payload } = await invokeOnce(t, { files: { 'index.js': `exports.handler = async () => { const a = {}; a.self = a; return a; };` }, handler: 'index.handler' });
    assert.equal(kind, 'error');
    assert.equal(payload.errorType, 'Error');
    assert.equal(payload.errorMessage, 'Unable to stringify response body');
  });

  test('an event body that is not JSON is an invocation error, and the runtime carries on', TIMEOUT, async (t) => {
    const fn = await startFunction(t, { files: { 'index.js': 'exports.handler = async (event) => event;' }, handler: 'index.handler' });
    const bad = await fn.invoke(null, { rawBody: 'not json' });
    assert.equal(bad.kind, 'error');
    assert.equal(bad.payload.errorType, 'SyntaxError');
    const good = await fn.invoke({ ok: true });
    assert.deepEqual(good.payload, { ok: true });
  });
});

describe('node bootstrap: context', { concurrency: 4 }, () => {
  const REPORT_CONTEXT = `
exports.handler = async (event, context) => ({
  fields: {
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    invokedFunctionArn: context.invokedFunctionArn,
    memoryLimitInMB: context.memoryLimitInMB,
    awsRequestId: context.awsRequestId,
    logGroupName: context.logGroupName,
    logStreamName: context.logStreamName,
    identity: context.identity,
    clientContext: context.clientContext,
    callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
  },
  types: {
    getRemainingTimeInMillis: typeof context.getRemainingTimeInMillis,
    succeed: typeof context.succeed, fail: typeof context.fail, done: typeof context.done,
  },
  json: JSON.parse(JSON.stringify(context)),
  traceId: process.env._X_AMZN_TRACE_ID ?? null,
});`;

  test('every field, with identity and client context parsed from their headers', TIMEOUT, async (t) => {
    const identity = { cognitoIdentityId: 'us-east-1:1234', cognitoIdentityPoolId: 'us-east-1:pool' };
    const clientContext = { client: { installation_id: 'abc', app_title: 'App' }, custom: { tenant: 'x' }, env: { platform: 'ios' } };
    const fn = await startFunction(t, { files: { 'index.js': REPORT_CONTEXT }, handler: 'index.handler' });
    const id = fn.api.push({}, {
      headers: {
        'Lambda-Runtime-Cognito-Identity': JSON.stringify(identity),
        'Lambda-Runtime-Client-Context': JSON.stringify(clientContext),
        'Lambda-Runtime-Invoked-Function-Arn': `${FUNCTION_ARN}:live`,
      },
    });
    const { payload } = await fn.outcome(id);
    assert.deepEqual(payload.fields, {
      functionName: 'node-fn',
      functionVersion: '$LATEST',
      invokedFunctionArn: `${FUNCTION_ARN}:live`,
      memoryLimitInMB: '256',
      awsRequestId: id,
      logGroupName: '/aws/lambda/node-fn',
      logStreamName: '2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
      identity,
      clientContext,
      callbackWaitsForEmptyEventLoop: true,
    });
    assert.deepEqual(payload.types, { getRemainingTimeInMillis: 'function', succeed: 'function', fail: 'function', done: 'function' });
    // JSON.stringify(context) shows what it shows on AWS, in AWS's key order.
    assert.deepEqual(Object.keys(payload.json), [
      'callbackWaitsForEmptyEventLoop', 'functionVersion', 'functionName', 'memoryLimitInMB', 'logGroupName',
      'logStreamName', 'clientContext', 'identity', 'invokedFunctionArn', 'awsRequestId',
    ]);
  });

  test('identity and clientContext are undefined without their headers', TIMEOUT, async (t) => {
    const { payload } = await invokeOnce(t, { files: { 'index.js': REPORT_CONTEXT }, handler: 'index.handler' });
    assert.equal('identity' in payload.fields, false);
    assert.equal('clientContext' in payload.fields, false);
  });

  test('a client context that is not JSON fails the invocation', TIMEOUT, async (t) => {
    const { kind, payload } = await invokeOnce(t, { files: { 'index.js': REPORT_CONTEXT }, handler: 'index.handler' }, {}, {
      headers: { 'Lambda-Runtime-Client-Context': '{oops' },
    });
    assert.equal(kind, 'error');
    assert.match(payload.errorMessage, /^Cannot parse ClientContext as json: SyntaxError: /);
  });

  test('getRemainingTimeInMillis counts down to Lambda-Runtime-Deadline-Ms', TIMEOUT, async (t) => {
    const fn = await startFunction(t, {
      files: {
        'index.js': `exports.handler = async (event, context) => {
  const first = context.getRemainingTimeInMillis();
  await new Promise((resolve) => setTimeout(resolve, 30));
  return { first, second: context.getRemainingTimeInMillis() };
};`,
      },
      handler: 'index.handler',
    });
    const pushedAt = Date.now();
    const deadline = pushedAt + 5_000;
    const outcome = await fn.invoke({}, { headers: { 'Lambda-Runtime-Deadline-Ms': String(deadline) } });
    const answeredAt = Date.now();
    const { first, second } = outcome.payload;
    assert.ok(Number.isInteger(first) && Number.isInteger(second));
    assert.ok(second < first, `${second} < ${first}`);
    // deadline - remaining is the handler's clock reading: inside the invocation's window.
    assert.ok(deadline - first >= pushedAt && deadline - second <= answeredAt, `${first}, ${second}`);
  });

  test('_X_AMZN_TRACE_ID follows Lambda-Runtime-Trace-Id per invocation and is removed without it', TIMEOUT, async (t) => {
    const fn = await startFunction(t, { files: { 'index.js': REPORT_CONTEXT }, handler: 'index.handler' });
    const traced = await fn.invoke({});
    assert.equal(traced.payload.traceId, TRACE_ID);
    const untraced = await fn.invoke({}, { headers: { 'Lambda-Runtime-Trace-Id': null } });
    assert.equal(untraced.payload.traceId, null);
  });
});

describe('node bootstrap: handler errors', { concurrency: 4 }, () => {
  test('a thrown Error: errorType, errorMessage, trace; the error-type header; the runtime carries on', TIMEOUT, async (t) => {
    const fn = await startFunction(t, {
      files: {
        'index.js': `class PaymentDeclined extends Error { constructor(m) { super(m); this.name = 'PaymentDeclined'; } }
exports.handler = (event) => { if (event.fail) throw new PaymentDeclined('card expired'); return Promise.resolve('paid'); };`,
      },
      handler: 'index.handler',
    });
    const { kind, payload, request } = await fn.invoke({ fail: true });
    assert.equal(kind, 'error');
    assert.deepEqual(Object.keys(payload), ['errorType', 'errorMessage', 'trace']);
    assert.equal(payload.errorType, 'PaymentDeclined');
    assert.equal(payload.errorMessage, 'card expired');
    assert.equal(payload.trace[0], 'PaymentDeclined: card expired');
    assert.match(payload.trace[1], /^ {4}at .*index\.js:2:\d+\)?$/);
    assert.equal(request.headers['lambda-runtime-function-error-type'], 'PaymentDeclined');
    assert.equal(request.headers['content-type'], 'application/json');
    const logged = textLines(fn).find((line) => line.message.startsWith('Invoke Error \t'));
    assert.ok(logged);
    assert.equal(logged.level, 'ERROR');
    assert.deepEqual(JSON.parse(logged.message.slice('Invoke Error \t'.length)).errorMessage, 'card expired');
    const next = await fn.invoke({});
    assert.equal(next.payload, 'paid');
  });

  test('a thrown string', TIMEOUT, async (t) => {
    const { payload, request } = await invokeOnce(t, { files: { 'index.js': `exports.handler = async () => { throw 'plain text'; };` }, handler: 'index.handler' });
    assert.deepEqual(payload, { errorType: 'string', errorMessage: 'plain text', trace: [] });
    assert.equal(request.headers['lambda-runtime-function-error-type'], 'string');
  });

  test('a thrown plain object and a thrown number', TIMEOUT, async (t) => {
    const fn = await startFunction(t, {
      files: { 'index.js': `exports.handler = (event) => { if (event.number) throw 42; throw { code: 'E_BAD' }; };` },
      handler: 'index.handler',
    });
    assert.deepEqual((await fn.invoke({})).payload, { errorType: 'object', errorMessage: '[object Object]', trace: [] });
    assert.deepEqual((await fn.invoke({ number: true })).payload, { errorType: 'number', errorMessage: '42', trace: [] });
  });

  test('a rejected promise', TIMEOUT, async (t) => {
    const { kind, payload } = await invokeOnce(t, {
      files: { 'index.mjs': `export const handler = () => new Promise((resolve, reject) => setTimeout(() => reject(new Error('timed out upstream')), 5));` },
      handler: 'index.handler',
    });
    assert.equal(kind, 'error');
    assert.equal(payload.errorType, 'Error');
    assert.equal(payload.errorMessage, 'timed out upstream');
  });
});

describe('node bootstrap: crashes during an invocation', { concurrency: 4 }, () => {
  test('an uncaught exception is reported for the invocation, then the process exits', TIMEOUT, async (t) => {
    const fn = await startFunction(t, {
      files: { 'index.js': `exports.handler = (event, context, callback) => { setTimeout(() => { throw new Error('from a timer'); }, 5); };` },
      handler: 'index.handler',
    });
    const { kind, payload, request } = await fn.invoke({});
    assert.equal(kind, 'error');
    assert.equal(payload.errorType, 'Error');
    assert.equal(payload.errorMessage, 'from a timer');
    assert.equal(request.headers['lambda-runtime-function-error-type'], 'Error');
    assert.deepEqual(await fn.exited, { code: 129, signal: null });
    assert.equal(fn.api.nextCalls, 1, 'no further /next after the crash');
    assert.ok(textLines(fn).some((line) => line.level === 'ERROR' && line.message.startsWith('Uncaught Exception \t')));
  });

  test('an unhandled rejection is Runtime.UnhandledPromiseRejection, then the process exits', TIMEOUT, async (t) => {
    const fn = await startFunction(t, {
      files: {
        'index.mjs': `export const handler = async () => {
  Promise.reject(new Error('forgotten promise'));
  await new Promise((resolve) => setTimeout(resolve, 200));
  return 'unreachable';
};`,
      },
      handler: 'index.handler',
    });
    const { kind, payload } = await fn.invoke({});
    assert.equal(kind, 'error');
    assert.equal(payload.errorType, 'Runtime.UnhandledPromiseRejection');
    assert.equal(payload.errorMessage, 'Error: forgotten promise');
    assert.equal(payload.trace[0], 'Runtime.UnhandledPromiseRejection: Error: forgotten promise');
    assert.deepEqual(await fn.exited, { code: 128, signal: null });
  });

  test('a crash during init (before any event) is an init error', TIMEOUT, async (t) => {
    const fn = await startFunction(t, { files: { 'index.js': `Promise.reject('boot failed'); exports.handler = async () => 1;` }, handler: 'index.handler' });
    const { payload } = await fn.initError();
    assert.equal(payload.errorType, 'Runtime.UnhandledPromiseRejection');
    assert.equal(payload.errorMessage, 'boot failed');
    assert.equal((await fn.exited).code, 128);
  });
});

describe('node bootstrap: logging', { concurrency: 4 }, () => {
  const LOGGER = `
console.log('cold %s', 'start');
exports.handler = async () => {
  console.log('log', 1);
  console.info('info', { a: 1 });
  console.warn('warn');
  console.error('error');
  console.debug('debug');
  console.trace('trace');
  console.log('first line\\nsecond line\\n\\tindented');
  return 'ok';
};`;

  test('Text: one line per call (time, request id, LEVEL, message), newlines inside as CR', TIMEOUT, async (t) => {
    const fn = await startFunction(t, { files: { 'index.js': LOGGER }, handler: 'index.handler' });
    const { request } = await fn.invoke({});
    const id = request.path.split('/')[4]!;
    const lines = textLines(fn);
    assert.deepEqual(
      lines.map(({ requestId, level, message }) => [requestId, level, message]),
      [
        ['undefined', 'INFO', 'cold start'],
        [id, 'INFO', 'log 1'],
        [id, 'INFO', 'info { a: 1 }'],
        [id, 'WARN', 'warn'],
        [id, 'ERROR', 'error'],
        [id, 'DEBUG', 'debug'],
        [id, 'TRACE', 'trace'],
        [id, 'INFO', 'first line\rsecond line\r\tindented'],
      ],
    );
    for (const { time } of lines) assert.equal(new Date(time).toISOString(), time);
  });

  test('JSON: one object per line, requestId absent during init', TIMEOUT, async (t) => {
    const fn = await startFunction(t, { files: { 'index.js': LOGGER }, handler: 'index.handler', env: { AWS_LAMBDA_LOG_FORMAT: 'JSON' } });
    const { request } = await fn.invoke({});
    const id = request.path.split('/')[4]!;
    const records = fn.stdoutLines.map((line) => JSON.parse(line));
    assert.deepEqual(
      records.map(({ timestamp, ...rest }) => {
        assert.equal(new Date(timestamp).toISOString(), timestamp);
        return rest;
      }),
      [
        { level: 'INFO', message: 'cold start' },
        { level: 'INFO', requestId: id, message: 'log 1' },
        { level: 'INFO', requestId: id, message: 'info { a: 1 }' },
        { level: 'WARN', requestId: id, message: 'warn' },
        { level: 'ERROR', requestId: id, message: 'error' },
        { level: 'DEBUG', requestId: id, message: 'debug' },
        { level: 'TRACE', requestId: id, message: 'trace' },
        { level: 'INFO', requestId: id, message: 'first line\nsecond line\n\tindented' },
      ],
    );
    assert.deepEqual(Object.keys(records[1]), ['timestamp', 'level', 'requestId', 'message']);
  });

  test('JSON: a single object stays an object; errors are expanded', TIMEOUT, async (t) => {
    const fn = await startFunction(t, {
      files: { 'index.js': `exports.handler = async () => { console.log({ order: 7, items: ['a'] }); console.error('failed:', new TypeError('nope')); return 1; };` },
      handler: 'index.handler',
      env: { AWS_LAMBDA_LOG_FORMAT: 'JSON' },
    });
    await fn.invoke({});
    const [object, error] = fn.stdoutLines.map((line) => JSON.parse(line));
    assert.deepEqual(object.message, { order: 7, items: ['a'] });
    assert.equal(error.level, 'ERROR');
    assert.match(error.message, /^failed: TypeError: nope\n/);
    assert.equal(error.errorType, 'TypeError');
    assert.equal(error.errorMessage, 'nope');
    assert.equal(error.stackTrace[0], 'TypeError: nope');
  });

  test('JSON: AWS_LAMBDA_LOG_LEVEL drops the levels below it', TIMEOUT, async (t) => {
    const fn = await startFunction(t, { files: { 'index.js': LOGGER }, handler: 'index.handler', env: { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'WARN' } });
    await fn.invoke({});
    assert.deepEqual(fn.stdoutLines.map((line) => JSON.parse(line).level), ['WARN', 'ERROR']);
  });
});
