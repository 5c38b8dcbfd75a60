// Cross-checks against signers we did not write: requests signed by @smithy/signature-v4 (the
// AWS SDK for JavaScript's signer) and by botocore (the AWS CLI's, run through python3) must
// verify, and our signer must produce smithy's signatures byte for byte.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { ApiError } from '../model/index.js';
import { type IncomingSignedRequest, createVerifier, presignUrl, signRequest } from './index.js';

const T0 = Date.UTC(2015, 7, 30, 12, 36, 0);
const AMZ_T0 = '20150830T123600Z';
// The example credentials of AWS's SigV4 documentation and test suite.
const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const TOKEN = 'IQoJb3JpZ2luX2VjEN3//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+example+token=';
const REGION = 'us-east-1';

const verify = createVerifier({
  region: REGION,
  services: ['lambda', 'logs', 'service'],
  secretFor: (id) => (id === CREDS.accessKeyId ? CREDS.secretAccessKey : undefined),
  now: () => T0,
});

// --- smithy ---------------------------------------------------------------------------------

type HttpRequest = Parameters<SignatureV4['presign']>[0];
type QueryParameterBag = NonNullable<HttpRequest['query']>;
type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytes = (d: SourceData): Buffer =>
  typeof d === 'string'
    ? Buffer.from(d, 'utf8')
    : ArrayBuffer.isView(d)
      ? Buffer.from(d.buffer, d.byteOffset, d.byteLength)
      : Buffer.from(d);

/** The SHA-256/HMAC primitive smithy asks for (the SDK passes @aws-crypto's; node's is equivalent). */
class NodeSha256 {
  readonly #hash;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

const smithy = (service: string, sessionToken?: string): SignatureV4 =>
  new SignatureV4({
    service,
    region: REGION,
    credentials: sessionToken === undefined ? CREDS : { ...CREDS, sessionToken },
    sha256: NodeSha256,
    applyChecksum: false, // add no x-amz-content-sha256 header unless a case sends one
  });

/** The query string the SDK's HTTP handlers send: keys and values escaped like encodeURIComponent, plus !'()*. */
function sdkQueryString(query: QueryParameterBag): string {
  const escape = (s: string): string =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return Object.entries(query)
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => (x === null ? escape(k) : `${escape(k)}=${escape(x)}`)))
    .join('&');
}

