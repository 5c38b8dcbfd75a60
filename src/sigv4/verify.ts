// Verifies an incoming SigV4-signed request (Authorization header or presigned query) and
// answers each failure with the exception and message AWS's front end uses. Runs on every
// Invoke: the body is hashed at most once, and signing keys come from the cache.
import { timingSafeEqual } from 'node:crypto';
import { ApiError } from '../model/index.js';
import {
  ALGORITHM,
  TERMINATOR,
  UNSIGNED_PAYLOAD,
  type QueryParam,
  canonicalHeaderValue,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  credentialScope,
  formatAmzDate,
  hmac,
  parseAmzDate,
  parseQuery,
  sha256Hex,
  signingKey,
  stringToSign,
} from './canonical.js';

/** A request as it came off the wire, before any decoding. */
export interface IncomingSignedRequest {
  method: string;
  /** The path exactly as on the request line: still percent-encoded, no query. */
  rawPath: string;
  /** The query after `?`, still encoded; '' when there is none. */
  rawQuery: string;
  /**
   * Lower-case header names. `IncomingMessage.headersDistinct` is exact for repeated headers;
   * `IncomingMessage.headers` works too but joins repeats with `, ` where AWS expects `,`.
   */
  headers: Record<string, string | readonly string[] | undefined>;
  body: Buffer;
}

