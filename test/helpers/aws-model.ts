// Checks raw HTTP responses against botocore's API model (restJson1 and awsJson protocols):
// status, headers, body members, types, enums, required members and error shapes, so tests
// can prove that every field Lamina sends is one the AWS SDKs know and type the same way.

import { AssertionError } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

// ---------------------------------------------------------------------------------------------
// The model, as botocore stores it (service-2.json). Only the traits the checker reads are typed.

export type TimestampFormat = 'iso8601' | 'rfc822' | 'unixTimestamp';

/** A reference to a shape: a structure member, a list member, a map key or value. */
export interface ShapeRef {
  readonly shape: string;
  /** Where a member travels: `header`, `headers` (prefix map), `statusCode`, `uri`, `querystring`. */
  readonly location?: string;
  readonly locationName?: string;
  readonly timestampFormat?: TimestampFormat;
  readonly jsonvalue?: boolean;
}

export interface Shape {
  readonly type: string;
  readonly members?: Readonly<Record<string, ShapeRef>>;
  readonly required?: readonly string[];
  readonly member?: ShapeRef;
  readonly key?: ShapeRef;
  readonly value?: ShapeRef;
  readonly enum?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  /** Structure trait: the member that is the whole HTTP body. */
  readonly payload?: string;
  readonly exception?: boolean;
  readonly fault?: boolean;
  readonly union?: boolean;
  readonly eventstream?: boolean;
  readonly streaming?: boolean;
  readonly timestampFormat?: TimestampFormat;
  readonly jsonvalue?: boolean;
  readonly error?: { readonly httpStatusCode?: number; readonly code?: string; readonly senderFault?: boolean };
}

export interface OperationModel {
  readonly name?: string;
  readonly http: { readonly method: string; readonly requestUri: string; readonly responseCode?: number };
  readonly input?: ShapeRef;
  readonly output?: ShapeRef;
  readonly errors?: readonly ShapeRef[];
}

export interface AwsModel {
  readonly metadata: {
    readonly protocol: string;
    readonly protocols?: readonly string[];
    readonly apiVersion?: string;
    readonly endpointPrefix?: string;
    readonly serviceId?: string;
    readonly targetPrefix?: string;
  };
  readonly operations: Readonly<Record<string, OperationModel>>;
  readonly shapes: Readonly<Record<string, Shape>>;
}

// ---------------------------------------------------------------------------------------------
// Locating and loading the model.

/** The Debian package that provides the model (for `requirePackage()` and skip messages). */
export const BOTOCORE_PACKAGE = 'python3-botocore';
const INSTALL_HINT = `install the Debian package ${BOTOCORE_PACKAGE} or run "pip install botocore"`;

let botocore: { dir?: string; reason?: string } | undefined;
const models = new Map<string, { model?: AwsModel; reason?: string }>();