/** The SDK's view of a query: decoded values, arrays for repeated keys. */
function queryBag(rawQuery: string): QueryParameterBag {
  const bag: Record<string, string | string[]> = {};
  for (const pair of rawQuery.split('&').filter(Boolean)) {
    const eq = pair.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
    const prev = bag[key];
    bag[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return bag;
}

// --- botocore -------------------------------------------------------------------------------

const BOTOCORE_SKIP = ((): string | false => {
  const probe = spawnSync('python3', ['-c', 'import botocore'], { stdio: 'ignore' });
  if (probe.status === 0) return false;
  if (process.env.LAMINA_REQUIRE_ALL === '1') throw new Error('CI must not skip: python3 with botocore is required by the sigv4 interop tests');
  return 'python3 with botocore is not installed';
})();

/** Signs a batch of requests with botocore's SigV4Auth / SigV4QueryAuth at a fixed time. */
const BOTOCORE_SIGNER = `
import base64, datetime, json, sys
import botocore.auth as auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
out = []
for c in json.load(sys.stdin):
    ts = datetime.datetime.strptime(c['amzDate'], '%Y%m%dT%H%M%SZ')
    auth.get_current_datetime = lambda ts=ts: ts
    creds = Credentials(c['accessKeyId'], c['secretAccessKey'], c.get('sessionToken'))
    req = AWSRequest(method=c['method'], url=c['url'], headers=c['headers'], data=base64.b64decode(c['body']))
    if c['mode'] == 'presign':
        auth.SigV4QueryAuth(creds, c['service'], c['region'], expires=c['expires']).add_auth(req)
    else:
        auth.SigV4Auth(creds, c['service'], c['region']).add_auth(req)
    out.append({'url': req.url, 'headers': dict(req.headers.items())})
print(json.dumps(out))
`;

interface BotocoreInput {
  mode: 'header' | 'presign';
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string; // base64
  service: string;
  region: string;
  amzDate: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expires?: number;
}
interface BotocoreOutput {
  url: string;
  headers: Record<string, string>;
}

function botocoreSign(inputs: BotocoreInput[]): BotocoreOutput[] {
  const r = spawnSync('python3', ['-c', BOTOCORE_SIGNER], { input: JSON.stringify(inputs), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as BotocoreOutput[];
}

const lowerKeys = (h: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

function splitUrl(url: string): { rawPath: string; rawQuery: string } {
  const rest = url.slice(url.indexOf('/', url.indexOf('//') + 2));
  const q = rest.indexOf('?');
  return q < 0 ? { rawPath: rest, rawQuery: '' } : { rawPath: rest.slice(0, q), rawQuery: rest.slice(q + 1) };
}

// --- the requests -----------------------------------------------------------------------------

interface Case {
  name: string;
  method: string;
  host: string;
  /** On the wire: the path as encoded, the query as encoded (canonically, for botocore). */
  rawPath: string;
  rawQuery: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  service?: string;
  sessionToken?: string;
  /** botocore signs the query as it stands, so a non-canonical wire query is smithy-only. */
  smithyOnly?: boolean;
}

const LAMBDA_HOST = 'lambda.us-east-1.amazonaws.com';
const BINARY = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 37 + 11) % 256));
const JSON_BODY = '{"FunctionName":"my-fn","Runtime":"nodejs20.x","Handler":"index.handler","MemorySize":128}';

/** A request to Lambda; `target` is the path and query exactly as on the wire. */
function lambda(name: string, method: string, target: string, extra: Partial<Case> = {}): Case {
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  return { name, method, host: LAMBDA_HOST, rawPath, rawQuery: q < 0 ? '' : target.slice(q + 1), headers: {}, ...extra };
}

const ARN = 'arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn%3A%24LATEST';
const CASES: Case[] = [
  lambda('GET with Qualifier=%24LATEST', 'GET', '/2015-03-31/functions/my-fn/configuration?Qualifier=%24LATEST'),
  lambda('an empty query value', 'GET', '/2015-03-31/functions/?FunctionVersion=ALL&Marker=&MaxItems=50'),
  lambda('repeated query keys', 'GET', '/2015-03-31/tags/x?tag=b&tag=a%20c&tag=a&tag=10'),
  lambda('query values that need encoding', 'GET', '/x?q=a%2Fb%2B%20c%26d%3De&%C3%A9=%E6%97%A5%E6%9C%AC&star=%2A%21%27%28%29'),
  lambda('a path with %3A and %24 (a qualified ARN)', 'POST', `/2015-03-31/functions/${ARN}/invocations`, {
    headers: { 'content-type': 'application/json', 'x-amz-invocation-type': 'RequestResponse' },
    body: '{"key":"value"}',
  }),
  lambda('a raw $ and : in the path', 'GET', '/2015-03-31/functions/my-fn:prod/policy/$LATEST'),
  lambda('a JSON POST body', 'POST', '/2015-03-31/functions', {
    headers: { 'content-type': 'application/json', 'content-length': String(JSON_BODY.length) },
    body: JSON_BODY,
  }),
  lambda('a binary body', 'POST', '/2015-03-31/functions/f/invocations', {
    headers: { 'content-type': 'application/octet-stream' },
    body: BINARY,
  }),
  lambda('unicode in path, query, header and body', 'POST', '/2015-03-31/functions/caf%C3%A9/invocations?name=%E6%97%A5%F0%9F%98%80', {
    headers: { 'x-amz-meta-city': 'Zürich', 'content-type': 'application/json; charset=utf-8' },
    body: '{"msg":"héllo 日本 😀"}',
  }),
  lambda('UNSIGNED-PAYLOAD', 'PUT', '/2015-03-31/functions/f/code', {
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    body: BINARY,
  }),
  lambda('an explicit body hash', 'POST', '/2015-03-31/functions', {
    headers: { 'x-amz-content-sha256': createHash('sha256').update(JSON_BODY).digest('hex') },
    body: JSON_BODY,
  }),
  lambda('a session token', 'GET', '/2015-03-31/functions', { sessionToken: TOKEN }),
  lambda('whitespace runs in header values', 'GET', '/2015-03-31/functions', {
    headers: { 'x-amz-meta-note': '  a   b \t c  ', 'x-amz-meta-quoted': '"x    y"' },
  }),
  lambda('dot segments and duplicate slashes', 'GET', '/2015-03-31//functions/./a/../my-fn'),
  lambda('a host with a port', 'GET', '/2015-03-31/functions', { host: '127.0.0.1:9001' }),
  {
    name: 'CloudWatch Logs (AWS JSON 1.1)',
    method: 'POST',
    host: 'logs.us-east-1.amazonaws.com',
    rawPath: '/',
    rawQuery: '',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Logs_20140328.DescribeLogGroups' },
    body: '{"logGroupNamePrefix":"/aws/lambda/"}',
    service: 'logs',
  },
  lambda('a non-canonical wire query (lower-case hex, escaped ~)', 'GET', '/x?b=%7e&a=%e6%97%a5', { smithyOnly: true }),
];

const bodyOf = (c: Case): Buffer => Buffer.from(c.body ?? '');
const received = (c: Case, headers: Record<string, string>, rawPath = c.rawPath, rawQuery = c.rawQuery): IncomingSignedRequest => ({
  method: c.method,
  rawPath,
  rawQuery,
  headers: lowerKeys(headers),
  body: bodyOf(c),
});

async function smithySigned(c: Case): Promise<Record<string, string>> {
  const request: HttpRequest = {
    method: c.method,
    protocol: 'https:',
    hostname: c.host,
    path: c.rawPath,
    query: queryBag(c.rawQuery),
    headers: { host: c.host, ...c.headers },
    body: c.body,
  };
  const signed = await smithy(c.service ?? 'lambda', c.sessionToken).sign(request, { signingDate: new Date(T0) });
  return signed.headers;
}

function botocoreInput(c: Case, mode: 'header' | 'presign'): BotocoreInput {
  return {
    mode,
    method: c.method,
    url: `https://${c.host}${c.rawPath}${c.rawQuery ? `?${c.rawQuery}` : ''}`,
    headers: { host: c.host, ...c.headers },
    body: bodyOf(c).toString('base64'),
    service: c.service ?? 'lambda',
    region: REGION,
    amzDate: AMZ_T0,
    ...CREDS,
    ...(c.sessionToken === undefined ? {} : { sessionToken: c.sessionToken }),
    expires: 900,
  };
}

// --- tests ----------------------------------------------------------------------------------

describe('known answer: the get-vanilla request of AWS\'s SigV4 test suite', () => {
  // GET / on example.amazonaws.com, service "service", us-east-1, 20150830T123600Z, signing host and x-amz-date.
  const vanilla: Case = { ...lambda('get-vanilla', 'GET', '/'), host: 'example.amazonaws.com', service: 'service' };

  it('gives the signature smithy and botocore give', { skip: BOTOCORE_SKIP }, async () => {
    const fromSmithy = (await smithySigned(vanilla)).authorization!;
    const [fromBotocore] = botocoreSign([botocoreInput(vanilla, 'header')]);
    const url = new URL('https://example.amazonaws.com/');
    const ours = signRequest({ method: 'GET', url }, CREDS, { region: REGION, service: 'service' }, new Date(T0));
    assert.match(
      ours.authorization!,
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20150830\/us-east-1\/service\/aws4_request, SignedHeaders=host;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    assert.equal(ours.authorization, fromSmithy);
    assert.equal(ours.authorization, lowerKeys(fromBotocore!.headers).authorization);
    assert.deepEqual(ours, { host: 'example.amazonaws.com', 'x-amz-date': AMZ_T0, authorization: fromSmithy });
    assert.deepEqual(verify(received(vanilla, ours)), { accessKeyId: 'AKIDEXAMPLE', service: 'service' });
  });
});

describe('requests signed by @smithy/signature-v4 verify', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const headers = await smithySigned(c);
      assert.deepEqual(verify(received(c, headers)), { accessKeyId: 'AKIDEXAMPLE', service: c.service ?? 'lambda' });
      if (c.headers['x-amz-content-sha256'] === 'UNSIGNED-PAYLOAD') {
        verify({ ...received(c, headers), body: Buffer.from('a different body') });
      } else {
        assert.throws(() => verify({ ...received(c, headers), body: Buffer.concat([bodyOf(c), Buffer.from(' ')]) }), ApiError);
      }
    });
  }
});