export interface VerifierOptions {
  /** The only region a credential scope may name. */
  region: string;
  /** Services a scope may name; the first is the one error messages point to. */
  services: readonly string[];
  /** The secret for an access key id; undefined for an unknown key. */
  secretFor(accessKeyId: string): string | undefined;
  /** Allowed distance between X-Amz-Date and now. Default 5 min, Lambda's. */
  clockSkewMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** Who signed, and for which service of the scope. */
export interface VerifiedCaller {
  accessKeyId: string;
  service: string;
}

export type Verifier = (req: IncomingSignedRequest) => VerifiedCaller;

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const MAX_PRESIGNED_EXPIRES = 604_800; // seconds: one week
const SIGNATURE_PARAM = 'X-Amz-Signature';
const QUERY_AUTH_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'];

const incomplete = (message: string): ApiError => new ApiError('IncompleteSignatureException', message);
const invalid = (message: string): ApiError => new ApiError('InvalidSignatureException', message);

const first = (v: string | readonly string[] | undefined): string | undefined =>
  typeof v === 'string' || v === undefined ? v : v[0];

/** The parts of either form of signature, once found. */
interface AuthParts {
  algorithm: string;
  credential: string;
  signedHeaders: string;
  signature: string;
  amzDate: string;
  /** X-Amz-Content-SHA256 as sent (header, or query parameter when a signer hoisted it). */
  declaredPayloadHash: string | undefined;
}

export function createVerifier(opts: VerifierOptions): Verifier {
  const skewMs = opts.clockSkewMs ?? 5 * 60_000;
  const skewText = `${skewMs / 60_000} min.`;
  const now = opts.now ?? Date.now;
  const services = opts.services;

  function checkSkew(amzDate: string, t: number, nowMs: number, checkPast: boolean): void {
    if (t > nowMs + skewMs) {
      throw invalid(
        `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(nowMs + skewMs)} ` +
          `(${formatAmzDate(nowMs)} + ${skewText})`,
      );
    }
    if (checkPast && t < nowMs - skewMs) {
      throw invalid(
        `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(nowMs - skewMs)} ` +
          `(${formatAmzDate(nowMs)} - ${skewText})`,
      );
    }
  }

  /** Header form: `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`. */
  function fromHeader(auth: string, req: IncomingSignedRequest, nowMs: number): AuthParts {
    const trimmed = auth.trim();
    let sp = 0;
    while (sp < trimmed.length && !isSeparator(trimmed.charCodeAt(sp), false)) sp++;
    const algorithm = trimmed.slice(0, sp);
    let credential = '';
    let signedHeaders = '';
    let signature = '';
    // The parameters are separated by commas and/or whitespace; each must be key=value.
    for (let i = sp; i < trimmed.length; ) {
      while (i < trimmed.length && isSeparator(trimmed.charCodeAt(i), true)) i++;
      const start = i;
      while (i < trimmed.length && !isSeparator(trimmed.charCodeAt(i), true)) i++;
      if (i === start) break;
      const token = trimmed.slice(start, i);
      const eq = token.indexOf('=');
      if (eq < 0) {
        throw incomplete(`'${token}' not a valid key=value pair (missing equal-sign) in Authorization header: '${auth}'.`);
      }
      const key = token.slice(0, eq);
      if (key === 'Credential') credential = token.slice(eq + 1);
      else if (key === 'SignedHeaders') signedHeaders = token.slice(eq + 1);
      else if (key === 'Signature') signature = token.slice(eq + 1);
    }
    const xAmzDate = first(req.headers['x-amz-date']);
    const dateValue = xAmzDate ?? first(req.headers['date']);
    let missing = '';
    if (!credential) missing += "Authorization header requires 'Credential' parameter. ";
    if (!signature) missing += "Authorization header requires 'Signature' parameter. ";
    if (!signedHeaders) missing += "Authorization header requires 'SignedHeaders' parameter. ";
    if (!dateValue) missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    if (missing) throw incomplete(missing + 'Authorization=' + auth);

    // X-Amz-Date must be in basic format; a Date header may instead hold an HTTP date.
    let amzDate = dateValue!;
    let t = parseAmzDate(amzDate);
    if (t === undefined && xAmzDate === undefined) {
      const parsed = Date.parse(amzDate);
      if (!Number.isNaN(parsed)) {
        t = parsed - (parsed % 1000);
        amzDate = formatAmzDate(t);
      }
    }
    if (t === undefined) throw badDate(dateValue!);
    checkSkew(amzDate, t, nowMs, true);
    return {
      algorithm,
      credential,
      signedHeaders,
      signature,
      amzDate,
      declaredPayloadHash: first(req.headers['x-amz-content-sha256']),
    };
  }

  /** Presigned form: the X-Amz-* query parameters. */
  function fromQuery(params: readonly QueryParam[], req: IncomingSignedRequest, nowMs: number): AuthParts {
    const found = new Map<string, string>();
    let hoistedPayloadHash: string | undefined;
    for (const p of params) {
      if (p.key.startsWith('X-Amz-') && !found.has(p.key)) found.set(p.key, decode(p.value));
      if (p.key.toLowerCase() === 'x-amz-content-sha256') hoistedPayloadHash ??= decode(p.value);
    }
    let missing = '';
    for (const name of QUERY_AUTH_PARAMS) {
      if (!found.get(name)) missing += `AWS query-string parameters must include '${name}'. `;
    }
    if (missing) throw incomplete(missing + 'Re-examine the query-string parameters.');

    const amzDate = found.get('X-Amz-Date')!;
    const t = parseAmzDate(amzDate);
    if (t === undefined) throw badDate(amzDate);
    const expires = found.get('X-Amz-Expires');
    // Without X-Amz-Expires a presigned request lives as long as a header-signed one.
    checkSkew(amzDate, t, nowMs, expires === undefined);
    if (expires !== undefined) checkExpires(expires, t, nowMs);
    return {
      algorithm: found.get('X-Amz-Algorithm')!,
      credential: found.get('X-Amz-Credential')!,
      signedHeaders: found.get('X-Amz-SignedHeaders')!,
      signature: found.get(SIGNATURE_PARAM)!,
      amzDate,
      declaredPayloadHash: first(req.headers['x-amz-content-sha256']) ?? hoistedPayloadHash,
    };
  }

  return function verify(req: IncomingSignedRequest): VerifiedCaller {
    const auth = first(req.headers['authorization']);
    // A cheap test first: most requests carry no X-Amz-* query parameter at all.
    const params = req.rawQuery.includes('X-Amz-') ? parseQuery(req.rawQuery) : undefined;
    const presigned = params?.some((p) => p.key === 'X-Amz-Algorithm' || p.key === SIGNATURE_PARAM) ?? false;
    if (auth && presigned) {
      throw invalid("Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");
    }
    if (!auth && !presigned) {
      throw new ApiError('MissingAuthenticationTokenException', 'Missing Authentication Token');
    }
    const nowMs = now();
    const parts = presigned ? fromQuery(params!, req, nowMs) : fromHeader(auth!, req, nowMs);

    const signedHeaders = parts.signedHeaders.toLowerCase();
    const headerNames = signedHeaders.split(';');
    if (!headerNames.includes('host')) {
      throw invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    }
    if (parts.algorithm !== ALGORITHM) {
      throw incomplete(`Unsupported AWS 'algorithm': '${parts.algorithm}' (only ${ALGORITHM} for now). `);
    }

    // Credential = <key id>/<date>/<region>/<service>/aws4_request; trailing slashes are ignored.
    let credential = parts.credential;
    while (credential.endsWith('/')) credential = credential.slice(0, -1);
    const scopeParts = credential.split('/');
    if (scopeParts.length !== 5) {
      throw incomplete(
        `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${parts.credential}'`,
      );
    }
    const [accessKeyId, date, region, service, terminator] = scopeParts as [string, string, string, string, string];
    // AWS reports every scope problem at once, each sentence ending in ". ".
    let scopeErrors = '';
    if (region !== opts.region) scopeErrors += `Credential should be scoped to a valid region, not '${region}'. `;
    if (!services.includes(service)) scopeErrors += `Credential should be scoped to correct service: '${services[0]}'. `;
    if (terminator !== TERMINATOR) {
      scopeErrors += `Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${terminator}'. `;
    }
    const day = parts.amzDate.slice(0, 8);
    if (date !== day) {
      scopeErrors +=
        'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ' +
        `'${date}' != '${day}', from '${parts.amzDate}'.`;
    }
    if (scopeErrors) throw invalid(scopeErrors);

    const secret = opts.secretFor(accessKeyId);
    if (secret === undefined) {
      throw new ApiError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    }

    let headerLines = '';
    for (let i = 0; i < headerNames.length; i++) {
      const name = headerNames[i]!;
      headerLines += (i === 0 ? '' : '\n') + name + ':' + canonicalHeaderValue(req.headers[name]);
    }
    const query = presigned
      ? canonicalQuery(params!, SIGNATURE_PARAM)
      : canonicalQuery(params ?? parseQuery(req.rawQuery));
    const uri = canonicalUri(req.rawPath);
    const scope = credentialScope(date, region, service);
    const key = signingKey(secret, date, region, service);
    const provided = isLowerHex64(parts.signature) ? Buffer.from(parts.signature, 'hex') : undefined;

    // A presigned request that names no payload hash may have been signed over the body's hash
    // (botocore's generic signer) or over UNSIGNED-PAYLOAD (S3-style signers): accept either.
    const hashes =
      parts.declaredPayloadHash === undefined && presigned
        ? [sha256Hex(req.body), UNSIGNED_PAYLOAD]
        : [declaredPayloadHash(parts.declaredPayloadHash, req.body)];
    for (const payloadHash of hashes) {
      const canonical = canonicalRequest(req.method, uri, query, headerLines, signedHeaders, payloadHash);
      const expected = hmac(key, stringToSign(parts.amzDate, scope, canonical));
      if (provided !== undefined && timingSafeEqual(expected, provided)) return { accessKeyId, service };
    }
    // AWS appends the canonical request and string to sign it expected; we keep them out.
    throw invalid(MISMATCH);
  };
}

/** A signature as AWS writes it: 64 lower-case hex digits (AWS compares the text). */
function isLowerHex64(s: string): boolean {
  if (s.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/** Space or tab; with `comma`, also ','. */
const isSeparator = (c: number, comma: boolean): boolean => c === 0x20 || c === 0x09 || (comma && c === 0x2c);

/**
 * The payload hash to sign with, given X-Amz-Content-SHA256 as sent: none means the body's
 * SHA-256; UNSIGNED-PAYLOAD is taken as is (the body is not hashed); a hex hash must match the
 * body, or the request fails as a signature mismatch, as does any other value.
 */
function declaredPayloadHash(declared: string | undefined, body: Buffer): string {
  if (declared === undefined) return sha256Hex(body);
  if (declared === UNSIGNED_PAYLOAD) return declared;
  if (declared.length !== 64 || declared.toLowerCase() !== sha256Hex(body)) throw invalid(MISMATCH);
  return declared;
}

/**
 * X-Amz-Expires: whole seconds from X-Amz-Date, at most a week. S3's rules and messages, as
 * AccessDeniedException (403): the generic services have no wording of their own for it.
 */
function checkExpires(expires: string, t: number, nowMs: number): void {
  const denied = (message: string): ApiError => new ApiError('AccessDeniedException', message);
  if (!/^-?\d+$/.test(expires)) throw denied('X-Amz-Expires should be a number');
  const seconds = Number(expires);
  if (seconds < 0) throw denied('X-Amz-Expires must be non-negative');
  if (seconds > MAX_PRESIGNED_EXPIRES) {
    throw denied(
      'X-Amz-Expires must be less than a week (in seconds) that is, the given X-Amz-Expires must be less than 604800 seconds',
    );
  }
  // 0 is below the 1-second minimum: such a URL is born expired.
  if (seconds === 0 || nowMs > t + seconds * 1000) throw denied('Request has expired');
}

function badDate(value: string): ApiError {
  return incomplete(`Date must be in ISO-8601 'basic format'. Got '${value}'. See http://en.wikipedia.org/wiki/ISO_8601`);
}

/** Decodes a canonically encoded query value (its escapes are valid, though maybe not UTF-8). */
function decode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