function locateBotocore(): { dir?: string; reason?: string } {
  if (botocore) return botocore;
  try {
    const out = execFileSync('python3', ['-c', 'import botocore,os;print(os.path.dirname(botocore.__file__))'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    botocore = { dir: out.trim() };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      botocore = { reason: `python3 is not installed, so the botocore API model is unavailable; ${INSTALL_HINT}` };
    } else {
      const detail = String(e.stderr ?? e.message).trim().split('\n').pop() ?? '';
      botocore = { reason: `python3 cannot import botocore (${detail}); ${INSTALL_HINT}` };
    }
  }
  return botocore;
}

function readModel(service: string, apiVersion: string | undefined): { model?: AwsModel; reason?: string } {
  const located = locateBotocore();
  if (located.dir === undefined) return { reason: located.reason ?? `botocore not found; ${INSTALL_HINT}` };
  const serviceDir = path.join(located.dir, 'data', service);
  const hasModel = (v: string): boolean =>
    existsSync(path.join(serviceDir, v, 'service-2.json.gz')) || existsSync(path.join(serviceDir, v, 'service-2.json'));
  let versions: string[] = [];
  try {
    versions = readdirSync(serviceDir).filter((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && hasModel(v));
  } catch {
    // no such service directory: reported below
  }
  const version = apiVersion ?? versions.sort().at(-1);
  if (version === undefined || !versions.includes(version)) {
    const wanted = apiVersion ? `${service} ${apiVersion}` : service;
    return { reason: `botocore at ${located.dir} has no model for ${wanted}; ${INSTALL_HINT} (a newer version)` };
  }
  const gz = path.join(serviceDir, version, 'service-2.json.gz');
  const text = existsSync(gz)
    ? gunzipSync(readFileSync(gz)).toString('utf8')
    : readFileSync(path.join(serviceDir, version, 'service-2.json'), 'utf8');
  return { model: JSON.parse(text) as AwsModel };
}

/**
 * The botocore model of `service` (`lambda`, `logs`, `sqs`, `events`, …), newest API version
 * unless `apiVersion` is given; cached per process. Undefined when python3/botocore is missing.
 */
export function loadAwsModel(service: string, apiVersion?: string): AwsModel | undefined {
  const key = `${service}@${apiVersion ?? ''}`;
  let entry = models.get(key);
  if (!entry) {
    entry = readModel(service, apiVersion);
    models.set(key, entry);
  }
  return entry.model;
}

/** Why `loadAwsModel(service)` returns undefined (naming the package to install), or undefined. */
export function modelUnavailableReason(service = 'lambda', apiVersion?: string): string | undefined {
  loadAwsModel(service, apiVersion);
  return models.get(`${service}@${apiVersion ?? ''}`)?.reason;
}

// ---------------------------------------------------------------------------------------------
// Problems and options.

export type ProblemKind =
  | 'status' // HTTP status differs from the model
  | 'json' // body is not JSON where JSON is required
  | 'unknown-member' // a key the shape does not have
  | 'missing-required' // a required member is absent
  | 'type' // a value of the wrong JSON type or unparseable header
  | 'null' // a null value (AWS omits members instead)
  | 'enum' // a string outside the shape's enum
  | 'union' // a union with other than exactly one member set
  | 'length' // list/map/string length outside min/max
  | 'range' // number outside min/max
  | 'pattern' // string not matching the shape's pattern
  | 'error-code' // missing, inconsistent or unknown error code
  | 'operation'; // no operation matches the request

export interface ModelProblem {
  readonly kind: ProblemKind;
  /** `status`, `headers["name"]`, or a JSON path into the body: `$.Layers[0].Arn`. */
  readonly path: string;
  readonly message: string;
}

export interface CheckOptions {
  /** Statuses accepted in addition to the modelled one (e.g. 204 where the model says 200). */
  readonly allowStatus?: readonly number[];
  /** Check string enums (default true); violations have kind `enum`. */
  readonly enums?: boolean;
  /** Shapes whose enum is open, as botocore clients accept unknown values. Default: `['Runtime']`. */
  readonly openEnums?: readonly string[];
  /** Check min/max lengths, numeric ranges and patterns (default true). */
  readonly constraints?: boolean;
}

export type ResponseHeaders = Readonly<Record<string, string | readonly string[] | number | undefined>> | Headers;

export interface RawResponse {
  readonly status: number;
  /** Node's (lower-cased) response headers, or a fetch `Headers`. */
  readonly headers: ResponseHeaders;
  readonly body: Buffer | Uint8Array | string;
}

export interface RawRequest {
  readonly method: string;
  /** The request target: path and query string (a full URL is accepted too). */
  readonly path: string;
  /** Needed for awsJson services, whose operation travels in `x-amz-target`. */
  readonly headers?: ResponseHeaders;
}

/** Wire codes that the model spells differently. */
const ERROR_ALIASES: Readonly<Record<string, string>> = {
  RequestEntityTooLargeException: 'RequestTooLargeException',
};

/** Errors any AWS service may answer without modelling them, with the statuses they use. */
const GENERIC_ERRORS: Readonly<Record<string, readonly number[]>> = {
  ValidationException: [400],
  AccessDeniedException: [403],
  UnrecognizedClientException: [403],
  InvalidSignatureException: [403],
  MissingAuthenticationTokenException: [403],
  IncompleteSignatureException: [400, 403],
  UnknownOperationException: [400, 404],
  RequestEntityTooLargeException: [413],
  SerializationException: [400],
  ThrottlingException: [400, 429],
};

/** Keys of an error body that carry protocol data rather than shape members. */
const ERROR_PROTOCOL_KEYS = new Set(['__type', 'code']);

// ---------------------------------------------------------------------------------------------
// Small helpers.

type Protocol = 'rest-json' | 'json';

function protocolOf(model: AwsModel): Protocol {
  const all = [...(model.metadata.protocols ?? []), model.metadata.protocol];
  const p = all.find((x) => x === 'rest-json' || x === 'json');
  if (!p) throw new Error(`aws-model: protocol ${all.join('/')} is not supported (only rest-json and json)`);
  return p;
}

function describeModel(model: AwsModel): string {
  const m = model.metadata;
  return [m.endpointPrefix ?? m.serviceId ?? 'service', m.apiVersion].filter(Boolean).join(' ');
}

function normalizeHeaders(h: ResponseHeaders | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!h) return out;
  if (typeof (h as Headers).forEach === 'function' && typeof (h as Headers).get === 'function') {
    (h as Headers).forEach((v, k) => out.set(k.toLowerCase(), v));
    return out;
  }
  for (const [k, v] of Object.entries(h as Record<string, string | readonly string[] | number | undefined>)) {
    if (v === undefined) continue;
    out.set(k.toLowerCase(), Array.isArray(v) ? v.join(', ') : String(v));
  }
  return out;
}

function toBuffer(body: Buffer | Uint8Array | string): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

const IDENT = /^[A-Za-z_$][\w$]*$/;
const child = (p: string, key: string): string => (IDENT.test(key) ? `${p}.${key}` : `${p}[${JSON.stringify(key)}]`);
const headerPath = (name: string): string => `headers[${JSON.stringify(name.toLowerCase())}]`;
const CODE_PATH = headerPath('x-amzn-errortype');
const show = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};
const jsonType = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' && Number.isInteger(v) ? 'integer' : typeof v;
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ISO8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/;
const HTTP_DATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const INT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  byte: [-128, 127],
  short: [-32768, 32767],
  integer: [-2147483648, 2147483647],
};
const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