describe('requests signed by botocore verify', { skip: BOTOCORE_SKIP }, () => {
  const cases = CASES.filter((c) => !c.smithyOnly);
  let signed: BotocoreOutput[] = [];
  before(() => {
    signed = botocoreSign(cases.map((c) => botocoreInput(c, 'header')));
  });
  cases.forEach((c, i) => {
    it(c.name, () => {
      const { rawPath, rawQuery } = splitUrl(signed[i]!.url);
      assert.equal(`${rawPath}?${rawQuery}`, `${c.rawPath}?${c.rawQuery}`);
      assert.deepEqual(verify(received(c, signed[i]!.headers)), { accessKeyId: 'AKIDEXAMPLE', service: c.service ?? 'lambda' });
    });
  });
});

describe('signRequest computes what smithy computes', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      // The URL parser may normalise the path (dot segments): give smithy what will be sent.
      const url = new URL(`https://${c.host}${c.rawPath}${c.rawQuery ? `?${c.rawQuery}` : ''}`);
      const ours = signRequest(
        { method: c.method, url, headers: c.headers, ...(c.body === undefined ? {} : { body: c.body }) },
        c.sessionToken === undefined ? CREDS : { ...CREDS, sessionToken: c.sessionToken },
        { region: REGION, service: c.service ?? 'lambda' },
        new Date(T0),
      );
      const theirs = await smithySigned({ ...c, rawPath: url.pathname, rawQuery: url.search.slice(1) });
      assert.equal(ours.authorization, theirs.authorization);
      assert.deepEqual(ours, lowerKeys(theirs));
      verify(received(c, ours, url.pathname, url.search.slice(1)));
    });
  }
});

