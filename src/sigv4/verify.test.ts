// The verifier's answers, case by case: what passes, and the AWS exception and message for
// each way a signature can fail. Valid requests come from our signer (interop.test.ts checks
// that signer against the AWS SDKs); broken ones are hand-made or edited after signing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ApiError } from '../model/index.js';
import { type IncomingSignedRequest, type VerifierOptions, createVerifier, presignUrl, signRequest } from './index.js';

const T0 = Date.UTC(2015, 7, 30, 12, 36, 0); // 20150830T123600Z
const MIN = 60_000;
const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const LAMBDA = { region: 'us-east-1', service: 'lambda' };
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key ' +
  'and signing method. Consult the service documentation for details.';

function verifier(nowMs = T0, extra: Partial<VerifierOptions> = {}) {
  return createVerifier({
    region: 'us-east-1',
    services: ['lambda', 'logs'],
    secretFor: (id) => (id === CREDS.accessKeyId ? CREDS.secretAccessKey : undefined),
    now: () => nowMs,
    ...extra,
  });
}

interface RequestSpec {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  at?: number;
  scope?: { region: string; service: string };
  creds?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** A request signed by signRequest, as the server would receive it. */
function signed(url: string, spec: RequestSpec = {}): IncomingSignedRequest & { headers: Record<string, string> } {
  const u = new URL(url);
  const method = spec.method ?? 'GET';
  const body = Buffer.from(spec.body ?? '');
  const headers = signRequest(
    { method, url: u, headers: spec.headers ?? {}, body },
    spec.creds ?? CREDS,
    spec.scope ?? LAMBDA,
    new Date(spec.at ?? T0),
  );
  return { method, rawPath: u.pathname, rawQuery: u.search.slice(1), headers, body };
}

/** A presigned URL as the server would receive it (GET, no body). */
function presigned(url: URL): IncomingSignedRequest {
  return { method: 'GET', rawPath: url.pathname, rawQuery: url.search.slice(1), headers: { host: url.host }, body: Buffer.alloc(0) };
}

function throwsApi(fn: () => unknown, code: string, status: number, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiError, `expected an ApiError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.status, status);
    assert.equal(e.message, message);
    return true;
  });
}

const FN_URL = 'https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/my-fn/invocations';

describe('header-signed requests', () => {
  it('accepts a valid request and names the caller and service', () => {
    const req = signed(FN_URL, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    assert.deepEqual(verifier()(req), { accessKeyId: 'AKIDEXAMPLE', service: 'lambda' });
    const logs = signed('https://logs.us-east-1.amazonaws.com/', { method: 'POST', scope: { region: 'us-east-1', service: 'logs' } });
    assert.deepEqual(verifier()(logs), { accessKeyId: 'AKIDEXAMPLE', service: 'logs' });
  });

  it('accepts a session token as one more signed header, and refuses it altered', () => {
    const req = signed(FN_URL, { creds: { ...CREDS, sessionToken: 'FwoGZXIvYXdzEJr//token=' } });
    assert.equal(req.headers['x-amz-security-token'], 'FwoGZXIvYXdzEJr//token=');
    verifier()(req);
    req.headers['x-amz-security-token'] = 'other';
    throwsApi(() => verifier()(req), 'InvalidSignatureException', 403, MISMATCH);
  });

  it('ignores headers that are not signed', () => {
    const req = signed(FN_URL, { headers: { 'user-agent': 'a', 'x-amzn-trace-id': 'Root=1' } });
    assert.ok(!req.headers.authorization!.includes('user-agent'));
    verifier()({ ...req, headers: { ...req.headers, 'user-agent': 'b', 'x-forwarded-for': '10.0.0.1' } });
  });

  it('trims header values and collapses whitespace before comparing', () => {
    const req = signed(FN_URL, { headers: { 'x-amz-meta-note': 'a b c' } });
    verifier()({ ...req, headers: { ...req.headers, 'x-amz-meta-note': '   a    b \t c  ' } });
  });

  it('joins a repeated header with "," (pass headersDistinct; headers\' ", " join differs)', () => {
    const req = signed(FN_URL, { headers: { 'x-amz-meta-list': 'a,b' } });
    verifier()({ ...req, headers: { ...req.headers, 'x-amz-meta-list': [' a ', 'b'] } });
    throwsApi(
      () => verifier()({ ...req, headers: { ...req.headers, 'x-amz-meta-list': 'a, b' } }),
      'InvalidSignatureException',
      403,
      MISMATCH,
    );
  });

  it('accepts trailing slashes after the credential scope', () => {
    const req = signed(FN_URL);
    req.headers.authorization = req.headers.authorization!.replace('aws4_request,', 'aws4_request//,');
    verifier()(req);
  });
});

describe('signature mismatch', () => {
  const base = () => signed(`${FN_URL}?Qualifier=prod`, { method: 'POST', body: 'payload', headers: { 'x-amz-meta-a': '1' } });
  const tamper: Record<string, (r: ReturnType<typeof base>) => IncomingSignedRequest> = {
    body: (r) => ({ ...r, body: Buffer.from('payload!') }),
    path: (r) => ({ ...r, rawPath: r.rawPath.replace('my-fn', 'my-fn2') }),
    query: (r) => ({ ...r, rawQuery: 'Qualifier=prod2' }),
    'added query parameter': (r) => ({ ...r, rawQuery: 'Qualifier=prod&x=1' }),
    method: (r) => ({ ...r, method: 'PUT' }),
    'signed header': (r) => ({ ...r, headers: { ...r.headers, 'x-amz-meta-a': '2' } }),
    'signature (upper-case hex)': (r) => {
      const authorization = r.headers.authorization!.replace(/Signature=(\w+)$/, (_, s: string) => `Signature=${s.toUpperCase()}`);
      return { ...r, headers: { ...r.headers, authorization } };
    },
    'truncated signature': (r) => ({ ...r, headers: { ...r.headers, authorization: r.headers.authorization!.slice(0, -1) } }),
  };
  for (const [what, edit] of Object.entries(tamper)) {
    it(`refuses an altered ${what} with the standard message only`, () => {
      const req = base();
      verifier()(req);
      throwsApi(() => verifier()(edit(req)), 'InvalidSignatureException', 403, MISMATCH);
    });
  }

  it('refuses a signature made with another secret', () => {
    const req = signed(FN_URL, { creds: { ...CREDS, secretAccessKey: 'not-the-secret' } });
    throwsApi(() => verifier()(req), 'InvalidSignatureException', 403, MISMATCH);
  });
});

describe('x-amz-content-sha256', () => {
  const body = '{"payload":true}';
  const hash = createHash('sha256').update(body).digest('hex');

  it('accepts a hex hash that matches the body, in either case', () => {
    verifier()(signed(FN_URL, { method: 'POST', body, headers: { 'x-amz-content-sha256': hash } }));
    verifier()(signed(FN_URL, { method: 'POST', body, headers: { 'x-amz-content-sha256': hash.toUpperCase() } }));
  });

  it('refuses a hex hash that does not match the body as a signature mismatch', () => {
    const req = signed(FN_URL, { method: 'POST', body: 'other', headers: { 'x-amz-content-sha256': hash } });
    throwsApi(() => verifier()(req), 'InvalidSignatureException', 403, MISMATCH);
  });

  it('accepts UNSIGNED-PAYLOAD with any body', () => {
    const req = signed(FN_URL, { method: 'POST', body, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    verifier()({ ...req, body: Buffer.from([0, 1, 2, 255]) });
  });

  it('refuses other payload markers', () => {
    const req = signed(FN_URL, { method: 'POST', headers: { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' } });
    throwsApi(() => verifier()(req), 'InvalidSignatureException', 403, MISMATCH);
  });
});

describe('clock skew', () => {
  it('allows 5 minutes either way', () => {
    const req = signed(FN_URL);
    verifier(T0 + 5 * MIN)(req);
    verifier(T0 - 5 * MIN)(req);
  });

  it('refuses an older request', () => {
    throwsApi(
      () => verifier(T0 + 5 * MIN + 1000)(signed(FN_URL)),
      'InvalidSignatureException',
      403,
      'Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T124101Z - 5 min.)',
    );
  });

  it('refuses a request from the future', () => {
    throwsApi(
      () => verifier(T0 - 5 * MIN - 1000)(signed(FN_URL)),
      'InvalidSignatureException',
      403,
      'Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z (20150830T123059Z + 5 min.)',
    );
  });

  it('takes another window from clockSkewMs', () => {
    verifier(T0 + 15 * MIN, { clockSkewMs: 15 * MIN })(signed(FN_URL));
    throwsApi(
      () => verifier(T0 + 16 * MIN, { clockSkewMs: 15 * MIN })(signed(FN_URL)),
      'InvalidSignatureException',
      403,
      'Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T125200Z - 15 min.)',
    );
  });

  it('checks the time before the key and the signature', () => {
    const req = signed(FN_URL, { creds: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' } });
    assert.throws(() => verifier(T0 + 60 * MIN)(req), /Signature expired/);
  });
});

describe('missing or malformed authentication', () => {
  const host = { host: 'lambda.us-east-1.amazonaws.com' };
  const date = { 'x-amz-date': '20150830T123600Z' };
  const req = (headers: Record<string, string>, rawQuery = ''): IncomingSignedRequest => ({
    method: 'GET',
    rawPath: '/2015-03-31/functions',
    rawQuery,
    headers: { ...host, ...headers },
    body: Buffer.alloc(0),
  });
  const valid = signed(FN_URL).headers.authorization!;
  const SCOPE = 'AKIDEXAMPLE/20150830/us-east-1/lambda/aws4_request';

  it('answers MissingAuthenticationTokenException without any signature', () => {
    for (const r of [req({}), req({ authorization: '' }), req({}, 'X-Amz-Date=20150830T123600Z&MaxItems=1')]) {
      throwsApi(() => verifier()(r), 'MissingAuthenticationTokenException', 403, 'Missing Authentication Token');
    }
  });

  it('lists every missing Authorization parameter', () => {
    throwsApi(
      () => verifier()(req({ ...date, authorization: `AWS4-HMAC-SHA256 Credential=${SCOPE}` })),
      'IncompleteSignatureException',
      400,
      "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
        `Authorization=AWS4-HMAC-SHA256 Credential=${SCOPE}`,
    );
    throwsApi(
      () => verifier()(req({ authorization: 'AWS4-HMAC-SHA256' })),
      'IncompleteSignatureException',
      400,
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
        "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either " +
        "a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256",
    );
  });

  it('refuses a parameter without an equal sign (other schemes, stray spaces)', () => {
    throwsApi(
      () => verifier()(req({ ...date, authorization: 'Bearer eyJhbGciOi.eyJzdWIi.sig' })),
      'IncompleteSignatureException',
      400,
      "'eyJhbGciOi.eyJzdWIi.sig' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer eyJhbGciOi.eyJzdWIi.sig'.",
    );
    const spaced = valid.replace('Credential=', 'Credential= ');
    throwsApi(
      () => verifier()(req({ ...date, authorization: spaced })),
      'IncompleteSignatureException',
      400,
      `'${SCOPE}' not a valid key=value pair (missing equal-sign) in Authorization header: '${spaced}'.`,
    );
  });

  it('refuses another algorithm', () => {
    throwsApi(
      () => verifier()(req({ ...date, authorization: valid.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512') })),
      'IncompleteSignatureException',
      400,
      "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ",
    );
  });

  it('refuses a date that is not in ISO 8601 basic format', () => {
    throwsApi(
      () => verifier()(req({ authorization: valid, 'x-amz-date': '2015-08-30T12:36:00Z' })),
      'IncompleteSignatureException',
      400,
      "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
    );
  });

  it('reads a Date header when X-Amz-Date is absent', () => {
    throwsApi(
      () => verifier(T0 + 60 * MIN)(req({ authorization: valid, date: 'Sun, 30 Aug 2015 12:36:00 GMT' })),
      'InvalidSignatureException',
      403,
      'Signature expired: 20150830T123600Z is now earlier than 20150830T133100Z (20150830T133600Z - 5 min.)',
    );
    throwsApi(
      () => verifier()(req({ authorization: valid, date: 'yesterday' })),
      'IncompleteSignatureException',
      400,
      "Date must be in ISO-8601 'basic format'. Got 'yesterday'. See http://en.wikipedia.org/wiki/ISO_8601",
    );
  });

  it('requires host among the signed headers', () => {
    throwsApi(
      () => verifier()(req({ ...date, authorization: valid.replace('SignedHeaders=host;', 'SignedHeaders=') })),
      'InvalidSignatureException',
      403,
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
  });

  it('requires five credential elements', () => {
    throwsApi(
      () => verifier()(req({ ...date, authorization: valid.replace('/aws4_request', '') })),
      'IncompleteSignatureException',
      400,
      "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1/lambda'",
    );
  });
});

describe('credential scope', () => {
  it('refuses another region', () => {
    throwsApi(
      () => verifier()(signed(FN_URL, { scope: { region: 'eu-west-1', service: 'lambda' } })),
      'InvalidSignatureException',
      403,
      "Credential should be scoped to a valid region, not 'eu-west-1'. ",
    );
  });

  it('refuses another service, naming the first allowed one', () => {
    throwsApi(
      () => verifier()(signed(FN_URL, { scope: { region: 'us-east-1', service: 's3' } })),
      'InvalidSignatureException',
      403,
      "Credential should be scoped to correct service: 'lambda'. ",
    );
  });

  it('refuses another terminator', () => {
    const req = signed(FN_URL);
    req.headers.authorization = req.headers.authorization!.replace('aws4_request', 'aws5_request');
    throwsApi(
      () => verifier()(req),
      'InvalidSignatureException',
      403,
      "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ",
    );
  });

  it('refuses a scope date other than the X-Amz-Date day', () => {
    const req = signed(FN_URL);
    req.headers['x-amz-date'] = '20150831T000100Z';
    throwsApi(
      () => verifier(Date.UTC(2015, 7, 31, 0, 1))(req),
      'InvalidSignatureException',
      403,
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150830' != '20150831', from '20150831T000100Z'.",
    );
  });

  it('reports every scope error at once', () => {
    const req = signed(FN_URL, { scope: { region: 'eu-west-1', service: 'sqs' } });
    req.headers.authorization = req.headers.authorization!.replace('/20150830/', '/20150829/').replace('aws4_request', 'x');
    throwsApi(
      () => verifier()(req),
      'InvalidSignatureException',
      403,
      "Credential should be scoped to a valid region, not 'eu-west-1'. Credential should be scoped to correct service: " +
        "'lambda'. Credential should be scoped with a valid terminator: 'aws4_request', not 'x'. Date in Credential " +
        "scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150829' != '20150830', from '20150830T123600Z'.",
    );
  });

  it('answers UnrecognizedClientException for an unknown access key', () => {
    throwsApi(
      () => verifier()(signed(FN_URL, { creds: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' } })),
      'UnrecognizedClientException',
      403,
      'The security token included in the request is invalid.',
    );
  });
});

describe('presigned URLs', () => {
  const url = new URL(`${FN_URL}?Qualifier=%24LATEST`);
  const make = (expires = 900, at = T0) => presignUrl(url, 'GET', CREDS, LAMBDA, expires, new Date(at));
  const withParam = (u: URL, name: string, value: string | undefined): URL => {
    const copy = new URL(u);
    const kept = copy.search.slice(1).split('&').filter((p) => !p.startsWith(`${name}=`));
    copy.search = '?' + (value === undefined ? kept : [...kept, `${name}=${value}`]).join('&');
    return copy;
  };

  it('accepts a valid URL until X-Amz-Date + X-Amz-Expires', () => {
    const u = make(900);
    assert.equal(u.searchParams.get('X-Amz-Expires'), '900');
    assert.equal(u.searchParams.get('Qualifier'), '$LATEST');
    assert.deepEqual(verifier()(presigned(u)), { accessKeyId: 'AKIDEXAMPLE', service: 'lambda' });
    verifier(T0 + 900_000)(presigned(u)); // beyond the 5-minute skew, within X-Amz-Expires
    throwsApi(() => verifier(T0 + 901_000)(presigned(u)), 'AccessDeniedException', 403, 'Request has expired');
  });

  it('signs UNSIGNED-PAYLOAD, so any body and method-specific use work', () => {
    const u = presignUrl(url, 'POST', CREDS, LAMBDA, 60, new Date(T0));
    verifier()({ ...presigned(u), method: 'POST', body: Buffer.from('{"any":"body"}') });
  });

  it('refuses a URL from the future', () => {
    throwsApi(
      () => verifier(T0 - 6 * MIN)(presigned(make())),
      'InvalidSignatureException',
      403,
      'Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z (20150830T123000Z + 5 min.)',
    );
  });

  it('refuses X-Amz-Expires outside 1..604800', () => {
    const cases: [string, string][] = [
      ['604801', 'X-Amz-Expires must be less than a week (in seconds) that is, the given X-Amz-Expires must be less than 604800 seconds'],
      ['-1', 'X-Amz-Expires must be non-negative'],
      ['soon', 'X-Amz-Expires should be a number'],
      ['0', 'Request has expired'],
    ];
    for (const [value, message] of cases) {
      throwsApi(() => verifier()(presigned(withParam(make(), 'X-Amz-Expires', value))), 'AccessDeniedException', 403, message);
    }
    assert.throws(() => make(0), RangeError);
    assert.throws(() => make(604_801), RangeError);
  });

  it('without X-Amz-Expires, lives only within the clock skew', () => {
    const u = withParam(make(), 'X-Amz-Expires', undefined);
    throwsApi(
      () => verifier(T0 + 6 * MIN)(presigned(u)),
      'InvalidSignatureException',
      403,
      'Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T124200Z - 5 min.)',
    );
  });

  it('refuses an altered parameter, path or host', () => {
    const u = make();
    for (const broken of [
      withParam(u, 'Qualifier', 'prod'),
      withParam(u, 'extra', '1'),
      new URL(u.href.replace('my-fn', 'other-fn')),
      new URL(u.href.replace('lambda.us-east-1', 'lambda2.us-east-1')),
    ]) {
      throwsApi(() => verifier()(presigned(broken)), 'InvalidSignatureException', 403, MISMATCH);
    }
  });

  it('lists the missing query parameters', () => {
    const r = (rawQuery: string): IncomingSignedRequest => ({ ...presigned(make()), rawQuery });
    throwsApi(
      () => verifier()(r('X-Amz-Algorithm=AWS4-HMAC-SHA256&Qualifier=1')),
      'IncompleteSignatureException',
      400,
      "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include " +
        "'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string " +
        "parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.",
    );
    throwsApi(
      () => verifier()(r('X-Amz-Signature=abc')),
      'IncompleteSignatureException',
      400,
      "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include " +
        "'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string " +
        "parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.",
    );
  });

  it('refuses a request signed both ways', () => {
    const req = presigned(make());
    throwsApi(
      () => verifier()({ ...req, headers: { ...req.headers, authorization: signed(FN_URL).headers.authorization! } }),
      'InvalidSignatureException',
      403,
      "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    );
  });

  it('applies the scope checks to X-Amz-Credential', () => {
    const u = presignUrl(url, 'GET', CREDS, { region: 'us-west-2', service: 'lambda' }, 60, new Date(T0));
    throwsApi(
      () => verifier()(presigned(u)),
      'InvalidSignatureException',
      403,
      "Credential should be scoped to a valid region, not 'us-west-2'. ",
    );
  });
});
