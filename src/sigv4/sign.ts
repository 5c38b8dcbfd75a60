// Signs outgoing requests for Lamina's own client and CLI: the Authorization-header form
// (signRequest) and presigned URLs (presignUrl). The output verifies with verify.ts and
// matches what the AWS SDKs compute for the same inputs.
import {
  ALGORITHM,
  UNSIGNED_PAYLOAD,
  canonicalHeaderValue,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  credentialScope,
  formatAmzDate,
  hmac,
  parseQuery,
  sha256Hex,
  signingKey,
  stringToSign,
  uriEncode,
} from './canonical.js';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Sent (and signed) as X-Amz-Security-Token when present. */
  sessionToken?: string;
}

export interface SigningScope {
  region: string;
  service: string;
}

export interface SignableRequest {
  method: string;
  /** Its path and query are signed as they will go on the wire (url.pathname, url.search). */
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

// Headers a proxy or the HTTP stack may add, drop or rewrite; the AWS SDKs leave them unsigned.
const UNSIGNABLE = new Set([
  'authorization',
  'connection',
  'expect',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);
const MAX_PRESIGNED_EXPIRES = 604_800;

/**
 * Signs a request with the Authorization header. Returns every header to send, names in lower
 * case: the given ones plus `host` (unless given), `x-amz-date`, `x-amz-security-token` (with a
 * session token) and `authorization`. The payload hash is X-Amz-Content-SHA256 when given
 * (e.g. UNSIGNED-PAYLOAD), else the SHA-256 of the body.
 */
export function signRequest(
  req: SignableRequest,
  creds: Credentials,
  scope: SigningScope,
  now: Date = new Date(),
): Record<string, string> {
  const amzDate = formatAmzDate(now.getTime());
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower !== 'authorization' && lower !== 'x-amz-date') headers[lower] = value;
  }
  headers.host ??= req.url.host;
  headers['x-amz-date'] = amzDate;
  if (creds.sessionToken !== undefined) headers['x-amz-security-token'] = creds.sessionToken;

  const names = Object.keys(headers)
    .filter((n) => !UNSIGNABLE.has(n))
    .sort();
  const headerLines = names.map((n) => `${n}:${canonicalHeaderValue(headers[n])}`).join('\n');
  const signedHeaders = names.join(';');
  const payloadHash = headers['x-amz-content-sha256'] ?? sha256Hex(req.body ?? '');
  const canonical = canonicalRequest(
    req.method.toUpperCase(),
    canonicalUri(req.url.pathname),
    canonicalQuery(parseQuery(req.url.search.slice(1))),
    headerLines,
    signedHeaders,
    payloadHash,
  );
  const signature = sign(creds.secretAccessKey, amzDate, scope, canonical);
  headers.authorization =
    `${ALGORITHM} Credential=${creds.accessKeyId}/${credentialScope(amzDate.slice(0, 8), scope.region, scope.service)}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

/**
 * A presigned copy of `url`, valid for `expiresSeconds` (1..604800) from `now`. Only `host` is
 * signed, and the payload as UNSIGNED-PAYLOAD, so the URL works with any body; Lamina's verifier
 * accepts that, as S3 does (other AWS services expect the body's hash in presigned URLs).
 */
export function presignUrl(
  url: URL,
  method: string,
  creds: Credentials,
  scope: SigningScope,
  expiresSeconds: number,
  now: Date = new Date(),
): URL {
  if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > MAX_PRESIGNED_EXPIRES) {
    throw new RangeError(`expiresSeconds must be a whole number in 1..${MAX_PRESIGNED_EXPIRES}, not ${expiresSeconds}`);
  }
  const amzDate = formatAmzDate(now.getTime());
  const credential = `${creds.accessKeyId}/${credentialScope(amzDate.slice(0, 8), scope.region, scope.service)}`;
  let auth =
    `X-Amz-Algorithm=${ALGORITHM}&X-Amz-Credential=${uriEncode(credential)}&X-Amz-Date=${amzDate}` +
    `&X-Amz-Expires=${expiresSeconds}&X-Amz-SignedHeaders=host`;
  if (creds.sessionToken !== undefined) auth += `&X-Amz-Security-Token=${uriEncode(creds.sessionToken)}`;
  const existing = url.search.slice(1);
  const query = existing === '' ? auth : `${existing}&${auth}`;
  const canonical = canonicalRequest(
    method.toUpperCase(),
    canonicalUri(url.pathname),
    canonicalQuery(parseQuery(query)),
    `host:${canonicalHeaderValue(url.host)}`,
    'host',
    UNSIGNED_PAYLOAD,
  );
  const presigned = new URL(url);
  presigned.search = `?${query}&X-Amz-Signature=${sign(creds.secretAccessKey, amzDate, scope, canonical)}`;
  return presigned;
}

function sign(secret: string, amzDate: string, scope: SigningScope, canonical: string): string {
  const date = amzDate.slice(0, 8);
  const key = signingKey(secret, date, scope.region, scope.service);
  return hmac(key, stringToSign(amzDate, credentialScope(date, scope.region, scope.service), canonical)).toString('hex');
}
