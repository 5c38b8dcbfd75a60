// The Python runtime (runtimes/python/bootstrap.py) against a scripted Runtime API, on each
// interpreter: handler loading, context, results, errors and log lines as AWS's runtimes make them.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/test/runtimes/ → repository root; the bootstrap is run from source, never compiled.
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const RUNTIME_DIR = path.join(REPO_ROOT, 'runtimes');
const BOOTSTRAP = path.join(RUNTIME_DIR, 'python', 'bootstrap.py');

// The oldest and newest supported CPython, and the system's; LAMINA_PYTHON_MATRIX=full adds the
// versions in between when pyenv has them.
const PYENV = '/root/.pyenv/versions';
const INTERPRETERS: { label: string; path: string }[] = [
  { label: 'python3.6', path: `${PYENV}/3.6.15/bin/python3` },
  { label: 'python3.13', path: `${PYENV}/3.13.0/bin/python3` },
  { label: 'system python3', path: '/usr/bin/python3' },
];
if (process.env.LAMINA_PYTHON_MATRIX === 'full') {
  for (const v of ['3.7.16', '3.8.18', '3.9.18', '3.10.13', '3.11.7', '3.12.1']) {
    INTERPRETERS.push({ label: `python${v.split('.').slice(0, 2).join('.')}`, path: `${PYENV}/${v}/bin/python3` });
  }
}

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:py-fn';
const TIMESTAMP = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;
const NBSP = '\u00a0';

// ---------------------------------------------------------------------------------------------
// A scripted Runtime API: hands out queued events, records every post, parks the last /next.

interface QueuedEvent {
  requestId: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  deadlineMs?: number;
}

interface Post {
  kind: 'response' | 'error' | 'init-error';
  requestId: string | null;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

class ScriptedRuntimeApi {
  readonly posts: Post[] = [];
  nextCalls = 0;
  connections = 0;
  private readonly queue: QueuedEvent[];
  private readonly server: http.Server;
  private parked: http.ServerResponse | undefined;
  private onIdle: (() => void) | undefined;

  /** `dropAfterEvent`: close the connection once an event is sent, as an idle keep-alive timeout would. */
  constructor(events: QueuedEvent[], private readonly dropAfterEvent = false) {
    this.queue = [...events];
    this.server = http.createServer((req, res) => this.route(req, res));
    this.server.on('connection', () => this.connections++);
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** Resolves once the runtime waits in /next with no event left to give. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      if (this.parked) resolve();
      else this.onIdle = resolve;
    });
  }

  async close(): Promise<void> {
    this.parked?.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      if (req.method === 'GET' && url === '/2018-06-01/runtime/invocation/next') return this.next(res);
      const result = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
      const kind = result ? (result[2] as 'response' | 'error') : url === '/2018-06-01/runtime/init/error' ? 'init-error' : undefined;
      if (req.method !== 'POST' || !kind) {
        res.writeHead(404).end();
        return;
      }
      this.posts.push({ kind, requestId: result?.[1] ?? null, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(202, { 'Content-Type': 'application/json' }).end('{"status":"OK"}');
    });
  }

  private next(res: http.ServerResponse): void {
    this.nextCalls++;
    const event = this.queue.shift();
    if (!event) {
      this.parked = res;
      this.onIdle?.();
      return;
    }
    res.writeHead(200, {
      'Lambda-Runtime-Aws-Request-Id': event.requestId,
      'Lambda-Runtime-Deadline-Ms': String(event.deadlineMs ?? Date.now() + 30_000),
      'Lambda-Runtime-Invoked-Function-Arn': FUNCTION_ARN,
      'Content-Type': 'application/json',
      ...event.headers,
    });
    const socket = res.socket; // detached from `res` by the time it finishes
    if (this.dropAfterEvent) res.on('finish', () => socket?.destroy());
    res.end(event.body ?? '{}');
  }
}

// ---------------------------------------------------------------------------------------------
// Running the bootstrap on a function written to a scratch directory.

interface FunctionSpec {
  handler: string;
  files: Record<string, string>;
  env?: Record<string, string>;
}

interface Run {
  posts: Post[];
  nextCalls: number;
  connections: number;
  stdout: string;
  stderr: string;
  lines: string[];
  /** 'idle': waited in /next after the last event (then killed); else the exit code. */
  end: 'idle' | number | null;
  taskRoot: string;
}