const patternCache = new Map<string, RegExp | null>();
function compilePattern(p: string): RegExp | null {
  let re = patternCache.get(p);
  if (re === undefined) {
    try {
      re = new RegExp(p); // Smithy patterns are ECMA-262 and not implicitly anchored
    } catch {
      re = null;
    }
    patternCache.set(p, re);
  }
  return re;
}

function parseJson(buf: Buffer): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(buf.toString('utf8')) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** An error code as the SDKs read it: `Code:uri` and `namespace#Code` reduce to `Code`. */
function sanitizeCode(raw: string): string {
  let code = raw.trim();
  const hash = code.lastIndexOf('#');
  if (hash >= 0) code = code.slice(hash + 1);
  const colon = code.indexOf(':');
  if (colon >= 0) code = code.slice(0, colon);
  return code;
}

// ---------------------------------------------------------------------------------------------
// The walker: one instance per checked response.

class Checker {
  readonly problems: ModelProblem[] = [];
  private readonly allowStatus: readonly number[];
  private readonly enums: boolean;
  private readonly openEnums: ReadonlySet<string>;
  private readonly constraints: boolean;

  constructor(
    readonly model: AwsModel,
    readonly protocol: Protocol,
    options: CheckOptions,
  ) {
    this.allowStatus = options.allowStatus ?? [];
    this.enums = options.enums ?? true;
    this.openEnums = new Set(options.openEnums ?? ['Runtime']);
    this.constraints = options.constraints ?? true;
  }

  report(kind: ProblemKind, path: string, message: string): void {
    this.problems.push({ kind, path, message });
  }

  shape(name: string): Shape {
    const s = this.model.shapes[name];
    if (!s) throw new Error(`aws-model: shape ${name} is referenced but not defined in ${describeModel(this.model)}`);
    return s;
  }

  statusAllowed(status: number): boolean {
    return this.allowStatus.includes(status);
  }

  // --- success ---------------------------------------------------------------------------

  success(opName: string, op: OperationModel, status: number, headers: Map<string, string>, body: Buffer): void {
    const out = op.output ? this.shape(op.output.shape) : undefined;
    const members = Object.entries(out?.members ?? {});
    const restJson = this.protocol === 'rest-json';
    const statusBound = restJson && members.some(([, m]) => m.location === 'statusCode');
    const expected = op.http.responseCode ?? 200;
    if (status !== expected && !statusBound && !this.statusAllowed(status)) {
      this.report('status', 'status', `${opName} answers HTTP ${expected} in the model (http.responseCode), got ${status}`);
    }
    if (!op.output || !out) {
      this.emptyBody(body, opName);
      return;
    }
    if (!restJson) {
      this.jsonBody(body, op.output, members, out, '$');
      return;
    }
    this.headerMembers(out, members, headers);
    const payloadName = out.payload;
    const payload = payloadName !== undefined ? out.members?.[payloadName] : undefined;
    if (payloadName !== undefined && payload) {
      this.payload(payloadName, payload, out, body);
      return;
    }
    const bodyMembers = members.filter(([, m]) => !m.location);
    this.jsonBody(body, op.output, bodyMembers, out, '$');
  }

  /** An operation without output: the body must be empty (or an empty JSON object). */
  private emptyBody(body: Buffer, opName: string): void {
    if (body.length === 0) return;
    const parsed = parseJson(body);
    if (!parsed.ok) {
      this.report('json', '$', `${opName} has no output in the model, but the body is ${body.length} bytes of non-JSON`);
    } else if (!isPlainObject(parsed.value)) {
      this.report('type', '$', `${opName} has no output in the model; expected an empty body, got ${jsonType(parsed.value)}`);
    } else {
      for (const k of Object.keys(parsed.value)) {
        this.report('unknown-member', child('$', k), `${opName} has no output in the model, so "${k}" is unknown`);
      }
    }
  }

