// Signature V4 at Lamina's front door, seen from outside: missing, unknown, wrong and tampered
// signatures, clock skew, presigned URLs (Lamina's and botocore's), UNSIGNED-PAYLOAD, scope
// errors; and the start-up rule that a non-loopback address needs explicit credentials.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { presignUrl, signRequest } from '../../src/sigv4/index.js';
import { awsFailure } from '../helpers/aws-errors.js';
import { CREDENTIALS, type LaminaProcess, REGION, REPO_ROOT, ROLE, startLamina } from '../helpers/lamina.js';
import { missing } from '../helpers/requirements.js';
import { makeZip } from '../helpers/zip.js';

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const AMZ_DATE = '\\d{8}T\\d{6}Z';
const NO_BOTO3 = missing('python3', ['-c', 'import boto3'], 'python3-boto3');
const MINUTE = 60_000;

let lamina: LaminaProcess;

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

function send(url: URL, method: string, headers: Record<string, string>, body: Buffer | string = ''): Promise<Answer> {
  const payload = Buffer.from(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...headers, 'content-length': String(payload.length) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: Record<string, unknown> = {};
        try {
          parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          parsed = { raw: text };
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

interface SignOptions {
  readonly creds?: { accessKeyId: string; secretAccessKey: string };
  readonly now?: Date;
  readonly region?: string;
  readonly service?: string;
  readonly headers?: Record<string, string>;
}

/** Signs `method target` with `body` and returns the headers to send. */
function signed(method: string, target: string, body: Buffer | string = '', o: SignOptions = {}): { url: URL; headers: Record<string, string> } {
  const url = new URL(target, lamina.url);
  const headers = signRequest(
    { method, url, headers: { 'content-type': 'application/json', ...o.headers }, body },
    o.creds ?? CREDENTIALS,
    { region: o.region ?? REGION, service: o.service ?? 'lambda' },
    o.now,
  );
  return { url, headers };
}

async function call(method: string, target: string, body: Buffer | string = '', o: SignOptions = {}): Promise<Answer> {
  const { url, headers } = signed(method, target, body, o);
  return send(url, method, headers, body);
}

function assertDenied(a: Answer, status: number, code: string, message?: string | RegExp): void {
  assert.equal(a.status, status, JSON.stringify(a.body));
  assert.equal(a.headers['x-amzn-errortype'], code);
  assert.ok(a.headers['x-amzn-requestid']);
  const text = String(a.body.message ?? a.body.Message ?? '');
  if (typeof message === 'string') assert.equal(text, message);
  else if (message) assert.match(text, message);
}

/** A CreateFunction request body, as JSON text. */
const createBody = (name: string): string =>
  JSON.stringify({
    FunctionName: name,
    Runtime: 'python3.12',
    Role: ROLE,
    Handler: 'index.handler',
    Code: { ZipFile: makeZip({ 'index.py': 'x = 1\n' }).toString('base64') },
  });

const client = (creds: { accessKeyId: string; secretAccessKey: string }, extra: Record<string, unknown> = {}): LambdaClient =>
  new LambdaClient({ endpoint: lamina.url, region: REGION, credentials: creds, maxAttempts: 1, ...extra });

async function sdkError(c: LambdaClient): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    const { name, status, message } = await awsFailure(c.send(new ListFunctionsCommand({})), 'expected the call to be refused');
    return { name, status, message };
  } finally {
    c.destroy();
  }
}

describe('authentication', () => {
  before(async () => {
    lamina = await startLamina();
  });
  after(async () => {
    await lamina.dispose();
  });

  test('/health needs no signature', async () => {
    const a = await send(new URL('/health', lamina.url), 'GET', {});
    assert.equal(a.status, 200);
    assert.equal(a.body.status, 'ok');
  });

  test('a correctly signed request passes', async () => {
    const a = await call('GET', '/2015-03-31/functions');
    assert.equal(a.status, 200);
    assert.deepEqual(a.body.Functions, []);
  });

  test('no signature at all: 403 MissingAuthenticationTokenException', async () => {
    for (const target of ['/2015-03-31/functions', '/2015-03-31/functions/x/invocations', '/2016-08-19/account-settings']) {
      const a = await send(new URL(target, lamina.url), 'GET', {});
      assertDenied(a, 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    }
  });

  test('an unknown access key: 403 UnrecognizedClientException (raw and through the SDK)', async () => {
    const a = await call('GET', '/2015-03-31/functions', '', { creds: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'whatever' } });
    assertDenied(a, 403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    const e = await sdkError(client({ accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'whatever' }));
    assert.equal(e.name, 'UnrecognizedClientException');
    assert.equal(e.status, 403);
    assert.equal(e.message, 'The security token included in the request is invalid.');
  });

  test('the wrong secret: 403 InvalidSignatureException (raw and through the SDK)', async () => {
    const a = await call('GET', '/2015-03-31/functions', '', { creds: { accessKeyId: 'test', secretAccessKey: 'wrong' } });
    assertDenied(a, 403, 'InvalidSignatureException', MISMATCH);
    const e = await sdkError(client({ accessKeyId: 'test', secretAccessKey: 'wrong' }));
    assert.equal(e.name, 'InvalidSignatureException');
    assert.equal(e.status, 403);
    assert.ok(e.message.startsWith(MISMATCH), e.message);
  });

  test('a tampered body, path, query or signed header: 403 InvalidSignatureException, nothing done', async () => {
    const body = createBody('tampered');
    const { url, headers } = signed('POST', '/2015-03-31/functions', body);
    const evil = body.replace('tampered', 'tampere2');
    assertDenied(await send(url, 'POST', headers, evil), 403, 'InvalidSignatureException', MISMATCH);

    const list = signed('GET', '/2015-03-31/functions?MaxItems=5');
    assertDenied(await send(new URL('/2015-03-31/functions?MaxItems=6', lamina.url), 'GET', list.headers), 403, 'InvalidSignatureException', MISMATCH);
    assertDenied(await send(new URL('/2015-03-31/functions/tampered', lamina.url), 'GET', list.headers), 403, 'InvalidSignatureException', MISMATCH);
    assertDenied(await send(list.url, 'GET', { ...list.headers, 'content-type': 'text/plain' }), 403, 'InvalidSignatureException', MISMATCH);
    assertDenied(await send(list.url, 'DELETE', list.headers), 403, 'InvalidSignatureException', MISMATCH);

    const check = await call('GET', '/2015-03-31/functions/tampered');
    assert.equal(check.status, 404);
    const check2 = await call('GET', '/2015-03-31/functions/tampere2');
    assert.equal(check2.status, 404);
  });

  test('a declared X-Amz-Content-SHA256 that does not match the body is refused', async () => {
    const wrong = 'a'.repeat(64);
    const { url, headers } = signed('POST', '/2015-03-31/functions', '{}', { headers: { 'x-amz-content-sha256': wrong } });
    assertDenied(await send(url, 'POST', headers, '{}'), 403, 'InvalidSignatureException', MISMATCH);
  });

  test('UNSIGNED-PAYLOAD is accepted, and the body is still read', async () => {
    const body = createBody('unsigned-payload');
    const { url, headers } = signed('POST', '/2015-03-31/functions', 'ignored', { headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    const a = await send(url, 'POST', headers, body);
    assert.equal(a.status, 201, JSON.stringify(a.body));
    assert.equal(a.body.FunctionName, 'unsigned-payload');
  });

  test('a clock more than 5 minutes behind: Signature expired', async () => {
    const a = await call('GET', '/2015-03-31/functions', '', { now: new Date(Date.now() - 6 * MINUTE) });
    assertDenied(
      a, 403, 'InvalidSignatureException',
      new RegExp(`^Signature expired: ${AMZ_DATE} is now earlier than ${AMZ_DATE} \\(${AMZ_DATE} - 5 min\\.\\)$`),
    );
    const e = await sdkError(client(CREDENTIALS, { systemClockOffset: -6 * MINUTE }));
    assert.equal(e.name, 'InvalidSignatureException');
    assert.match(e.message, /^Signature expired: /);
  });

  test('a clock more than 5 minutes ahead: Signature not yet current', async () => {
    const a = await call('GET', '/2015-03-31/functions', '', { now: new Date(Date.now() + 6 * MINUTE) });
    assertDenied(
      a, 403, 'InvalidSignatureException',
      new RegExp(`^Signature not yet current: ${AMZ_DATE} is still later than ${AMZ_DATE} \\(${AMZ_DATE} \\+ 5 min\\.\\)$`),
    );
    const e = await sdkError(client(CREDENTIALS, { systemClockOffset: 6 * MINUTE }));
    assert.equal(e.name, 'InvalidSignatureException');
    assert.match(e.message, /^Signature not yet current: /);
  });

  test('a clock 4 minutes off either way is still accepted', async () => {
    for (const offset of [-4 * MINUTE, 4 * MINUTE]) {
      const a = await call('GET', '/2015-03-31/functions', '', { now: new Date(Date.now() + offset) });
      assert.equal(a.status, 200, `${offset}: ${JSON.stringify(a.body)}`);
    }
  });

  test('a scope naming another region or service is refused', async () => {
    assertDenied(
      await call('GET', '/2015-03-31/functions', '', { region: 'eu-west-1' }),
      403, 'InvalidSignatureException', /Credential should be scoped to a valid region, not 'eu-west-1'/,
    );
    assertDenied(
      await call('GET', '/2015-03-31/functions', '', { service: 's3' }),
      403, 'InvalidSignatureException', /Credential should be scoped to correct service: 'lambda'/,
    );
  });

  test('a malformed Authorization header is IncompleteSignatureException', async () => {
    const url = new URL('/2015-03-31/functions', lamina.url);
    for (const auth of ['AWS4-HMAC-SHA256 garbage', 'AWS4-HMAC-SHA256 Credential=test/20200101/us-east-1/lambda/aws4_request']) {
      const a = await send(url, 'GET', { authorization: auth, 'x-amz-date': '20200101T000000Z' });
      assert.equal(a.headers['x-amzn-errortype'], 'IncompleteSignatureException', JSON.stringify(a.body));
      assert.ok(a.status === 400 || a.status === 403);
    }
    const noDate = signed('GET', '/2015-03-31/functions');
    const { 'x-amz-date': _d, ...withoutDate } = noDate.headers;
    const a = await send(noDate.url, 'GET', withoutDate);
    assert.ok(a.status === 400 || a.status === 403, String(a.status));
  });

  test('presigned URLs: valid, expired, tampered', async () => {
    const base = new URL('/2015-03-31/functions', lamina.url);
    const good = presignUrl(base, 'GET', CREDENTIALS, { region: REGION, service: 'lambda' }, 60);
    assert.equal((await send(good, 'GET', {})).status, 200);

    const old = presignUrl(base, 'GET', CREDENTIALS, { region: REGION, service: 'lambda' }, 60, new Date(Date.now() - 2 * MINUTE));
    const expired = await send(old, 'GET', {});
    assert.equal(expired.status, 403, JSON.stringify(expired.body));
    assert.match(String(expired.body.message ?? expired.body.Message), /expired/i);
    assert.ok(['AccessDeniedException', 'InvalidSignatureException'].includes(String(expired.headers['x-amzn-errortype'])));

    const tampered = new URL(good);
    tampered.searchParams.set('MaxItems', '3');
    assertDenied(await send(tampered, 'GET', {}), 403, 'InvalidSignatureException', MISMATCH);

    const wrongKey = presignUrl(base, 'GET', { accessKeyId: 'test', secretAccessKey: 'nope' }, { region: REGION, service: 'lambda' }, 60);
    assertDenied(await send(wrongKey, 'GET', {}), 403, 'InvalidSignatureException', MISMATCH);
  });

  test('botocore presigned URLs work, and expire', { skip: NO_BOTO3 }, async () => {
    const r = await lamina.boto3(
      'import time\n' +
        'print(lambda_client.generate_presigned_url("list_functions", ExpiresIn=120))\n' +
        'print(lambda_client.generate_presigned_url("list_functions", ExpiresIn=1))\n',
    );
    assert.equal(r.code, 0, r.stderr);
    const [valid, short] = r.stdout.trim().split('\n');
    const ok = await send(new URL(valid!), 'GET', {});
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const late = await send(new URL(short!), 'GET', {});
    assert.equal(late.status, 403, JSON.stringify(late.body));
  });
});

describe('start-up credentials', () => {
  function serve(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lamina-auth-'));
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'lamina.js'), 'serve'], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LAMINA_PORT: '0', LAMINA_DATA_DIR: dataDir, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => {
        output += d.toString();
        // It must not get this far; stop it if it does.
        if (output.includes('Lamina listening')) child.kill('SIGTERM');
      });
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        rmSync(dataDir, { recursive: true, force: true });
        resolve({ code, output });
      });
    });
  }

  test('a non-loopback LAMINA_HOST without explicit credentials is refused at start', async () => {
    const r = await serve({ LAMINA_HOST: '0.0.0.0' });
    assert.notEqual(r.code, 0);
    assert.ok(!r.output.includes('Lamina listening'), r.output);
    assert.match(r.output, /LAMINA_ROOT_ACCESS_KEY_ID/);
    assert.match(r.output, /LAMINA_ROOT_SECRET_ACCESS_KEY/);
  });

  test('only one of the two credentials is refused too', async () => {
    const r = await serve({ LAMINA_HOST: '127.0.0.1', LAMINA_ROOT_ACCESS_KEY_ID: 'AKIDONLY' });
    assert.notEqual(r.code, 0);
    assert.match(r.output, /LAMINA_ROOT_SECRET_ACCESS_KEY/);
  });

  test('with explicit credentials it starts on 0.0.0.0, and only those credentials are accepted', async () => {
    const creds = { accessKeyId: 'AKIDLAMINAEXPLICIT', secretAccessKey: 'explicit-secret-1234' };
    const open = await startLamina({
      env: { LAMINA_HOST: '0.0.0.0', LAMINA_ROOT_ACCESS_KEY_ID: creds.accessKeyId, LAMINA_ROOT_SECRET_ACCESS_KEY: creds.secretAccessKey },
    });
    try {
      const endpoint = `http://127.0.0.1:${open.port}`;
      const good = new LambdaClient({ endpoint, region: REGION, credentials: creds, maxAttempts: 1 });
      const out = await good.send(new ListFunctionsCommand({}));
      assert.deepEqual(out.Functions, []);
      good.destroy();
      const bad = new LambdaClient({ endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
      await assert.rejects(bad.send(new ListFunctionsCommand({})), (err: Error) => err.name === 'UnrecognizedClientException');
      bad.destroy();
    } finally {
      await open.dispose();
    }
  });
});
