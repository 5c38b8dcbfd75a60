// The `lamina` command against a real server: functions and runtimes (the tables), invoke
// (payloads, --tail, qualifiers, function and API errors), logs (format, qualifiers, custom
// groups, --follow until SIGINT), help, and the exit codes (0 ok, 1 refused, 2 usage, 3 no server).

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  InvokeCommand,
  type LambdaClient,
  ListFunctionsCommand,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { createZipFunction } from '../helpers/functions.js';
import { type CliResult, type LaminaProcess, REPO_ROOT, startLamina } from '../helpers/lamina.js';
import { makeZip } from '../helpers/zip.js';

const BIN = path.join(REPO_ROOT, 'bin', 'lamina.js');
/** `<ISO time> <8 hex> <message>` */
const LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z [0-9a-f]{8} /;

let lamina: LaminaProcess;
let sdk: LambdaClient;
let scratch: string;

function cliEnv(port: number): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LAMINA_PORT: String(port) };
}

/** Runs `node bin/lamina.js …` against the test server (or `port`). */
function cli(args: readonly string[], port = lamina.port): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: cliEnv(port), timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Retries `check` until it stops throwing (log lines reach the store a moment after an invoke). */
async function eventually<T>(check: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await check();
    } catch (err) {
      if (i >= 100) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const ECHO = `exports.handler = async (event) => { console.log('event ' + JSON.stringify(event)); return { got: event }; };`;

/** A port where nothing listens. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('lamina CLI', () => {
  before(async () => {
    lamina = await startLamina();
    sdk = lamina.sdk();
    scratch = mkdtempSync(path.join(os.tmpdir(), 'lamina-cli-'));
    await createZipFunction(sdk, 'echo', ECHO);
    await createZipFunction(sdk, 'thrower', `exports.handler = async () => { console.log('about to fail'); throw new TypeError('boom'); };`);
  });
  after(async () => {
    await lamina.dispose();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('--help lists invoke and logs; no command is a usage error; unknown commands exit 2', async () => {
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^ {2}invoke <function>/m);
    assert.match(help.stdout, /^ {2}logs <function>/m);
    assert.match(help.stdout, /--payload-file/);
    assert.match(help.stdout, /--follow/);
    assert.equal((await cli(['help'])).code, 0);
    assert.equal((await cli([])).code, 2);
    const unknown = await cli(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  });

  test('no server answering: exit 3', async () => {
    const port = await freePort();
    for (const args of [['invoke', 'echo'], ['logs', 'echo']]) {
      const r = await cli(args, port);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /no Lamina server answers/);
    }
  });

  test('--help lists every command: serve, functions, invoke, logs, runtimes, help', async () => {
    const help = await cli(['--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.equal(help.stderr, '');
    assert.match(help.stdout, /^Usage: lamina <command>/);
    for (const command of ['serve', 'functions', 'invoke', 'logs', 'runtimes', 'help']) {
      assert.match(help.stdout, new RegExp(`^ {2}${command}\\b.*\\S`, 'm'), `--help lists and explains ${command}`);
    }
    assert.deepEqual(await cli(['help']), help, 'lamina help prints the same');
  });

  test('functions prints a table of the functions as ListFunctions has them; exit 0', async () => {
    await createZipFunction(sdk, 'listed-for-cli', ECHO, { MemorySize: 256, Timeout: 7 });
    const r = await cli(['functions']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const [header, ...rows] = r.stdout.trimEnd().split('\n').map((l) => l.split(/ {2,}/));
    assert.deepEqual(header, ['NAME', 'RUNTIME', 'MEMORY', 'TIMEOUT', 'CODE SIZE', 'LAST MODIFIED']);
    const listed = await sdk.send(new ListFunctionsCommand({}));
    assert.equal(listed.NextMarker, undefined);
    const expected = (listed.Functions ?? []).map((f) => [
      f.FunctionName,
      f.Runtime,
      `${f.MemorySize} MB`,
      `${f.Timeout} s`,
      `${f.CodeSize} B`,
      f.LastModified,
    ]);
    assert.deepEqual(rows, expected);
    const names = rows.map((row) => row[0]);
    for (const name of ['echo', 'thrower', 'listed-for-cli']) assert.ok(names.includes(name), `${name} is listed`);
    const mine = rows.find((row) => row[0] === 'listed-for-cli')!;
    assert.deepEqual(mine.slice(1, 4), ['nodejs20.x', '256 MB', '7 s']);
    assert.match(mine[5]!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
  });

  test('functions on a server without functions says so; exit 0', async () => {
    const empty = await startLamina();
    try {
      const r = await cli(['functions'], empty.port);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, /^No functions yet\. Create one with: aws --endpoint-url <lamina> lambda create-function/);
      assert.equal(r.stdout.trimEnd().split('\n').length, 1, 'no table');
    } finally {
      await empty.dispose();
    }
  });

  test('runtimes lists nodejs20.x and python3.X with their executables, and provided.al2023; exit 0', async () => {
    const r = await cli(['runtimes']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const [header, ...rows] = r.stdout.trimEnd().split('\n').map((l) => l.split(/ {2,}/));
    assert.deepEqual(header, ['RUNTIME', 'VERSION', 'EXECUTABLE', 'NOTE']);
    const byId = new Map(rows.map((row) => [row[0]!, row.slice(1)]));

    // Node.js: the server's own node (the one running these tests) for every nodejs*.x.
    assert.deepEqual(byId.get('nodejs20.x')?.slice(0, 2), [process.versions.node, process.execPath]);
    // Python: every CPython 3.X found, each with its interpreter.
    const pythons = rows.filter((row) => /^python3\.\d+$/.test(row[0]!));
    assert.ok(pythons.length > 0, `a python3.X runtime is listed:\n${r.stdout}`);
    for (const [id, version, executable] of pythons) {
      assert.equal(version, id!.slice('python'.length));
      assert.ok(executable !== undefined && path.isAbsolute(executable) && existsSync(executable), `${id}: ${executable}`);
      assert.match(path.basename(executable), /^python3(\.\d+)?$/);
    }
    // provided.*: the function brings its own bootstrap.
    assert.deepEqual(byId.get('provided.al2023'), ['-', "(the function's bootstrap)"]);

    // The same runtimes /health reports, row for row.
    const { runtimes } = await lamina.health();
    assert.deepEqual(
      rows,
      runtimes.map((rt) => [rt.id, rt.version ?? '-', rt.executable ?? "(the function's bootstrap)", ...(rt.warning ? [rt.warning] : [])]),
    );
  });

  test('functions and runtimes with no server answering: exit 3', async () => {
    const port = await freePort();
    for (const args of [['functions'], ['runtimes']]) {
      const r = await cli(args, port);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /no Lamina server answers/);
      assert.equal(r.stdout, '');
    }
  });

  test('invoke prints the response payload', async () => {
    const r = await cli(['invoke', 'echo', '--payload', '{"a":1}']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { got: { a: 1 } });
    assert.equal(r.stderr, '');
    const inline = await cli(['invoke', 'echo', '--payload={"b":[1,2]}']);
    assert.deepEqual(JSON.parse(inline.stdout), { got: { b: [1, 2] } });
    const empty = await cli(['invoke', 'echo']);
    assert.equal(empty.code, 0, empty.stderr);
    assert.deepEqual(JSON.parse(empty.stdout), { got: {} });
  });

  test('invoke --payload-file reads the payload from a file', async () => {
    const file = path.join(scratch, 'event.json');
    writeFileSync(file, JSON.stringify({ from: 'file' }));
    const r = await cli(['invoke', 'echo', '--payload-file', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { got: { from: 'file' } });
  });

  test('invoke --tail prints the log tail to stderr', async () => {
    const r = await cli(['invoke', 'echo', '--payload', '{"tail":"me"}', '--tail']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { got: { tail: 'me' } });
    assert.match(r.stderr, /^START RequestId: \S+ Version: \$LATEST$/m);
    assert.match(r.stderr, /\tINFO\tevent \{"tail":"me"\}$/m);
    assert.match(r.stderr, /^END RequestId: /m);
    assert.match(r.stderr, /^REPORT RequestId: \S+\tDuration: /m);
  });

  test('invoke: a function error exits 1 with the error payload', async () => {
    const r = await cli(['invoke', 'thrower', '--tail']);
    assert.equal(r.code, 1);
    const payload = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(payload.errorType, 'TypeError');
    assert.equal(payload.errorMessage, 'boom');
    assert.match(r.stderr, /about to fail/);
    assert.match(r.stderr, /thrower failed \(Unhandled\)/);
  });

  test('invoke: API errors exit 1 with AWS’s message', async () => {
    const missing = await cli(['invoke', 'no-such-function']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /ResourceNotFoundException: Function not found: arn:aws:lambda:[^:]+:\d{12}:function:no-such-function/);
    assert.equal(missing.stdout, '');
    const badJson = await cli(['invoke', 'echo', '--payload', '{not json']);
    assert.equal(badJson.code, 1);
    assert.match(badJson.stderr, /InvalidRequestContentException/);
    const badQualifier = await cli(['invoke', 'echo', '--qualifier', '99']);
    assert.equal(badQualifier.code, 1);
    assert.match(badQualifier.stderr, /ResourceNotFoundException/);
  });

  test('invoke: usage errors exit 2', async () => {
    const cases = [
      ['invoke'],
      ['invoke', 'echo', 'extra'],
      ['invoke', 'echo', '--payload', '{}', '--payload-file', 'x.json'],
      ['invoke', 'echo', '--payload-file', path.join(scratch, 'missing.json')],
      ['invoke', 'echo', '--payload'],
    ];
    for (const args of cases) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /Usage: lamina invoke/);
    }
  });

  test('logs prints the function’s lines, oldest first, as <time> <stream id> <message>', async () => {
    await cli(['invoke', 'echo', '--payload', '{"marker":"logs-1"}']);
    const r = await eventually(async () => {
      const out = await cli(['logs', 'echo']);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /logs-1/);
      const last = out.stdout.trimEnd().split('\n').at(-1)!;
      assert.match(last, /REPORT RequestId: /);
      return out;
    });
    const lines = r.stdout.trimEnd().split('\n');
    for (const l of lines) assert.match(l, LINE);
    const times = lines.map((l) => Date.parse(l.split(' ')[0]!));
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    assert.match(lines.find((l) => /logs-1/.test(l))!, /\tINFO\tevent \{"marker":"logs-1"\}$/);
    assert.ok(lines.some((l) => / INIT_START /.test(l)));
    assert.ok(lines.some((l) => / START RequestId: \S+ Version: \$LATEST$/.test(l)));

    const filtered = await cli(['logs', 'echo', '--filter-pattern', 'logs-1']);
    assert.equal(filtered.code, 0);
    assert.equal(filtered.stdout.trimEnd().split('\n').length, 1);
  });

  test('logs: a function that never ran prints nothing; an unknown one exits 1', async () => {
    await createZipFunction(sdk, 'never-ran', ECHO);
    const quiet = await cli(['logs', 'never-ran']);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stdout, '');
    for (const args of [['logs', 'no-such-function'], ['logs', 'no-such-function', '--follow']]) {
      const unknown = await cli(args);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /ResourceNotFoundException: The specified log group does not exist\./);
    }
  });

  test('logs: usage errors exit 2', async () => {
    for (const args of [['logs'], ['logs', 'echo', '--since', 'yesterday-ish'], ['logs', 'echo', 'extra']]) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /Usage: lamina logs/);
    }
    const since = await cli(['logs', 'echo', '--since', '1h']);
    assert.equal(since.code, 0, since.stderr);
  });

  test('logs follows the function’s LoggingConfig.LogGroup', async () => {
    await createZipFunction(sdk, 'custom-group', ECHO, { LoggingConfig: { LogFormat: 'Text', LogGroup: '/custom/lamina-cli' } });
    await cli(['invoke', 'custom-group', '--payload', '{"marker":"custom"}']);
    await eventually(async () => {
      const r = await cli(['logs', 'custom-group']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /"marker":"custom"/);
      assert.match(r.stdout, /REPORT RequestId/);
    });
  });

  test('invoke and logs with --qualifier pick a version', async () => {
    const v = (tag: string) => `exports.handler = async (event) => { console.log('version ${tag} ' + JSON.stringify(event)); return '${tag}'; };`;
    await createZipFunction(sdk, 'versioned', v('one'));
    await sdk.send(new PublishVersionCommand({ FunctionName: 'versioned' }));
    await sdk.send(new UpdateFunctionCodeCommand({ FunctionName: 'versioned', ZipFile: makeZip({ 'index.js': v('two') }) }));
    const latest = await eventually(async () => {
      const r = await cli(['invoke', 'versioned']);
      assert.equal(JSON.parse(r.stdout), 'two');
      return r;
    });
    assert.equal(latest.code, 0);
    const one = await cli(['invoke', 'versioned', '--qualifier', '1', '--payload', '{"q":1}']);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(JSON.parse(one.stdout), 'one');
    await eventually(async () => {
      const r = await cli(['logs', 'versioned', '--qualifier', '1']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /version one \{"q":1\}/);
      assert.match(r.stdout, /START RequestId: \S+ Version: 1$/m);
      assert.doesNotMatch(r.stdout, /version two/);
      assert.match(r.stdout, /REPORT RequestId/);
    });
    const all = await cli(['logs', 'versioned']);
    assert.match(all.stdout, /version two/);
    assert.match(all.stdout, /version one/);
  });

  test('logs --follow prints new lines as they come, once each, until SIGINT', async () => {
    await createZipFunction(sdk, 'followed', ECHO);
    await sdk.send(new InvokeCommand({ FunctionName: 'followed', Payload: Buffer.from('{"marker":"before"}') }));
    const child = spawn(process.execPath, [BIN, 'logs', 'followed', '--follow'], {
      env: cliEnv(lamina.port),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const waitFor = async (re: RegExp): Promise<void> => {
        for (let i = 0; i < 300 && !re.test(stdout); i++) await new Promise((r) => setTimeout(r, 50));
        assert.match(stdout, re, `--follow printed:\n${stdout}\n${stderr}`);
      };
      await waitFor(/"marker":"before"[^\n]*\n(?:.*\n)*.*REPORT RequestId/);
      await sdk.send(new InvokeCommand({ FunctionName: 'followed', Payload: Buffer.from('{"marker":"after"}') }));
      await waitFor(/"marker":"after"/);
      await waitFor(/"marker":"after"[^\n]*\n(?:.*\n)*.*REPORT RequestId/);
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0, stderr);
    const lines = stdout.trimEnd().split('\n');
    for (const l of lines) assert.match(l, LINE);
    assert.equal(lines.filter((l) => /START RequestId/.test(l)).length, 2, 'each line once');
    assert.equal(new Set(lines).size, lines.length, 'no line twice');
    assert.equal(lines.filter((l) => /"marker":"after"/.test(l)).length, 1);
  });
});