  private payload(name: string, ref: ShapeRef, out: Shape, body: Buffer): void {
    const ps = this.shape(ref.shape);
    if (ps.type === 'structure' && !ps.eventstream) {
      if (body.length === 0) {
        if (out.required?.includes(name)) this.report('missing-required', '$', `required payload ${name} is missing (empty body)`);
        return;
      }
      const parsed = parseJson(body);
      if (!parsed.ok) this.report('json', '$', `payload ${name} (${ref.shape}) must be JSON: ${parsed.error}`);
      else this.value(ref, parsed.value, '$');
      return;
    }
    // blob, string, streaming or event stream: any bytes are the value.
    if (body.length === 0 && out.required?.includes(name)) {
      this.report('missing-required', '$', `required payload ${name} is missing (empty body)`);
    }
  }

  private headerMembers(out: Shape, members: [string, ShapeRef][], headers: Map<string, string>): void {
    for (const [name, ref] of members) {
      if (ref.location !== 'header') continue;
      const wire = ref.locationName ?? name;
      const raw = headers.get(wire.toLowerCase());
      if (raw === undefined) {
        if (out.required?.includes(name)) {
          this.report('missing-required', headerPath(wire), `required header member ${name} is missing`);
        }
        continue;
      }
      this.headerValue(ref, raw, headerPath(wire));
    }
  }

  /** A JSON body holding `members` of `shape` (its body-bound members, for restJson). */
  private jsonBody(body: Buffer, ref: ShapeRef, members: [string, ShapeRef][], shape: Shape, path: string): void {
    let value: unknown = {};
    if (body.length > 0) {
      const parsed = parseJson(body);
      if (!parsed.ok) {
        this.report('json', path, `body of ${ref.shape} must be JSON: ${parsed.error}`);
        return;
      }
      value = parsed.value;
    }
    this.structure(ref.shape, shape, members, value, path);
  }

  // --- errors ----------------------------------------------------------------------------

  error(status: number, headers: Map<string, string>, body: Buffer): void {
    let value: unknown = {};
    let bodyOk = true;
    if (body.length > 0) {
      const parsed = parseJson(body);
      if (parsed.ok) value = parsed.value;
      else {
        bodyOk = false;
        this.report('json', '$', `error body must be JSON: ${parsed.error}`);
      }
    }
    const headerRaw = headers.get('x-amzn-errortype');
    const headerCode = headerRaw !== undefined ? sanitizeCode(headerRaw) : undefined;
    let bodyCode: string | undefined;
    if (isPlainObject(value)) {
      const raw = typeof value.code === 'string' ? value.code : typeof value.__type === 'string' ? value.__type : undefined;
      bodyCode = raw !== undefined ? sanitizeCode(raw) : undefined;
    }
    if (headerCode !== undefined && bodyCode !== undefined && headerCode !== bodyCode) {
      this.report('error-code', CODE_PATH, `error code ${headerCode} in x-amzn-ErrorType differs from ${bodyCode} in the body`);
    }
    const code = this.protocol === 'rest-json' ? (headerCode ?? bodyCode) : (bodyCode ?? headerCode);
    if (!code) {
      this.report('error-code', CODE_PATH, `HTTP ${status} carries no error code (x-amzn-ErrorType header, or code/__type in the body)`);
      return;
    }
    const shapeName = this.errorShapeName(code);
    if (shapeName === undefined) {
      const generic = GENERIC_ERRORS[code];
      if (!generic) {
        const where = describeModel(this.model);
        this.report('error-code', CODE_PATH, `${code} is neither an exception of ${where} nor a generic AWS error`);
        return;
      }
      if (!generic.includes(status) && !this.statusAllowed(status)) {
        this.report('status', 'status', `generic error ${code} is sent with HTTP ${generic.join(' or ')}, got ${status}`);
      }
      if (bodyOk) this.genericErrorBody(code, value);
      return;
    }
    const shape = this.shape(shapeName);
    const named = shapeName === code ? code : `${code} (model shape ${shapeName})`;
    const expected = shape.error?.httpStatusCode;
    if (!this.statusAllowed(status)) {
      if (expected !== undefined && status !== expected) {
        this.report('status', 'status', `${named} is HTTP ${expected} in the model, got ${status}`);
      } else if (expected === undefined && shape.fault && status < 500) {
        this.report('status', 'status', `${named} is a server fault in the model (5xx), got ${status}`);
      } else if (expected === undefined && !shape.fault && status >= 500) {
        this.report('status', 'status', `${named} is a client error in the model (4xx), got ${status}`);
      }
    }
    const members = Object.entries(shape.members ?? {});
    if (this.protocol === 'rest-json') this.headerMembers(shape, members, headers);
    if (!bodyOk) return;
    const bodyMembers = members.filter(([, m]) => this.protocol !== 'rest-json' || !m.location);
    // The SDKs read the message from `message` or `Message` whatever the shape; when the shape
    // names one, its casing is the one AWS sends.
    const declaresMessage = bodyMembers.some(([n, m]) => (m.locationName ?? n).toLowerCase() === 'message');
    const extra = new Set(ERROR_PROTOCOL_KEYS);
    if (!declaresMessage) (['message', 'Message'] as const).forEach((k) => extra.add(k));
    this.structure(shapeName, shape, bodyMembers, value, '$', extra);
  }

