// Signed raw requests to a Lamina server, answered as they came off the wire (4xx/5xx included),
// for tests that look at statuses, headers and bodies themselves or hold the exchange against
// the botocore model (see aws-model.ts).

import assert from 'node:assert/strict';
import { signRequest } from '../../src/sigv4/index.js';
import { assertExchangeMatchesModel, loadAwsModel } from './aws-model.js';
import { type HttpAnswer, httpRequest } from './http.js';
import { CREDENTIALS, type LaminaProcess, REGION } from './lamina.js';

/** The status, Node's (lower-cased) response headers and the body, as they came. */
export interface RawAnswer extends HttpAnswer {
  /**
   * The body parsed as JSON, on first read (later reads give the same object); `{}` for an
   * empty body. Reading it throws when the body is not JSON.
   */
  readonly json: Record<string, unknown>;
}

/** The server to ask: a LaminaProcess, or anything with its base URL. */
export type Server = Pick<LaminaProcess, 'url'>;

export interface RawRequestOptions {
  /** The SigV4 service name (default `lambda`); also the botocore model checkedRequest uses. */
  readonly service?: string;
  /** Request headers, signed with the others; they win over the default content-type. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Sends `method path` to `lamina`, signed with SigV4 as an SDK would (the test credentials and
 * region), and resolves with the raw answer whatever its status; it rejects only when no answer
 * comes. `body`, when given, is sent as JSON (`content-type: application/json` unless
 * `headers` says otherwise); without it the request has no body and no content-type.
 */
export async function rawRequest(lamina: Server, method: string, path: string, body?: unknown, opts: RawRequestOptions = {}): Promise<RawAnswer> {
  const url = new URL(path, lamina.url);
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
  const requestHeaders = { ...(body !== undefined && { 'content-type': 'application/json' }), ...opts.headers };
  const headers = signRequest({ method, url, headers: requestHeaders, body: payload }, CREDENTIALS, {
    region: REGION,
    service: opts.service ?? 'lambda',
  });
  const { status, headers: responseHeaders, body: responseBody } = await httpRequest(url, {
    method,
    headers: { ...headers, 'content-length': String(payload.length) },
    body: payload,
  });
  let json: Record<string, unknown> | undefined;
  return {
    status,
    headers: responseHeaders,
    body: responseBody,
    get json() {
      json ??= responseBody.length > 0 ? (JSON.parse(responseBody.toString('utf8')) as Record<string, unknown>) : {};
      return json;
    },
  };
}

/**
 * rawRequest, then asserts that the exchange matches the botocore model of `opts.service`
 * (default `lambda`): the operation is found from the method, path and headers (x-amz-target
 * for awsJson services), and the answer, success or error, must be one the AWS SDKs accept.
 * Fails when the model is not on the machine (skip such tests with `missing(…botocore…)`).
 */
export async function checkedRequest(lamina: Server, method: string, path: string, body?: unknown, opts: RawRequestOptions = {}): Promise<RawAnswer> {
  const res = await rawRequest(lamina, method, path, body, opts);
  const service = opts.service ?? 'lambda';
  const model = loadAwsModel(service);
  assert.ok(model, `the botocore ${service} model is available`);
  assertExchangeMatchesModel(model, { method, path, ...(opts.headers && { headers: opts.headers }) }, res);
  return res;
}
