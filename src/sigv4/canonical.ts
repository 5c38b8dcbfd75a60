// The parts of AWS Signature Version 4 that the signer and the verifier share: URI and query
// canonicalisation, header value trimming, the canonical request, the string to sign and the
// signing key (derived once per secret, date, region and service, then cached).
import * as crypto from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const TERMINATOR = 'aws4_request';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

// RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~): the only ones SigV4 leaves unescaped.
const UNRESERVED = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(c))) UNRESERVED[c] = 1;
}
const HEX = '0123456789ABCDEF';
const SLASH = 0x2f;
const PERCENT = 0x25;

const isUnreserved = (c: number): boolean => c < 128 && UNRESERVED[c] === 1;
const escapeByte = (b: number): string => '%' + HEX[b >> 4] + HEX[b & 15];

/** The value of a hex digit, or -1; `upperOnly` refuses a-f. */
function hexValue(c: number, upperOnly: boolean): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (!upperOnly && c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Escapes the non-ASCII run starting at `i` as UTF-8 bytes; returns [escaped, index after the run]. */
function escapeNonAscii(s: string, i: number): [string, number] {
  let j = i + 1;
  while (j < s.length && s.charCodeAt(j) >= 128) j++;
  let out = '';
  for (const b of Buffer.from(s.slice(i, j), 'utf8')) out += escapeByte(b);
  return [out, j];
}

/** Escapes `s` the SigV4 way: unreserved characters (and `/` if `keepSlash`) stay, the rest become UTF-8 `%XX`. */
export function uriEncode(s: string, keepSlash = false): string {
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (!isUnreserved(c) && !(keepSlash && c === SLASH)) break;
    i++;
  }
  if (i === s.length) return s; // the usual case: nothing to escape, no allocation
  let out = s.slice(0, i);
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (isUnreserved(c) || (keepSlash && c === SLASH)) {
      out += s[i++];
    } else if (c < 128) {
      out += escapeByte(c);
      i++;
    } else {
      const [escaped, next] = escapeNonAscii(s, i);
      out += escaped;
      i = next;
    }
  }
  return out;
}

/**
 * Brings one query key or value, as it arrived on the wire, into SigV4's form. The effect is that
 * of decoding then encoding again, but byte-exact: a valid `%XX` stays (upper-cased) unless it
 * stands for an unreserved character, a stray `%` becomes `%25`, and any other reserved character
 * is escaped. `+` is literal (`%2B`), not a space: AWS signers never leave a raw `+` on the wire.
 */
export function normalizeQueryComponent(s: string): string {
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (isUnreserved(c)) {
      i++;
      continue;
    }
    if (c !== PERCENT || i + 2 >= s.length) break;
    const hi = hexValue(s.charCodeAt(i + 1), true);
    const lo = hexValue(s.charCodeAt(i + 2), true);
    if (hi < 0 || lo < 0 || isUnreserved(hi * 16 + lo)) break;
    i += 3; // an escape already in canonical form
  }
  if (i === s.length) return s;
  let out = s.slice(0, i);
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === PERCENT && i + 2 < s.length) {
      const hi = hexValue(s.charCodeAt(i + 1), false);
      const lo = hexValue(s.charCodeAt(i + 2), false);
      if (hi >= 0 && lo >= 0) {
        const byte = hi * 16 + lo;
        out += isUnreserved(byte) ? String.fromCharCode(byte) : escapeByte(byte);
        i += 3;
        continue;
      }
    }
    if (isUnreserved(c)) {
      out += s[i++];
    } else if (c < 128) {
      out += escapeByte(c);
      i++;
    } else {
      const [escaped, next] = escapeNonAscii(s, i);
      out += escaped;
      i = next;
    }
  }
  return out;
}

/**
 * The canonical URI of a raw (still percent-encoded) request path, for every service but S3:
 * empty segments and `.`/`..` segments are resolved, then the result is encoded once more, so
 * `/functions/f%3Aprod` becomes `/functions/f%253Aprod`. An empty path is `/`.
 */
export function canonicalUri(rawPath: string): string {
  if (rawPath === '') return '/';
  let path = rawPath;
  if (rawPath.includes('//') || rawPath.includes('/.') || rawPath.charCodeAt(0) === 0x2e) {
    const kept: string[] = [];
    for (const segment of rawPath.split('/')) {
      if (segment === '' || segment === '.') continue;
      if (segment === '..') kept.pop();
      else kept.push(segment);
    }
    const lead = rawPath.charCodeAt(0) === SLASH ? '/' : '';
    const trail = kept.length > 0 && rawPath.endsWith('/') ? '/' : '';
    path = lead + kept.join('/') + trail || '/';
  }
  return uriEncode(path, true);
}

/** One query parameter in canonical encoding. */
export interface QueryParam {
  readonly key: string;
  readonly value: string;
}