  private errorShapeName(code: string): string | undefined {
    const shapes = this.model.shapes;
    if (shapes[code]?.exception) return code;
    const alias = ERROR_ALIASES[code];
    if (alias !== undefined && shapes[alias]?.exception) return alias;
    // awsQueryCompatible services (SQS) also answer with the query-era code of the shape.
    return Object.keys(shapes).find((n) => shapes[n]?.exception && shapes[n]?.error?.code === code);
  }

  private genericErrorBody(code: string, value: unknown): void {
    if (!isPlainObject(value)) {
      this.report('type', '$', `body of generic error ${code} must be a JSON object, got ${jsonType(value)}`);
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      const p = child('$', k);
      if (!['message', 'Message', '__type', 'code'].includes(k)) {
        this.report('unknown-member', p, `"${k}" is not a member of generic error ${code} (message, Message)`);
      } else if (v === null) this.report('null', p, `null value for ${k}`);
      else if (typeof v !== 'string') this.report('type', p, `${k} must be a string, got ${jsonType(v)}`);
    }
  }

  // --- values ----------------------------------------------------------------------------

  /** A structure given as the JSON `value`, holding only `members` (by wire name). */
  structure(
    shapeName: string,
    shape: Shape,
    members: [string, ShapeRef][],
    value: unknown,
    path: string,
    extraKeys: ReadonlySet<string> = new Set(),
  ): void {
    if (!isPlainObject(value)) {
      this.report('type', path, `expected a JSON object (structure ${shapeName}), got ${jsonType(value)}`);
      return;
    }
    const byWire = new Map<string, [string, ShapeRef]>();
    for (const [name, ref] of members) byWire.set(ref.locationName ?? name, [name, ref]);
    let set = 0;
    for (const [key, v] of Object.entries(value)) {
      const p = child(path, key);
      const m = byWire.get(key);
      if (!m) {
        if (extraKeys.has(key)) continue;
        const near = [...byWire.keys()].find((w) => w.toLowerCase() === key.toLowerCase());
        const hint = near ? ` (did you mean "${near}"?)` : '';
        this.report('unknown-member', p, `"${key}" is not a member of ${shapeName}${hint}`);
        continue;
      }
      if (v !== null) set++;
      this.value(m[1], v, p);
    }
    for (const req of shape.required ?? []) {
      const m = members.find(([n]) => n === req);
      if (!m) continue; // bound to a header or the status: checked elsewhere
      const wire = m[1].locationName ?? req;
      if (!(wire in value)) this.report('missing-required', child(path, wire), `required member ${req} of ${shapeName} is missing`);
    }
    if (shape.union && set !== 1) {
      this.report('union', path, `union ${shapeName} must have exactly one member set, has ${set}`);
    }
  }