const scratchDirs: string[] = [];
after(async () => {
  await Promise.all(scratchDirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function runFunction(
  python: string,
  fn: FunctionSpec,
  events: QueuedEvent[],
  options: { dropAfterEvent?: boolean } = {},
): Promise<Run> {
  const taskRoot = await mkdtemp(path.join(os.tmpdir(), 'lamina-py-'));
  scratchDirs.push(taskRoot);
  for (const [name, text] of Object.entries(fn.files)) {
    await mkdir(path.dirname(path.join(taskRoot, name)), { recursive: true });
    await writeFile(path.join(taskRoot, name), text);
  }
  const api = new ScriptedRuntimeApi(events, options.dropAfterEvent);
  const port = await api.listen();
  const env: Record<string, string> = {
    AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
    _HANDLER: fn.handler,
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: RUNTIME_DIR,
    AWS_LAMBDA_FUNCTION_NAME: 'py-fn',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/py-fn',
    AWS_LAMBDA_LOG_STREAM_NAME: '2025/01/01/[$LATEST]0123456789abcdef',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_python',
    AWS_LAMBDA_LOG_FORMAT: 'Text',
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: '/usr/local/bin:/usr/bin:/bin',
    PYTHONPATH: path.join(RUNTIME_DIR, 'python'),
    PYTHONDONTWRITEBYTECODE: '1', // keep __pycache__ out of the source tree
    ...fn.env,
  };
  const child = spawn(python, [BOOTSTRAP], { cwd: taskRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 20_000)));
  const end = await Promise.race([api.idle().then(() => 'idle' as const), closed, timeout]);
  clearTimeout(timer);
  // SIGKILL gives no chance to flush: only output the runtime did not buffer survives.
  if (end === 'idle' || end === 'timeout') child.kill('SIGKILL');
  await closed;
  await api.close();
  if (end === 'timeout') assert.fail(`the runtime neither went idle nor exited\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  const { posts, nextCalls, connections } = api;
  return { posts, nextCalls, connections, stdout, stderr, lines: stdout.split('\n'), end, taskRoot };
}

function json(post: Post | undefined): any {
  assert.ok(post, 'expected a post');
  return JSON.parse(post.body.toString('utf8'));
}

function only<T>(items: T[]): T {
  assert.equal(items.length, 1, `expected exactly one item, got ${items.length}`);
  return items[0]!;
}

function pythonVersion(python: string): [number, number] {
  const out = spawnSync(python, ['-c', 'import sys; print("%d %d" % sys.version_info[:2])'], { env: {} });
  const [major, minor] = out.stdout.toString().trim().split(' ').map(Number);
  return [major!, minor!];
}

// ---------------------------------------------------------------------------------------------
// Fixture functions.

const ECHO = `
def handler(event, context):
    return {"echo": event, "ok": True}
`;

const STATEFUL = `
calls = 0

def handler(event, context):
    global calls
    calls += 1
    return {"calls": calls}
`;

const CONTEXT_DUMP = `
import os

def handler(event, context):
    identity = context.identity
    return {
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "remaining_type": type(context.get_remaining_time_in_millis()).__name__,
        "client_context": repr(context.client_context),
        "identity": [identity.cognito_identity_id, identity.cognito_identity_pool_id],
        "trace_env": os.environ.get("_X_AMZN_TRACE_ID"),
    }
`;

const CLIENT_CONTEXT_DUMP = `
def handler(event, context):
    cc = context.client_context
    if cc is None:
        return None
    client = cc.client
    return {
        "client_type": type(client).__name__,
        "client": [client.installation_id, client.app_title, client.app_version_name,
                   client.app_version_code, client.app_package_name],
        "custom": cc.custom,
        "env": cc.env,
        "identity": [context.identity.cognito_identity_id, context.identity.cognito_identity_pool_id],
    }
`;

const FAILING = `
def helper(value):
    raise ValueError("bad value: %s" % value)

def handler(event, context):
    if event.get("fail"):
        helper(event["fail"])
    return "fine"
`;

const LOGGING = `
import logging

logging.getLogger().warning("cold start")
logger = logging.getLogger(__name__)

def handler(event, context):
    print("hello from print")
    print("two\\nlines")
    logger.info("dropped: the root logger stays at WARNING")
    logger.warning("multi\\nline warning")
    logger.error("with %s", "args")
    try:
        {}["missing"]
    except KeyError:
        logger.exception("caught")
    print("no newline at the end", end="")
    return "logged"
`;

const JSON_LOGGING = `
import logging

logging.getLogger().info("init record")
logger = logging.getLogger("app")

def handler(event, context):
    if event.get("fail"):
        raise KeyError("nope")
    logger.debug("debug record")
    logger.info("multi\\nline", extra={"order_id": 42})
    try:
        1 / 0
    except ZeroDivisionError:
        logger.exception("failed")
    print("plain print")
    return "ok"
`;

// ---------------------------------------------------------------------------------------------

for (const interpreter of INTERPRETERS) {
  describe(`python bootstrap on ${interpreter.label}`, { concurrency: true }, () => {
    const present = existsSync(interpreter.path);
    if (!present) {
      if (process.env.LAMINA_REQUIRE_ALL === '1') throw new Error(`${interpreter.label} (${interpreter.path}) is required in CI`);
      test(`${interpreter.label} is not installed`, (t) => {
        t.skip(`${interpreter.label} not found at ${interpreter.path}`);
      });
      return;
    }
    const python = interpreter.path;
    const version = pythonVersion(python);

    test('a simple handler gets the event and its result is posted as JSON', async () => {
      const run = await runFunction(python, { handler: 'index.handler', files: { 'index.py': ECHO } }, [
        { requestId: 'req-1', body: '{"a": [1, 2, {"b": null}]}' },
      ]);
      assert.equal(run.end, 'idle');
      const post = only(run.posts);
      assert.equal(post.kind, 'response');
      assert.equal(post.requestId, 'req-1');
      assert.equal(post.headers['content-type'], 'application/json');
      assert.equal(post.body.toString(), '{"echo": {"a": [1, 2, {"b": null}]}, "ok": true}');
      assert.equal(run.nextCalls, 2);
    });

    test('a handler inside a package: pkg.mod.handler, pkg.sub.deep.handler, pkg/sub/deep.handler', async () => {
      const files = {
        'pkg/__init__.py': '',
        'pkg/mod.py': 'def handler(event, context):\n    return __name__\n',
        'pkg/sub/__init__.py': '',
        'pkg/sub/deep.py': 'def handler(event, context):\n    return __name__\n',
      };
      const cases = [['pkg.mod.handler', 'pkg.mod'], ['pkg.sub.deep.handler', 'pkg.sub.deep'], ['pkg/sub/deep.handler', 'pkg.sub.deep']];
      for (const [handler, module] of cases) {
        const run = await runFunction(python, { handler: handler!, files }, [{ requestId: 'r' }]);
        assert.equal(json(only(run.posts)), module, handler);
      }
    });

    test('a package vendored in the zip is importable, ahead of anything installed', async () => {
      const files = {
        'index.py': 'import vendored_lib\n\ndef handler(event, context):\n    return vendored_lib.where()\n',
        'vendored_lib/__init__.py': 'import os\n\ndef where():\n    return os.path.dirname(os.path.dirname(__file__))\n',
      };
      const run = await runFunction(python, { handler: 'index.handler', files }, [{ requestId: 'r' }]);
      assert.equal(json(only(run.posts)), run.taskRoot);
    });

    test('the context carries every field, and the remaining time counts down to the deadline', async () => {
      const run = await runFunction(python, { handler: 'index.handler', files: { 'index.py': CONTEXT_DUMP } }, [
        { requestId: 'ctx-1', deadlineMs: Date.now() + 30_000 },
        { requestId: 'ctx-2', deadlineMs: Date.now() - 1_000 },
      ]);
      const [first, second] = run.posts.map(json);
      assert.deepEqual({ ...first, remaining: undefined }, {
        function_name: 'py-fn',
        function_version: '$LATEST',
        invoked_function_arn: FUNCTION_ARN,
        memory_limit_in_mb: '256', // a string, as on AWS
        aws_request_id: 'ctx-1',
        log_group_name: '/aws/lambda/py-fn',
        log_stream_name: '2025/01/01/[$LATEST]0123456789abcdef',
        remaining: undefined,
        remaining_type: 'int',
        client_context: 'None',
        identity: [null, null],
        trace_env: null,
      });
      assert.ok(first.remaining > 0 && first.remaining <= 30_000, `remaining ${first.remaining}`);
      assert.equal(second.remaining, 0);
      assert.equal(second.aws_request_id, 'ctx-2');
    });

    test('client context and Cognito identity headers become objects with attributes', async () => {
      const clientContext = {
        client: {
          installation_id: 'inst-1',
          app_title: 'Demo',
          app_version_name: '1.0',
          app_version_code: '100',
          app_package_name: 'com.example.demo',
        },
        custom: { tier: 'gold' },
        env: { platform: 'Android' },
      };
      const identity = { cognitoIdentityId: 'us-east-1:id-1', cognitoIdentityPoolId: 'us-east-1:pool-1' };
      const run = await runFunction(python, { handler: 'index.handler', files: { 'index.py': CLIENT_CONTEXT_DUMP } }, [
        {
          requestId: 'cc-1',
          headers: {
            'Lambda-Runtime-Client-Context': JSON.stringify(clientContext),
            'Lambda-Runtime-Cognito-Identity': JSON.stringify(identity),
          },
        },
        { requestId: 'cc-2' },
        { requestId: 'cc-3', headers: { 'Lambda-Runtime-Client-Context': '{not json' } },
      ]);
      const [withContext, without, broken] = run.posts;
      assert.deepEqual(json(withContext), {
        client_type: 'Client',
        client: ['inst-1', 'Demo', '1.0', '100', 'com.example.demo'],
        custom: { tier: 'gold' },
        env: { platform: 'Android' },
        identity: ['us-east-1:id-1', 'us-east-1:pool-1'],
      });
      assert.equal(json(without), null);
      assert.equal(broken?.kind, 'error');
      const error = json(broken);
      assert.equal(error.errorType, 'Runtime.LambdaContextUnmarshalError');
      assert.match(error.errorMessage, /^Unable to parse Client Context JSON: /);
    });

    test('_X_AMZN_TRACE_ID follows each invocation, and is removed when there is none', async () => {
      const trace = 'Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1';
      const run = await runFunction(python, { handler: 'index.handler', files: { 'index.py': CONTEXT_DUMP } }, [
        { requestId: 't-1', headers: { 'Lambda-Runtime-Trace-Id': trace } },
        { requestId: 't-2' },
      ]);
      assert.deepEqual(run.posts.map((p) => json(p).trace_env), [trace, null]);
    });

    test('a raised exception is posted as AWS shapes it, logged as one [ERROR] line, and the loop goes on', async () => {
      const run = await runFunction(python, { handler: 'fail.handler', files: { 'fail.py': FAILING } }, [
        { requestId: 'err-1', body: '{"fail": "x"}' },
        { requestId: 'ok-2', body: '{}' },
      ]);
      const [failed, fine] = run.posts;
      assert.equal(failed?.kind, 'error');
      assert.equal(failed?.requestId, 'err-1');
      assert.equal(failed?.headers['lambda-runtime-function-error-type'], 'ValueError');
      const error = json(failed);
      assert.deepEqual(Object.keys(error), ['errorMessage', 'errorType', 'requestId', 'stackTrace']);
      assert.equal(error.errorMessage, 'bad value: x');
      assert.equal(error.errorType, 'ValueError');
      assert.equal(error.requestId, 'err-1');
      const file = path.join(run.taskRoot, 'fail.py');
      // The runtime's own frames are cut; what is left starts in the handler.
      assert.deepEqual(error.stackTrace, [
        `  File "${file}", line 7, in handler\n    helper(event["fail"])\n`,
        `  File "${file}", line 3, in helper\n    raise ValueError("bad value: %s" % value)\n`,
      ]);
      assert.equal(fine?.kind, 'response');
      assert.equal(fine?.body.toString(), '"fine"');

      const indent = NBSP.repeat(2);
      const expected =
        `[ERROR] ValueError: bad value: x\rTraceback (most recent call last):\r` +
        `${indent}File "${file}", line 7, in handler\r${indent}${indent}helper(event["fail"])\r` +
        `${indent}File "${file}", line 3, in helper\r${indent}${indent}raise ValueError("bad value: %s" % value)`;
      assert.ok(run.lines.includes(expected), `no [ERROR] line in:\n${run.stdout}`);
    });

    const initErrors: { name: string; fn: FunctionSpec; errorType: string; message: string | RegExp }[] = [
      {
        name: 'a handler without a dot',
        fn: { handler: 'index', files: { 'index.py': ECHO } },
        errorType: 'Runtime.MalformedHandlerName',
        message: "Bad handler 'index': not enough values to unpack (expected 2, got 1)",
      },
      {
        name: 'a missing module',
        fn: { handler: 'nosuch.handler', files: { 'index.py': ECHO } },
        errorType: 'Runtime.ImportModuleError',
        message: "Unable to import module 'nosuch': No module named 'nosuch'",
      },
      {
        name: 'a module whose own import fails',
        fn: { handler: 'needs.handler', files: { 'needs.py': 'import not_installed_dep\n' } },
        errorType: 'Runtime.ImportModuleError',
        message: "Unable to import module 'needs': No module named 'not_installed_dep'",
      },
      {
        name: 'a missing handler function',
        fn: { handler: 'index.nothere', files: { 'index.py': ECHO } },
        errorType: 'Runtime.HandlerNotFound',
        message: "Handler 'nothere' missing on module 'index'",
      },
      {
        name: 'a built-in module name',
        fn: { handler: 'sys.handler', files: {} },
        errorType: 'Runtime.BuiltInModuleConflict',
        message: 'Cannot use built-in module sys as a handler module',
      },
    ];
    for (const c of initErrors) {
      test(`init error: ${c.name} → ${c.errorType}`, async () => {
        const run = await runFunction(python, c.fn, [{ requestId: 'never' }]);
        assert.equal(run.end, 1, 'the runtime exits with status 1');
        assert.equal(run.nextCalls, 0);
        const post = only(run.posts);
        assert.equal(post.kind, 'init-error');
        assert.equal(post.headers['lambda-runtime-function-error-type'], c.errorType);
        assert.deepEqual(json(post), { errorMessage: c.message, errorType: c.errorType, requestId: '', stackTrace: [] });
        const warning = new RegExp(`^\\[WARNING\\]\\t${TIMESTAMP}\\t\\tLAMBDA_WARNING: Unhandled exception\\. .*runtimes-update\\.html\\r$`);
        assert.ok(run.lines.some((l) => warning.test(l)), `no LAMBDA_WARNING line in:\n${run.stdout}`);
        assert.ok(run.lines.includes(`[ERROR] ${c.errorType}: ${c.message}\rTraceback (most recent call last):`), run.stdout);
      });
    }

    test('init error: a syntax error → Runtime.UserCodeSyntaxError with AWS pseudo-frame', async () => {
      const fn = { handler: 'broken.handler', files: { 'broken.py': 'def handler(event, context)\n    return 1\n' } };
      const run = await runFunction(python, fn, [{ requestId: 'never' }]);
      assert.equal(run.end, 1);
      const post = only(run.posts);
      assert.equal(post.headers['lambda-runtime-function-error-type'], 'Runtime.UserCodeSyntaxError');
      const error = json(post);
      assert.equal(error.errorType, 'Runtime.UserCodeSyntaxError');
      assert.equal(error.requestId, '');
      assert.match(error.errorMessage, /^Syntax error in module 'broken': .+ \(broken\.py, line 1\)$/);
      const file = path.join(run.taskRoot, 'broken.py');
      assert.equal(only(error.stackTrace as string[]), `  File "${file}" Line 1\n    def handler(event, context)\n`);
    });

    test('init error: an exception at module level keeps its type and user frames', async () => {
      const fn = { handler: 'boom.handler', files: { 'boom.py': 'x = 1\nraise RuntimeError("boom at init")\n' } };
      const run = await runFunction(python, fn, [{ requestId: 'never' }]);
      assert.equal(run.end, 1);
      const post = only(run.posts);
      assert.equal(post.headers['lambda-runtime-function-error-type'], 'RuntimeError');
      const error = json(post);
      assert.equal(error.errorType, 'RuntimeError');
      assert.equal(error.errorMessage, 'boom at init');
      assert.equal(error.requestId, '');
      const frames = error.stackTrace as string[];
      assert.ok(!frames.some((f) => f.includes('lamina_runtime')), frames.join(''));
      assert.equal(frames.at(-1), `  File "${path.join(run.taskRoot, 'boom.py')}", line 2, in <module>\n    raise RuntimeError("boom at init")\n`);
    });

    test('results: a non-serialisable value is Runtime.MarshalError; bytes pass through', async () => {
      const files = {
        'index.py': `
def handler(event, context):
    if event == "set":
        return {1, 2}
    return b"\\x00raw bytes"
`,
      };
      const run = await runFunction(python, { handler: 'index.handler', files }, [
        { requestId: 'm-1', body: '"set"' },
        { requestId: 'm-2', body: '"bytes"' },
      ]);
      const [marshal, raw] = run.posts;
      assert.equal(marshal?.kind, 'error');
      assert.equal(marshal?.headers['lambda-runtime-function-error-type'], 'Runtime.MarshalError');
      assert.deepEqual(json(marshal), {
        errorMessage: 'Unable to marshal response: Object of type set is not JSON serializable',
        errorType: 'Runtime.MarshalError',
        requestId: 'm-1',
        stackTrace: [],
      });
      const line = '[ERROR] Runtime.MarshalError: Unable to marshal response: Object of type set is not JSON serializable\rTraceback (most recent call last):';
      assert.ok(run.lines.includes(line), run.stdout);
      assert.equal(raw?.kind, 'response');
      assert.equal(raw?.headers['content-type'], 'application/unknown');
      assert.deepEqual(raw?.body, Buffer.from('\x00raw bytes', 'latin1'));
    });

    test('results: Decimal keeps its digits, NaN and Infinity are bare, text escaping follows the version', async () => {
      const files = {
        'index.py': `
from decimal import Decimal

class Point(object):
    def _asdict(self):
        return {"x": 1}

def handler(event, context):
    return {"price": Decimal("19.990"), "big": Decimal("12345678901234567890.123456789"),
            "nan": Decimal("NaN"), "inf": float("inf"), "text": "caf\\u00e9 \\u2713", "point": Point()}
`,
      };
      const run = await runFunction(python, { handler: 'index.handler', files }, [{ requestId: 'd-1' }]);
      const text = version[0] === 3 && version[1] >= 12 ? 'café ✓' : 'caf\\u00e9 \\u2713';
      assert.equal(
        only(run.posts).body.toString('utf8'),
        `{"price": 19.990, "big": 12345678901234567890.123456789, "nan": NaN, "inf": Infinity, "text": "${text}", "point": {"x": 1}}`,
      );
    });

    test('events: malformed JSON is Runtime.UnmarshalError; other content types arrive as bytes', async () => {
      const files = { 'index.py': 'def handler(event, context):\n    return type(event).__name__\n' };
      const run = await runFunction(python, { handler: 'index.handler', files }, [
        { requestId: 'u-1', body: 'not json' },
        { requestId: 'u-2', body: 'plain', headers: { 'Content-Type': 'text/plain' } },
      ]);
      const [bad, plain] = run.posts;
      const error = json(bad);
      assert.equal(error.errorType, 'Runtime.UnmarshalError');
      assert.match(error.errorMessage, /^Unable to unmarshal input: Expecting value: line 1 column 1 \(char 0\)$/);
      assert.equal(json(plain), 'bytes');
    });

    test('logs: print() as is, logging records in AWS text format, multi-line records as one line', async () => {
      const run = await runFunction(python, { handler: 'index.handler', files: { 'index.py': LOGGING } }, [
        { requestId: 'log-1' },
      ]);
      assert.equal(json(only(run.posts)), 'logged');
      const lines = run.lines;
      assert.ok(lines.includes('hello from print'));
      assert.ok(lines.includes('two') && lines.includes('lines'), 'print() output is not rewritten');
      assert.ok(!run.stdout.includes('dropped'), 'INFO is below the default level');
      const line = (level: string, requestId: string, message: string) =>
        new RegExp(`^\\[${level}\\]\\t${TIMESTAMP}\\t${requestId}\\t${message}$`);
      assert.ok(lines.some((l) => line('WARNING', '', 'cold start').test(l)), 'init record has an empty request id');
      assert.ok(lines.some((l) => line('WARNING', 'log-1', 'multi\\rline warning').test(l)), run.stdout);
      assert.ok(lines.some((l) => line('ERROR', 'log-1', 'with args').test(l)), run.stdout);
      const exception = lines.find((l) => l.includes('\tcaught'));
      assert.ok(exception, run.stdout);
      assert.match(exception, new RegExp(`^\\[ERROR\\]\\t${TIMESTAMP}\\tlog-1\\tcaught\\rTraceback \\(most recent call last\\):\\r  File ".*index\\.py", line \\d+, in handler\\r[^]*\\rKeyError: 'missing'$`));
      // The process was SIGKILLed while waiting: an unterminated write must already be out.
      assert.ok(run.stdout.endsWith('no newline at the end'), JSON.stringify(run.stdout.slice(-60)));
    });

    test('logs: AWS_LAMBDA_LOG_FORMAT=JSON writes JSON records at AWS_LAMBDA_LOG_LEVEL', async () => {
      const env = { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'DEBUG' };
      const run = await runFunction(python, { handler: 'index.handler', files: { 'index.py': JSON_LOGGING }, env }, [
        { requestId: 'j-1' },
        { requestId: 'j-2', body: '{"fail": true}' },
      ]);
      assert.deepEqual(run.posts.map((p) => p.kind), ['response', 'error']);
      const records = run.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      const stamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
      for (const r of records) assert.match(r.timestamp, stamp);
      const strip = ({ timestamp, ...rest }: any) => rest;
      assert.deepEqual(strip(records[0]), { level: 'INFO', message: 'init record', logger: 'root', requestId: '' });
      assert.deepEqual(strip(records[1]), { level: 'DEBUG', message: 'debug record', logger: 'app', requestId: 'j-1' });
      assert.deepEqual(strip(records[2]), {
        level: 'INFO', message: 'multi\nline', logger: 'app', requestId: 'j-1', order_id: 42,
      });
      const failed = records[3];
      assert.equal(failed.errorType, 'ZeroDivisionError');
      assert.equal(failed.errorMessage, 'division by zero');
      assert.equal(failed.level, 'ERROR');
      assert.ok(Array.isArray(failed.stackTrace) && failed.stackTrace.length === 1);
      assert.match(failed.location, /index\.py:handler:\d+$/);
      assert.ok(run.lines.includes('plain print'), 'print() stays plain text');
      const error = records[4];
      assert.deepEqual(Object.keys(error), ['timestamp', 'log_level', 'errorMessage', 'errorType', 'requestId', 'stackTrace']);
      assert.equal(error.log_level, 'ERROR');
      assert.equal(error.errorType, 'KeyError');
      assert.equal(error.errorMessage, "'nope'");
      assert.equal(error.requestId, 'j-2');
      assert.equal(records.length, 5);
    });

    test('module-level state survives between invocations', async () => {
      const run = await runFunction(python, { handler: 'index.handler', files: { 'index.py': STATEFUL } }, [
        { requestId: 's-1' },
        { requestId: 's-2' },
      ]);
      assert.deepEqual(run.posts.map(json), [{ calls: 1 }, { calls: 2 }]);
    });

    test('one connection is kept alive; a result still gets through after the server dropped it', async () => {
      const events = [{ requestId: 'k-1' }, { requestId: 'k-2' }];
      const kept = await runFunction(python, { handler: 'index.handler', files: { 'index.py': ECHO } }, events);
      assert.equal(kept.connections, 1);
      const dropped = await runFunction(python, { handler: 'index.handler', files: { 'index.py': ECHO } }, events, {
        dropAfterEvent: true,
      });
      assert.deepEqual(dropped.posts.map((p) => [p.kind, p.requestId]), [['response', 'k-1'], ['response', 'k-2']]);
      assert.equal(dropped.connections, 3, 'one reconnection per dropped connection');
      assert.equal(dropped.stderr, '');
    });

    test('files named like the stdlib modules the runtime loads late do not shadow them', async () => {
      const files = {
        'index.py': 'import json, logging\n\ndef handler(event, context):\n    logging.getLogger().warning("still stdlib")\n    return json.__name__\n',
        'json.py': 'raise ImportError("user json.py was imported")\n',
        'logging.py': 'raise ImportError("user logging.py was imported")\n',
        'traceback.py': 'raise ImportError("user traceback.py was imported")\n',
      };
      const run = await runFunction(python, { handler: 'index.handler', files }, [{ requestId: 'sh-1' }]);
      assert.equal(json(only(run.posts)), 'json');
      assert.ok(run.lines.some((l) => l.endsWith('\tsh-1\tstill stdlib')), run.stdout);
    });
  });
}