describe('presigned URLs', () => {
  const c = lambda('presign', 'GET', '/2015-03-31/functions/my-fn:prod/configuration?Qualifier=%24LATEST&x=a%20b');
  const base: HttpRequest = {
    method: 'GET',
    protocol: 'https:',
    hostname: c.host,
    path: c.rawPath,
    query: queryBag(c.rawQuery),
    headers: { host: c.host },
  };
  type PresignOptions = Parameters<SignatureV4['presign']>[1];
  const fromSmithy = async (request: HttpRequest, options: PresignOptions, token?: string): Promise<IncomingSignedRequest> => {
    const p = await smithy('lambda', token).presign(request, { signingDate: new Date(T0), expiresIn: 900, ...options });
    const rawQuery = sdkQueryString(p.query ?? {});
    return { method: p.method, rawPath: p.path, rawQuery, headers: lowerKeys(p.headers), body: Buffer.alloc(0) };
  };

  it('from smithy (body hash of the empty body) verify, until they expire', async () => {
    const req = await fromSmithy(base, {});
    assert.match(req.rawQuery, /X-Amz-Expires=900/);
    verify(req);
    assert.throws(
      () => createVerifier({ region: REGION, services: ['lambda'], secretFor: () => CREDS.secretAccessKey, now: () => T0 + 901_000 })(
        req,
      ),
      (e: unknown) => e instanceof ApiError && e.code === 'AccessDeniedException' && e.message === 'Request has expired',
    );
  });

  it('from smithy with a session token verify', async () => {
    const req = await fromSmithy(base, {}, TOKEN);
    assert.match(req.rawQuery, /X-Amz-Security-Token=/);
    verify(req);
  });

  it('from smithy with a hoisted x-amz-content-sha256=UNSIGNED-PAYLOAD verify with any body', async () => {
    const unsigned = { ...base, method: 'POST', headers: { ...base.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } };
    const req = await fromSmithy(unsigned, {});
    assert.match(req.rawQuery, /x-amz-content-sha256=UNSIGNED-PAYLOAD/);
    verify({ ...req, body: Buffer.from('{"any":"body"}') });
  });

  it('from presignUrl carry smithy\'s signature for UNSIGNED-PAYLOAD and host only', async () => {
    const url = new URL(`https://${c.host}${c.rawPath}?${c.rawQuery}`);
    const ours = presignUrl(url, 'GET', CREDS, { region: REGION, service: 'lambda' }, 900, new Date(T0));
    const unsigned = new Set(['x-amz-content-sha256']);
    const theirs = await fromSmithy(
      { ...base, headers: { ...base.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } },
      { unhoistableHeaders: unsigned, unsignableHeaders: unsigned },
    );
    assert.equal(ours.searchParams.get('X-Amz-Signature'), new URLSearchParams(theirs.rawQuery).get('X-Amz-Signature'));
    const rawQuery = ours.search.slice(1);
    verify({ method: 'GET', rawPath: ours.pathname, rawQuery, headers: { host: ours.host }, body: Buffer.alloc(0) });
  });

  it('from botocore (SigV4QueryAuth) verify', { skip: BOTOCORE_SKIP }, () => {
    const post: Case = { ...c, method: 'POST', name: 'presign POST' };
    const [get, postSigned] = botocoreSign([botocoreInput(c, 'presign'), botocoreInput(post, 'presign')]);
    for (const [signedCase, out] of [[c, get!], [post, postSigned!]] as const) {
      const { rawPath, rawQuery } = splitUrl(out.url);
      assert.match(rawQuery, /X-Amz-Signature=[0-9a-f]{64}$/);
      verify({ method: signedCase.method, rawPath, rawQuery, headers: { host: c.host }, body: Buffer.alloc(0) });
    }
  });

  it('from botocore scoped elsewhere are refused with AWS\'s message', { skip: BOTOCORE_SKIP }, () => {
    const [out] = botocoreSign([{ ...botocoreInput(c, 'presign'), region: 'eu-central-1', service: 'sqs' }]);
    const { rawPath, rawQuery } = splitUrl(out!.url);
    assert.throws(
      () => verify({ method: 'GET', rawPath, rawQuery, headers: { host: c.host }, body: Buffer.alloc(0) }),
      (e: unknown) =>
        e instanceof ApiError &&
        e.message ===
          "Credential should be scoped to a valid region, not 'eu-central-1'. " +
            "Credential should be scoped to correct service: 'lambda'. ",
    );
  });
});
