// Hostile requests: malformed JSON, oversize bodies and zips, traversal, zip bombs, unknown
// paths and methods, aborted uploads. After each the server still serves, no partial function
// exists, ListFunctions is unchanged and the code store holds no stray files.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateFunctionCommand, type LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { signRequest } from '../../src/sigv4/index.js';
import { CREDENTIALS, type LaminaProcess, REGION, ROLE, startLamina } from '../helpers/lamina.js';
import { makeZip } from '../helpers/zip.js';

const UNZIP = 'Could not unzip uploaded file. Please check your file, then try to upload again.';
const UNZIPPED_TOO_BIG = 'Unzipped size must be smaller than 262144000 bytes';
const CREATE_LIMIT = 70_167_211;

let lamina: LaminaProcess;
let sdk: LambdaClient;

interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  json(): Record<string, unknown>;
}

interface RawOptions {
  readonly body?: Buffer | string;
  readonly headers?: Record<string, string>;
  /** Send without a signature. */
  readonly unsigned?: boolean;
  /** Send the body with Transfer-Encoding: chunked instead of Content-Length. */
  readonly chunked?: boolean;
}

/** One request to the server, signed with SigV4 as an SDK would, answered raw. */
function raw(method: string, target: string, opts: RawOptions = {}): Promise<RawResponse> {
  const url = new URL(target, lamina.url);
  const body = opts.body === undefined ? Buffer.alloc(0) : Buffer.from(opts.body);
  const base = { 'content-type': 'application/json', ...opts.headers };
  const headers = opts.unsigned
    ? { ...base, host: url.host }
    : signRequest({ method, url, headers: base, body }, CREDENTIALS, { region: REGION, service: 'lambda' });
  if (opts.chunked) (headers as Record<string, string>)['transfer-encoding'] = 'chunked';
  else (headers as Record<string, string>)['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    let answered = false;
    let writeError: Error | undefined;
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const b = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, json: () => JSON.parse(b.toString('utf8')) });
      });
      res.on('error', reject);
    });
    // The server may answer (413) and stop reading before the whole body is sent: a write error
    // then matters only if no answer came.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') writeError = err;
      else reject(err);
    });
    req.on('close', () => {
      if (!answered) reject(writeError ?? new Error('connection closed without an answer'));
    });
    if (opts.chunked) {
      for (let i = 0; i < body.length; i += 1 << 20) req.write(body.subarray(i, i + (1 << 20)));
      req.end();
    } else req.end(body);
  });
}

/** Asserts an AWS error answer: status, x-amzn-ErrorType, a JSON body, and the message when given. */
function assertAwsError(res: RawResponse, status: number, code: string, message?: string | RegExp): void {
  assert.equal(res.status, status, res.body.toString('utf8').slice(0, 500));
  assert.equal(String(res.headers['x-amzn-errortype']).split(':')[0], code);
  assert.ok(res.headers['x-amzn-requestid'], 'x-amzn-RequestId on every answer');
  const body = res.json();
  const text = String(body.message ?? body.Message ?? '');
  assert.ok(text.length > 0, 'the error carries a message');
  assert.doesNotMatch(text, /\/work\/|\/tmp\/|node_modules|at [A-Za-z.]+ \(/, 'no internal paths or stacks');
  if (typeof message === 'string') assert.equal(text, message);
  else if (message) assert.match(text, message);
}

const createBody = (name: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    FunctionName: name,
    Runtime: 'python3.12',
    Role: ROLE,
    Handler: 'index.handler',
    Code: { ZipFile: makeZip({ 'index.py': 'def handler(e, c):\n    return e\n' }).toString('base64') },
    ...extra,
  });

const createWithZip = (name: string, zip: Buffer): Promise<RawResponse> =>
  raw('POST', '/2015-03-31/functions', { body: createBody(name, { Code: { ZipFile: zip.toString('base64') } }) });

/** Every file and directory under `dir`, relative to it. */
function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (sub: string): void => {
    let names: string[];
    try {
      names = readdirSync(path.join(dir, sub));
    } catch {
      return;
    }
    for (const n of names.sort()) {
      const rel = sub ? `${sub}/${n}` : n;
      out.push(rel);
      walk(rel);
    }
  };
  walk('');
  return out;
}

