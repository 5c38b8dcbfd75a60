// The shapes a route handler works with: the request as received (with its body read and
// its signature checked) and the response it returns. Rendering to the socket lives in
// server.ts; this file has no I/O.

import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from '../model/index.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

export interface ApiRequest {
  readonly method: string;
  /** Path parameters, percent-decoded. */
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly requestId: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** A Buffer is sent as is; anything else (but undefined) as JSON. */
  readonly body?: unknown;
}

export type Handler = (req: ApiRequest) => ApiResponse | Promise<ApiResponse>;

export interface Route {
  readonly method: HttpMethod;
  /**
   * find-my-way syntax: `/2015-03-31/functions/:FunctionName`. For AWS JSON protocol
   * services (CloudWatch Logs, SQS, EventBridge: `POST /` routed by X-Amz-Target), the
   * path is `/` and `target` names the operation.
   */
  readonly path: string;
  /** X-Amz-Target value, e.g. `Logs_20140328.FilterLogEvents` (AWS JSON protocol routes). */
  readonly target?: string;
  /** The AWS operation name, for logs and metrics. */
  readonly operation: string;
  /** Largest body accepted, in bytes; larger requests get 413 before the handler runs. */
  readonly bodyLimit?: number;
  /** Message of the 413 for this operation (defaults to AWS's generic wording). */
  readonly tooLargeMessage?: string;
  readonly handle: Handler;
}

export const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });
export const noContent = (status = 204): ApiResponse => ({ status });

/** The request body as a JSON object; an empty body is `{}`. */
export function jsonBody(req: ApiRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(req.body.toString('utf8'));
  } catch (err) {
    throw new ApiError(
      'InvalidRequestContentException',
      `Could not parse request body into json: ${(err as Error).message}`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ApiError('InvalidRequestContentException', 'Could not parse request body into json: expected an object');
  }
  return value as Record<string, unknown>;
}