/** Splits a raw query string (no `?`) into canonically encoded parameters; `k` alone is `k=`. */
export function parseQuery(rawQuery: string): QueryParam[] {
  const params: QueryParam[] = [];
  if (rawQuery === '') return params;
  let start = 0;
  while (start <= rawQuery.length) {
    let end = rawQuery.indexOf('&', start);
    if (end < 0) end = rawQuery.length;
    if (end > start) {
      const eq = rawQuery.indexOf('=', start);
      const hasValue = eq >= 0 && eq < end;
      params.push({
        key: normalizeQueryComponent(rawQuery.slice(start, hasValue ? eq : end)),
        value: hasValue ? normalizeQueryComponent(rawQuery.slice(eq + 1, end)) : '',
      });
    }
    start = end + 1;
  }
  return params;
}

const byKeyThenValue = (a: QueryParam, b: QueryParam): number =>
  a.key < b.key ? -1 : a.key > b.key ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0;

/**
 * The canonical query string: parameters sorted by key then value (byte order; canonical
 * encoding is ASCII), `k=v` joined with `&`. `omitKey` drops a parameter (X-Amz-Signature).
 */
export function canonicalQuery(params: readonly QueryParam[], omitKey?: string): string {
  const kept = omitKey === undefined ? params.slice() : params.filter((p) => p.key !== omitKey);
  if (kept.length > 1) kept.sort(byKeyThenValue);
  let out = '';
  for (let i = 0; i < kept.length; i++) {
    const p = kept[i]!;
    out += (i === 0 ? '' : '&') + p.key + '=' + p.value;
  }
  return out;
}

/** A header value trimmed, with inner runs of spaces and tabs collapsed to one space. */
export function trimHeaderValue(value: string): string {
  const n = value.length;
  if (n === 0) return value;
  let clean = value.charCodeAt(0) !== 0x20 && value.charCodeAt(0) !== 0x09;
  clean &&= value.charCodeAt(n - 1) !== 0x20 && value.charCodeAt(n - 1) !== 0x09;
  for (let i = 0; clean && i < n; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x09 || (c === 0x20 && value.charCodeAt(i + 1) === 0x20)) clean = false;
  }
  return clean ? value : value.replace(/[ \t]+/g, ' ').trim();
}

/**
 * The canonical value of one signed header. Node joins a repeated header with `, `; AWS joins
 * the trimmed values with `,`, so pass `IncomingMessage.headersDistinct` (arrays) for exactness.
 */
export function canonicalHeaderValue(value: string | readonly string[] | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return trimHeaderValue(value);
  if (value.length === 1) return trimHeaderValue(value[0]!);
  return value.map(trimHeaderValue).join(',');
}

/** `METHOD\nURI\nQUERY\nHEADERS\n\nSIGNED_HEADERS\nPAYLOAD_HASH`, with HEADERS as `name:value` lines. */
export function canonicalRequest(
  method: string,
  uri: string,
  query: string,
  headerLines: string,
  signedHeaders: string,
  payloadHash: string,
): string {
  return `${method}\n${uri}\n${query}\n${headerLines}\n\n${signedHeaders}\n${payloadHash}`;
}

/** `date/region/service/aws4_request` */
export const credentialScope = (date: string, region: string, service: string): string =>
  `${date}/${region}/${service}/${TERMINATOR}`;

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}

// crypto.hash (node >= 20.12) skips the Hash object: about twice as fast on small inputs.
const HAS_ONE_SHOT_HASH = typeof crypto.hash === 'function';

export const sha256Hex = (data: string | Buffer): string =>
  HAS_ONE_SHOT_HASH ? crypto.hash('sha256', data, 'hex') : crypto.createHash('sha256').update(data).digest('hex');

export const hmac = (key: Buffer | string, data: string): Buffer => crypto.createHmac('sha256', key).update(data).digest();

// `date NUL region NUL service NUL secret` => kSigning. A verifier meets few distinct keys a day
// and a signer one; the bound only stops a flood of scopes from growing the map.
const SIGNING_KEYS = new Map<string, Buffer>();
const SIGNING_KEY_CACHE_SIZE = 256;

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request"). */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${date}\0${region}\0${service}\0${secret}`;
  let key = SIGNING_KEYS.get(cacheKey);
  if (key === undefined) {
    key = hmac(hmac(hmac(hmac('AWS4' + secret, date), region), service), TERMINATOR);
    if (SIGNING_KEYS.size >= SIGNING_KEY_CACHE_SIZE) {
      SIGNING_KEYS.delete(SIGNING_KEYS.keys().next().value as string); // the oldest entry
    }
    SIGNING_KEYS.set(cacheKey, key);
  }
  return key;
}

/** `YYYYMMDDTHHMMSSZ` for a time in ms (UTC). */
export function formatAmzDate(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2015-08-30T12:36:00.000Z
  return (
    iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + 'T' + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z'
  );
}

const digits = (s: string, from: number, to: number): number => {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
};

/** Parses `YYYYMMDDTHHMMSSZ` (ISO 8601 basic format, UTC) to ms, or undefined if malformed. */
export function parseAmzDate(s: string): number | undefined {
  if (s.length !== 16 || s[8] !== 'T' || s[15] !== 'Z') return undefined;
  const year = digits(s, 0, 4);
  const month = digits(s, 4, 6);
  const day = digits(s, 6, 8);
  const hour = digits(s, 9, 11);
  const minute = digits(s, 11, 13);
  const second = digits(s, 13, 15);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return undefined;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  return new Date(ms).getUTCDate() === day ? ms : undefined; // rejects 20150231
}