  value(ref: ShapeRef, v: unknown, path: string): void {
    const name = ref.shape;
    const s = this.shape(name);
    if (v === null) {
      this.report('null', path, `null value (${name}); AWS omits absent members instead of sending null`);
      return;
    }
    switch (s.type) {
      case 'structure':
        this.structure(name, s, Object.entries(s.members ?? {}), v, path);
        return;
      case 'list':
        if (!Array.isArray(v)) {
          this.report('type', path, `expected a JSON array (list ${name}), got ${jsonType(v)}`);
          return;
        }
        this.length(name, s, v.length, 'items', path);
        if (s.member) v.forEach((item, i) => this.value(s.member as ShapeRef, item, `${path}[${i}]`));
        return;
      case 'map': {
        if (!isPlainObject(v)) {
          this.report('type', path, `expected a JSON object (map ${name}), got ${jsonType(v)}`);
          return;
        }
        const entries = Object.entries(v);
        this.length(name, s, entries.length, 'entries', path);
        for (const [k, item] of entries) {
          const p = child(path, k);
          if (s.key) this.stringValue(s.key.shape, this.shape(s.key.shape), k, p, 'map key ');
          if (s.value) this.value(s.value, item, p);
        }
        return;
      }
      case 'string':
        if (typeof v !== 'string') {
          this.report('type', path, `expected a JSON string (${name}), got ${jsonType(v)} ${show(v)}`);
          return;
        }
        this.stringValue(name, s, v, path);
        return;
      case 'byte':
      case 'short':
      case 'integer':
      case 'long':
        if (typeof v !== 'number' || !Number.isInteger(v)) {
          this.report('type', path, `expected a JSON integer (${s.type} ${name}), got ${jsonType(v)} ${show(v)}`);
          return;
        }
        this.integerRange(name, s, v, path);
        return;
      case 'float':
      case 'double':
      case 'bigDecimal':
      case 'bigInteger':
        if (typeof v === 'string' && NON_FINITE.has(v) && (s.type === 'float' || s.type === 'double')) return;
        if (typeof v !== 'number') {
          this.report('type', path, `expected a JSON number (${s.type} ${name}), got ${jsonType(v)} ${show(v)}`);
          return;
        }
        if (s.type === 'bigInteger' && !Number.isInteger(v)) {
          this.report('type', path, `expected a JSON integer (bigInteger ${name}), got ${show(v)}`);
          return;
        }
        this.range(name, s, v, path);
        return;
      case 'boolean':
        if (typeof v !== 'boolean') this.report('type', path, `expected a JSON boolean (${name}), got ${jsonType(v)} ${show(v)}`);
        return;
      case 'timestamp': {
        const format = ref.timestampFormat ?? s.timestampFormat ?? 'unixTimestamp';
        if (format === 'unixTimestamp') {
          if (typeof v !== 'number' || !Number.isFinite(v)) {
            this.report('type', path, `expected epoch seconds as a JSON number (timestamp ${name}), got ${jsonType(v)} ${show(v)}`);
          }
        } else if (typeof v !== 'string' || !this.timestampText(format, v)) {
          this.report('type', path, `expected an ${format} timestamp string (${name}), got ${jsonType(v)} ${show(v)}`);
        }
        return;
      }
      case 'blob':
        if (typeof v !== 'string' || !BASE64.test(v)) {
          this.report('type', path, `expected a base64 JSON string (blob ${name}), got ${jsonType(v)} ${show(v)}`);
        }
        return;
      case 'document':
        return;
      default:
        this.report('type', path, `shape ${name} has type ${s.type}, which a JSON body cannot carry`);
    }
  }

  private timestampText(format: TimestampFormat, text: string): boolean {
    if (format === 'iso8601') return ISO8601.test(text) && !Number.isNaN(Date.parse(text));
    if (format === 'rfc822') return HTTP_DATE.test(text) && !Number.isNaN(Date.parse(text));
    return /^-?\d+(?:\.\d+)?$/.test(text);
  }

  private stringValue(name: string, s: Shape, v: string, path: string, what = ''): void {
    if (s.type !== 'string') {
      this.report('type', path, `${what}shape ${name} is a ${s.type}, not a string`);
      return;
    }
    if (this.enums && s.enum && !this.openEnums.has(name) && !s.enum.includes(v)) {
      const list = s.enum.length > 12 ? `${s.enum.slice(0, 12).join(', ')}, …` : s.enum.join(', ');
      this.report('enum', path, `${what}${show(v)} is not in enum ${name} (${list})`);
    }
    if (!this.constraints) return;
    this.length(name, s, [...v].length, 'characters', path, what);
    if (s.pattern !== undefined) {
      const re = compilePattern(s.pattern);
      if (re && !re.test(v)) this.report('pattern', path, `${what}${show(v)} does not match the pattern of ${name}: ${s.pattern}`);
    }
  }

  private length(name: string, s: Shape, n: number, unit: string, path: string, what = ''): void {
    if (!this.constraints) return;
    if (s.min !== undefined && n < s.min) this.report('length', path, `${what}${n} ${unit}; ${name} needs at least ${s.min}`);
    if (s.max !== undefined && n > s.max) this.report('length', path, `${what}${n} ${unit}; ${name} allows at most ${s.max}`);
  }

  private integerRange(name: string, s: Shape, v: number, path: string): void {
    const bounds = INT_RANGES[s.type];
    if (bounds && (v < bounds[0] || v > bounds[1])) {
      this.report('type', path, `${v} does not fit ${s.type} ${name} (${bounds[0]}..${bounds[1]})`);
      return;
    }
    this.range(name, s, v, path);
  }