let baselineNames: string[];
let baselineCode: { zip: string[]; tree: string[] };

const codeDirs = (): { zip: string[]; tree: string[] } => ({
  zip: listTree(path.join(lamina.dataDir, 'code', 'zip')),
  tree: listTree(path.join(lamina.dataDir, 'code', 'tree')),
});

async function functionNames(): Promise<string[]> {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await sdk.send(new ListFunctionsCommand({ ...(marker && { Marker: marker }) }));
    names.push(...(page.Functions ?? []).map((f) => f.FunctionName!));
    marker = page.NextMarker;
  } while (marker);
  return names.sort();
}

/** The server still serves, nothing named `name` exists, and nothing else changed. */
async function assertUnharmed(name?: string): Promise<void> {
  const health = await new Promise<number>((resolve, reject) =>
    http.get(new URL('/health', lamina.url), (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject),
  );
  assert.equal(health, 200);
  if (name !== undefined) {
    const got = await raw('GET', `/2015-03-31/functions/${encodeURIComponent(name)}`);
    assert.equal(got.status, 404, `no function ${name}`);
  }
  assert.deepEqual(await functionNames(), baselineNames);
  assert.deepEqual(listTree(path.join(lamina.dataDir, 'code', 'tmp')), [], 'code/tmp is empty');
  assert.deepEqual(codeDirs(), baselineCode, 'no new zip or tree in the code store');
}

/** A single-entry zip whose headers claim `claimed` uncompressed bytes for `content`. */
function lyingZip(name: string, content: Buffer, claimed: number): Buffer {
  const zip = makeZip([{ name, content }]);
  const nameLen = Buffer.byteLength(name);
  const compressed = zip.readUInt32LE(18);
  zip.writeUInt32LE(claimed, 22); // local header: uncompressed size
  const central = 30 + nameLen + compressed;
  assert.equal(zip.readUInt32LE(central), 0x02014b50);
  zip.writeUInt32LE(claimed, central + 24); // central directory: uncompressed size
  return zip;
}

describe('hostile input', () => {
  before(async () => {
    lamina = await startLamina();
    sdk = lamina.sdk();
    const ok = await raw('POST', '/2015-03-31/functions', { body: createBody('baseline') });
    assert.equal(ok.status, 201, ok.body.toString());
    baselineNames = await functionNames();
    baselineCode = codeDirs();
  });
  after(async () => {
    await lamina.dispose();
  });

  describe('malformed requests', () => {
    test('malformed JSON bodies are InvalidRequestContentException', async () => {
      for (const body of ['{"FunctionName": ', '{nope}', '{"a":1}}', '\u0000\u0001', '{"FunctionName":"x",}']) {
        const res = await raw('POST', '/2015-03-31/functions', { body });
        assertAwsError(res, 400, 'InvalidRequestContentException', /^Could not parse request body into json/);
      }
      await assertUnharmed();
    });

    test('JSON that is no object is refused', async () => {
      for (const body of ['[]', 'null', '"text"', '42', 'true']) {
        const res = await raw('POST', '/2015-03-31/functions', { body });
        assertAwsError(res, 400, 'InvalidRequestContentException');
      }
      await assertUnharmed();
    });

    test('deeply nested JSON does not take the server down', async () => {
      const res = await raw('POST', '/2015-03-31/functions', { body: '['.repeat(500_000) + ']'.repeat(500_000) });
      assert.equal(res.status, 400);
      assert.ok(res.headers['x-amzn-errortype']);
      await assertUnharmed();
    });

    test('members of the wrong JSON type are refused, and nothing is created', async () => {
      const cases: Record<string, unknown>[] = [
        { FunctionName: 42 },
        { FunctionName: ['mistyped'] },
        { FunctionName: 'mistyped', Timeout: '3' },
        { FunctionName: 'mistyped', Timeout: 3.5 },
        { FunctionName: 'mistyped', MemorySize: { n: 128 } },
        { FunctionName: 'mistyped', Publish: 'yes' },
        { FunctionName: 'mistyped', Code: 'zip' },
        { FunctionName: 'mistyped', Code: { ZipFile: 123 } },
        { FunctionName: 'mistyped', Code: { ZipFile: 'not base64 at all!' } },
        { FunctionName: 'mistyped', Environment: { Variables: { AA: 1 } } },
        { FunctionName: 'mistyped', Environment: { Variables: ['AA'] } },
        { FunctionName: 'mistyped', Environment: 'AA=1' },
        { FunctionName: 'mistyped', Architectures: 'x86_64' },
        { FunctionName: 'mistyped', Tags: { k: 5 } },
        { FunctionName: 'mistyped', Runtime: null, Handler: null },
      ];
      for (const extra of cases) {
        const res = await raw('POST', '/2015-03-31/functions', { body: createBody('mistyped', extra) });
        assert.equal(res.status, 400, `${JSON.stringify(extra)}: ${res.body.toString()}`);
        assert.ok(res.headers['x-amzn-errortype'], JSON.stringify(extra));
      }
      for (const body of [{ Timeout: 'long' }, { Environment: { Variables: { AA: false } } }, { Description: 7 }]) {
        const res = await raw('PUT', '/2015-03-31/functions/baseline/configuration', { body: JSON.stringify(body) });
        assert.equal(res.status, 400, JSON.stringify(body));
      }
      await assertUnharmed('mistyped');
    });

    test('a missing body or required member is a validation error', async () => {
      assert.equal((await raw('POST', '/2015-03-31/functions', { body: '' })).status, 400);
      assert.equal((await raw('POST', '/2015-03-31/functions', { body: '{}' })).status, 400);
      const noCode = JSON.parse(createBody('no-code')) as Record<string, unknown>;
      delete noCode.Code;
      assertAwsError(await raw('POST', '/2015-03-31/functions', { body: JSON.stringify(noCode) }), 400, 'ValidationException', /'code'/);
      await assertUnharmed('no-code');
    });

    test('names with NUL, slashes or traversal in the path are refused', async () => {
      const created = await raw('POST', '/2015-03-31/functions', { body: createBody('bad\u0000name') });
      assertAwsError(created, 400, 'ValidationException');
      for (const p of [
        '/2015-03-31/functions/..%2F..%2Fetc%2Fpasswd',
        '/2015-03-31/functions/%2e%2e/configuration',
        '/2015-03-31/functions/a%00b',
        `/2015-03-31/functions/${'x'.repeat(3000)}`,
      ]) {
        const res = await raw('GET', p);
        assert.ok(res.status >= 400 && res.status < 500, `${p}: ${res.status}`);
        assert.ok(res.headers['x-amzn-errortype'], p);
      }
      await assertUnharmed();
    });
  });

  describe('sizes', () => {
    test(`a CreateFunction body over ${CREATE_LIMIT} bytes is 413 with AWS message`, async () => {
      const big = Buffer.alloc(CREATE_LIMIT + 1, 0x20);
      const res = await raw('POST', '/2015-03-31/functions', { body: big });
      assertAwsError(res, 413, 'RequestEntityTooLargeException', `Request must be smaller than ${CREATE_LIMIT} bytes for the CreateFunction operation`);
      await assertUnharmed();
    });

    test('the same without Content-Length (chunked) is 413 too', async () => {
      const big = Buffer.alloc(CREATE_LIMIT + 1024, 0x20);
      const res = await raw('POST', '/2015-03-31/functions', { body: big, chunked: true });
      assertAwsError(res, 413, 'RequestEntityTooLargeException', `Request must be smaller than ${CREATE_LIMIT} bytes for the CreateFunction operation`);
      await assertUnharmed();
    });

    // Just over 50 MiB: as base64 in JSON it still fits the request limit, so the zip's own limit answers.
    const overZipLimit = (): Buffer => makeZip([{ name: 'blob.bin', content: randomBytes(52_500_000), store: true }]);

    test('a zip over 50 MiB is 413 "Zipped size must be smaller than 52428800 bytes" (through the SDK)', async () => {
      const zip = overZipLimit();
      try {
        await sdk.send(
          new CreateFunctionCommand({ FunctionName: 'too-zipped', Runtime: 'python3.12', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: zip } }),
        );
        assert.fail('expected 413');
      } catch (err) {
        const e = err as Error & { $metadata?: { httpStatusCode?: number } };
        assert.equal(e.name, 'RequestEntityTooLargeException', e.message);
        assert.equal(e.$metadata?.httpStatusCode, 413);
        assert.equal(e.message, 'Zipped size must be smaller than 52428800 bytes');
      }
      await assertUnharmed('too-zipped');
    });

    test('UpdateFunctionCode with a zip over 50 MiB is refused the same way and changes nothing', async () => {
      const zip = overZipLimit();
      const before = (await raw('GET', '/2015-03-31/functions/baseline/configuration')).json();
      const res = await raw('PUT', '/2015-03-31/functions/baseline/code', { body: JSON.stringify({ ZipFile: zip.toString('base64') }) });
      assertAwsError(res, 413, 'RequestEntityTooLargeException', 'Zipped size must be smaller than 52428800 bytes');
      const after = (await raw('GET', '/2015-03-31/functions/baseline/configuration')).json();
      assert.equal(after.CodeSha256, before.CodeSha256);
      assert.equal(after.RevisionId, before.RevisionId);
      await assertUnharmed();
    });

    test('an oversized header is refused without harm', async () => {
      const res = await raw('GET', '/2015-03-31/functions', { headers: { 'x-junk': 'j'.repeat(64 * 1024) }, unsigned: true }).catch(
        () => undefined,
      );
      if (res) assert.ok(res.status === 431 || res.status === 400 || res.status === 403, String(res.status));
      await assertUnharmed();
    });

    test('an upload cut off mid-body leaves nothing behind', async () => {
      const body = Buffer.from(createBody('cut-off'));
      const url = new URL('/2015-03-31/functions', lamina.url);
      const headers = signRequest({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body }, CREDENTIALS, {
        region: REGION,
        service: 'lambda',
      });
      await new Promise<void>((resolve) => {
        const req = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) }, agent: false });
        req.on('error', () => resolve());
        req.write(body.subarray(0, 100), () => {
          req.destroy();
          resolve();
        });
      });
      await new Promise((r) => setTimeout(r, 100));
      await assertUnharmed('cut-off');
    });
  });

  describe('zips', () => {
    test('bytes that are no zip', async () => {
      for (const bytes of [Buffer.from('this is not a zipfile, just a random string'), Buffer.alloc(0), randomBytes(4096), Buffer.from('PK\u0003\u0004')]) {
        assertAwsError(await createWithZip('not-zip', bytes), 400, 'InvalidParameterValueException', UNZIP);
      }
      await assertUnharmed('not-zip');
    });

    test('a truncated zip and one with a bad CRC', async () => {
      const good = makeZip({ 'index.py': 'def handler(e, c):\n    return 1\n' });
      assertAwsError(await createWithZip('truncated', good.subarray(0, good.length - 10)), 400, 'InvalidParameterValueException', UNZIP);
      const badCrc = Buffer.from(makeZip([{ name: 'index.py', content: 'x = 1\n', store: true }]));
      badCrc.writeUInt32LE(0xdeadbeef, 14);
      badCrc.writeUInt32LE(0xdeadbeef, 30 + 'index.py'.length + 6 + 16);
      assertAwsError(await createWithZip('bad-crc', badCrc), 400, 'InvalidParameterValueException', UNZIP);
      await assertUnharmed('truncated');
      await assertUnharmed('bad-crc');
    });

    test('path traversal in entry names is refused and writes nothing outside', async () => {
      const marker = `lamina-escape-${process.pid}`;
      const names = [
        `../${marker}.py`,
        `../../${marker}.py`,
        `a/../../${marker}.py`,
        `/tmp/${marker}.py`,
        `C:/${marker}.py`,
        `..\\${marker}.py`,
      ];
      for (const name of names) {
        const zip = makeZip([
          { name: 'index.py', content: 'def handler(e, c):\n    return 1\n' },
          { name, content: 'print("escaped")\n' },
        ]);
        assertAwsError(await createWithZip('traversal', zip), 400, 'InvalidParameterValueException', UNZIP);
      }
      for (const dir of [lamina.dataDir, path.dirname(lamina.dataDir), path.join(lamina.dataDir, 'code'), '/tmp', '/']) {
        assert.equal(existsSync(path.join(dir, `${marker}.py`)), false, `nothing written to ${dir}`);
      }
      await assertUnharmed('traversal');
    });

    test('a file written through a symlink that leaves the tree is refused', async () => {
      const marker = `lamina-link-${process.pid}`;
      const zip = makeZip([
        { name: 'index.py', content: 'def handler(e, c):\n    return 1\n' },
        { name: 'out', content: '/tmp', kind: 'symlink' },
        { name: `out/${marker}.py`, content: 'print("escaped")\n' },
      ]);
      assertAwsError(await createWithZip('through-link', zip), 400, 'InvalidParameterValueException', UNZIP);
      assert.equal(existsSync(path.join('/tmp', `${marker}.py`)), false);
      await assertUnharmed('through-link');
    });

    test('a zip bomb (one entry inflating past 250 MB) is refused with AWS message', async () => {
      const zip = makeZip([{ name: 'bomb.bin', content: Buffer.alloc(262_144_001) }]);
      assert.ok(zip.length < 1024 * 1024);
      assertAwsError(await createWithZip('bomb', zip), 400, 'InvalidParameterValueException', UNZIPPED_TOO_BIG);
      await assertUnharmed('bomb');
    });

    test('many entries that together inflate past 250 MB are refused', async () => {
      const chunk = Buffer.alloc(30 * 1024 * 1024);
      const zip = makeZip(Array.from({ length: 9 }, (_, i) => ({ name: `part-${i}.bin`, content: chunk })));
      assertAwsError(await createWithZip('bombs', zip), 400, 'InvalidParameterValueException', UNZIPPED_TOO_BIG);
      await assertUnharmed('bombs');
    });

    test('an entry whose headers lie about its size is refused', async () => {
      const zip = lyingZip('liar.bin', Buffer.alloc(300 * 1024 * 1024), 100);
      const res = await createWithZip('liar', zip);
      assertAwsError(res, 400, 'InvalidParameterValueException');
      assert.ok([UNZIP, UNZIPPED_TOO_BIG].includes(String(res.json().message)), String(res.json().message));
      await assertUnharmed('liar');
    });

    test('a zip of 65 535 empty entries does not take the server down', async () => {
      const zip = makeZip(Array.from({ length: 65_535 }, (_, i) => ({ name: `d/f${i}`, content: '', store: true })));
      const res = await createWithZip('crowded', zip);
      if (res.status === 201) {
        await raw('DELETE', '/2015-03-31/functions/crowded');
        // Unused code is removed in the background after a deletion.
        for (let i = 0; i < 100 && JSON.stringify(codeDirs()) !== JSON.stringify(baselineCode); i++) {
          await new Promise((r) => setTimeout(r, 200));
        }
      } else {
        assertAwsError(res, 400, 'InvalidParameterValueException');
      }
      await assertUnharmed('crowded');
    });
  });

  describe('unknown operations', () => {
    test('unknown paths are 404 UnknownOperationException', async () => {
      for (const [method, p] of [
        ['GET', '/2015-03-31/nope'],
        ['GET', '/'],
        ['POST', '/2015-03-31/functions/baseline/unknown'],
        ['GET', '/2099-01-01/functions'],
        ['GET', '/2015-03-31/functions/baseline/versions/1/extra'],
      ] as const) {
        const res = await raw(method, p, method === 'POST' ? { body: '{}' } : {});
        assertAwsError(res, 404, 'UnknownOperationException');
      }
      await assertUnharmed();
    });

    test('wrong methods on known paths are 404 UnknownOperationException', async () => {
      for (const [method, p] of [
        ['PATCH', '/2015-03-31/functions'],
        ['PUT', '/2015-03-31/functions'],
        ['DELETE', '/2015-03-31/functions'],
        ['POST', '/2015-03-31/functions/baseline'],
        ['PATCH', '/2015-03-31/functions/baseline/configuration'],
        ['DELETE', '/2015-03-31/functions/baseline/code'],
      ] as const) {
        const res = await raw(method, p, { body: '{}' });
        assertAwsError(res, 404, 'UnknownOperationException');
      }
      await assertUnharmed();
    });

    test('an unsigned request to an unknown path is refused before routing', async () => {
      const res = await raw('GET', '/2015-03-31/nope', { unsigned: true });
      assert.equal(res.status, 403);
      assert.equal(res.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException');
      await assertUnharmed();
    });
  });
});