  private range(name: string, s: Shape, v: number, path: string): void {
    if (!this.constraints) return;
    if (s.min !== undefined && v < s.min) this.report('range', path, `${v} is below the minimum ${s.min} of ${name}`);
    if (s.max !== undefined && v > s.max) this.report('range', path, `${v} is above the maximum ${s.max} of ${name}`);
  }

  /** A header-bound member, parsed as the SDKs parse headers. */
  headerValue(ref: ShapeRef, raw: string, path: string): void {
    const name = ref.shape;
    const s = this.shape(name);
    switch (s.type) {
      case 'string':
        if (ref.jsonvalue || s.jsonvalue) {
          const decoded = BASE64.test(raw) ? parseJson(Buffer.from(raw, 'base64')) : undefined;
          if (!decoded?.ok) this.report('type', path, `expected base64-encoded JSON (${name}), got ${show(raw)}`);
          return;
        }
        this.stringValue(name, s, raw, path);
        return;
      case 'byte':
      case 'short':
      case 'integer':
      case 'long':
        if (!/^[+-]?\d+$/.test(raw)) {
          this.report('type', path, `expected an integer header (${s.type} ${name}), got ${show(raw)}`);
          return;
        }
        this.integerRange(name, s, Number(raw), path);
        return;
      case 'float':
      case 'double':
        if (NON_FINITE.has(raw)) return;
        if (raw.trim() === '' || !Number.isFinite(Number(raw))) {
          this.report('type', path, `expected a numeric header (${s.type} ${name}), got ${show(raw)}`);
          return;
        }
        this.range(name, s, Number(raw), path);
        return;
      case 'boolean':
        if (raw !== 'true' && raw !== 'false') {
          this.report('type', path, `expected "true" or "false" (boolean ${name}), got ${show(raw)}`);
        }
        return;
      case 'timestamp': {
        const format = ref.timestampFormat ?? s.timestampFormat ?? 'rfc822';
        if (!this.timestampText(format, raw)) this.report('type', path, `expected an ${format} timestamp (${name}), got ${show(raw)}`);
        return;
      }
      case 'blob':
        if (!BASE64.test(raw)) this.report('type', path, `expected base64 (blob ${name}), got ${show(raw)}`);
        return;
      case 'list':
        if (s.member) {
          const member = s.member;
          raw.split(',').forEach((part, i) => this.headerValue(member, part.trim(), `${path}[${i}]`));
        }
        return;
      default:
        this.report('type', path, `shape ${name} has type ${s.type}, which a header cannot carry`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Public checks.

/**
 * Every way `response` (to `operationName`) departs from the botocore model; empty when it
 * conforms. 2xx is read as the operation's output, 4xx/5xx as an error.
 */
export function checkResponse(
  model: AwsModel,
  operationName: string,
  response: RawResponse,
  options: CheckOptions = {},
): ModelProblem[] {
  const op = model.operations[operationName];
  if (!op) throw new Error(`aws-model: ${describeModel(model)} has no operation ${operationName}`);
  return check(model, { name: operationName, op }, response, options);
}

function check(
  model: AwsModel,
  operation: { name: string; op: OperationModel } | undefined,
  response: RawResponse,
  options: CheckOptions,
): ModelProblem[] {
  const c = new Checker(model, protocolOf(model), options);
  const headers = normalizeHeaders(response.headers);
  const body = toBuffer(response.body);
  const { status } = response;
  if (status >= 200 && status < 300) {
    if (operation) c.success(operation.name, operation.op, status, headers, body);
    else c.report('operation', 'request', `HTTP ${status} answered a request that matches no operation of ${describeModel(model)}`);
  } else if (status >= 400 && status < 600) {
    c.error(status, headers, body);
  } else {
    c.report('status', 'status', `HTTP ${status} is neither a success (2xx) nor an error (4xx/5xx)`);
  }
  return c.problems;
}

/** The problems as an indented list, one per line. */
export function formatProblems(problems: readonly ModelProblem[]): string {
  return problems.map((p) => `  - ${p.path} [${p.kind}] ${p.message}`).join('\n');
}

function fail(what: string, model: AwsModel, status: number, problems: readonly ModelProblem[], ssf: Function): never {
  const n = problems.length;
  const head = `${what}: HTTP ${status} response does not match the botocore model ${describeModel(model)}`;
  throw new AssertionError({
    message: `${head} (${n} problem${n === 1 ? '' : 's'}):\n${formatProblems(problems)}`,
    stackStartFn: ssf,
  });
}

/** Throws an AssertionError listing every problem (with its path) unless the response conforms. */
export function assertResponseMatchesModel(
  model: AwsModel,
  operationName: string,
  response: RawResponse,
  options: CheckOptions = {},
): void {
  const problems = checkResponse(model, operationName, response, options);
  if (problems.length > 0) fail(operationName, model, response.status, problems, assertResponseMatchesModel);
}

/**
 * Like checkResponse, with the operation found from the request (see operationFor). Error
 * responses to requests that match no operation (404 UnknownOperationException…) are still
 * checked as errors; a success to such a request is a problem.
 */
export function checkExchange(
  model: AwsModel,
  request: RawRequest,
  response: RawResponse,
  options: CheckOptions = {},
): ModelProblem[] {
  const name = operationFor(model, request.method, request.path, request.headers);
  const op = name !== undefined ? model.operations[name] : undefined;
  return check(model, name !== undefined && op ? { name, op } : undefined, response, options);
}

/** Throws an AssertionError unless checkExchange finds no problem. */
export function assertExchangeMatchesModel(
  model: AwsModel,
  request: RawRequest,
  response: RawResponse,
  options: CheckOptions = {},
): void {
  const problems = checkExchange(model, request, response, options);
  if (problems.length > 0) {
    const name = operationFor(model, request.method, request.path, request.headers);
    const what = `${name ?? 'no operation'} (${request.method} ${request.path})`;
    fail(what, model, response.status, problems, assertExchangeMatchesModel);
  }
}

// ---------------------------------------------------------------------------------------------
// Requests to operations.

interface CompiledRoute {
  readonly name: string;
  readonly method: string;
  readonly path: RegExp;
  readonly query: readonly (readonly [string, string])[];
  readonly literal: number;
  readonly greedy: number;
}

const routeCache = new WeakMap<AwsModel, readonly CompiledRoute[]>();
const trimSlash = (p: string): string => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p);
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compileRoutes(model: AwsModel): readonly CompiledRoute[] {
  let routes = routeCache.get(model);
  if (routes) return routes;
  routes = Object.entries(model.operations).map(([name, op]) => {
    const uri = op.http.requestUri;
    const q = uri.indexOf('?');
    const tpl = trimSlash(q >= 0 ? uri.slice(0, q) : uri);
    let re = '^';
    let literal = 0;
    let greedy = 0;
    let last = 0;
    for (const m of tpl.matchAll(/\{([^}]+)\}/g)) {
      const text = tpl.slice(last, m.index);
      re += escapeRe(text);
      literal += text.length;
      if (m[1]?.endsWith('+')) {
        re += '.+';
        greedy++;
      } else re += '[^/]+';
      last = m.index + m[0].length;
    }
    const tail = tpl.slice(last);
    re += `${escapeRe(tail)}$`;
    literal += tail.length;
    const query = q >= 0 ? [...new URLSearchParams(uri.slice(q + 1))].map(([k, v]) => [k, v] as const) : [];
    return { name, method: op.http.method.toUpperCase(), path: new RegExp(re), query, literal, greedy };
  });
  routeCache.set(model, routes);
  return routes;
}

/**
 * The operation a request addresses: restJson by matching `http.requestUri` templates
 * (`{Label}`, greedy `{Label+}`, literal query parts such as `?List=ALL`; the most specific
 * wins), awsJson by the `x-amz-target` header. Undefined when none matches.
 */
export function operationFor(
  model: AwsModel,
  method: string,
  requestPath: string,
  headers?: ResponseHeaders,
): string | undefined {
  if (protocolOf(model) === 'json') {
    const target = normalizeHeaders(headers).get('x-amz-target');
    if (method.toUpperCase() !== 'POST' || target === undefined) return undefined;
    const dot = target.lastIndexOf('.');
    const prefix = target.slice(0, dot);
    const name = target.slice(dot + 1);
    if (dot < 0 || (model.metadata.targetPrefix !== undefined && prefix !== model.metadata.targetPrefix)) return undefined;
    return Object.hasOwn(model.operations, name) ? name : undefined;
  }
  let target = requestPath;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    const url = new URL(target);
    target = url.pathname + url.search;
  }
  const q = target.indexOf('?');
  const pathname = trimSlash(q >= 0 ? target.slice(0, q) : target);
  const query = new URLSearchParams(q >= 0 ? target.slice(q + 1) : '');
  const m = method.toUpperCase();
  let best: CompiledRoute | undefined;
  for (const r of compileRoutes(model)) {
    if (r.method !== m || !r.path.test(pathname)) continue;
    if (!r.query.every(([k, v]) => (v === '' ? query.has(k) : query.getAll(k).includes(v)))) continue;
    if (
      !best ||
      r.query.length > best.query.length ||
      (r.query.length === best.query.length &&
        (r.literal > best.literal || (r.literal === best.literal && r.greedy < best.greedy)))
    ) {
      best = r;
    }
  }
  return best?.name;
}
