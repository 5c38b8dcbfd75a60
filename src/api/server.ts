// The HTTP front door: one listener for every request on Lamina's port. For each request:
// route → read the body (bounded by the route's limit) → verify its Signature V4 → run the
// handler → write the answer, and AWS's error shape for anything that went wrong. Nothing
// internal (stack traces, paths) ever reaches the client.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import FindMyWay from 'find-my-way';
import type { Logger } from '../config/index.js';
import { ApiError } from '../model/index.js';
import type { ApiRequest, ApiResponse, Route } from './http.js';

/** What the front door needs from the rest of Lamina. */
export interface FrontDoorOptions {
  readonly routes: readonly Route[];
  /**
   * Verifies the request's signature and that its signer may make it; throws an ApiError
   * when either does not hold. `root`: signed with Lamina's root credentials.
   */
  readonly authenticate: (req: {
    method: string;
    rawPath: string;
    rawQuery: string;
    headers: IncomingMessage['headersDistinct'];
    body: Buffer;
    operation: string;
    params: Readonly<Record<string, string | undefined>>;
  }) => { readonly root: boolean };
  /** The body of GET /health (unauthenticated). */
  readonly health: () => unknown;
  /**
   * Whether a connection comes from inside a function's sandbox. Functions share the host's
   * network, but Lamina's root credentials are not theirs to use: such requests are refused
   * (a function signs with its own execution-role credentials).
   */
  readonly fromSandbox?: (socket: Socket) => boolean;
  readonly logger: Logger;
}

/** Body limit for routes that do not set their own, and for unknown paths. */
const DEFAULT_BODY_LIMIT = 6 * 1024 * 1024;

interface RouteEntry {
  readonly route: Route;
}

export function createFrontDoor(opts: FrontDoorOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const router = FindMyWay({ ignoreTrailingSlash: true, maxParamLength: 2048 });
  /** X-Amz-Target => route, for the AWS JSON protocol services */
  const targets = new Map<string, Route>();
  for (const route of opts.routes) {
    if (route.target !== undefined) targets.set(route.target, route);
    else router.on(route.method, route.path, () => {}, { route } satisfies RouteEntry);
  }
  const { logger } = opts;
  /** socket => whether its peer is a sandboxed function (looked up once per connection) */
  const sandboxed = new WeakMap<Socket, boolean>();
  const isSandboxed = (socket: Socket): boolean => {
    if (!opts.fromSandbox) return false;
    let known = sandboxed.get(socket);
    if (known === undefined) {
      known = opts.fromSandbox(socket);
      sandboxed.set(socket, known);
    }
    return known;
  };

  return function onRequest(req, res) {
    const started = performance.now();
    const requestId = randomUUID();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const method = req.method ?? 'GET';

    if (rawPath === '/health' && (method === 'GET' || method === 'HEAD')) {
      sendJson(res, 200, opts.health(), requestId);
      return;
    }

    const target = req.headers['x-amz-target'];
    const json = typeof target === 'string' && method === 'POST' && rawPath === '/';
    const found = json ? undefined : router.find(method as FindMyWay.HTTPMethod, rawPath);
    const route = json ? targets.get(target) : (found?.store as RouteEntry | undefined)?.route;
    const operation = route?.operation ?? 'Unknown';
    const limit = route?.bodyLimit ?? DEFAULT_BODY_LIMIT;

    const finish = (status: number, err?: unknown): void => {
      if (!logger.enabled('info')) return;
      const fields: Record<string, unknown> = {
        requestId,
        operation,
        status,
        ms: Math.round((performance.now() - started) * 100) / 100,
      };
      if (err instanceof ApiError) fields.error = err.code;
      logger.info('request', fields);
    };

    readBody(req, limit).then(
      async (body) => {
        try {
          const params = found?.params ?? {};
          const caller = opts.authenticate({ method, rawPath, rawQuery, headers: req.headersDistinct, body, operation, params });
          if (caller.root && isSandboxed(req.socket)) {
            throw new ApiError('AccessDeniedException', "Requests from inside a function's sandbox cannot use Lamina's credentials.");
          }
          if (!route) {
            throw new ApiError('UnknownOperationException', `Unknown operation ${json ? target : `${method} ${rawPath}`}`);
          }
          const apiReq: ApiRequest = {
            method,
            params,
            query: new URLSearchParams(rawQuery),
            headers: req.headers,
            body,
            requestId,
          };
          const answer = await route.handle(apiReq);
          send(res, answer, requestId);
          finish(answer.status);
        } catch (err) {
          const apiErr = toApiError(err, logger, requestId, operation);
          sendError(res, apiErr, requestId, json);
          finish(apiErr.status, apiErr);
        }
      },
      (tooLarge: unknown) => {
        if (!(tooLarge instanceof BodyTooLarge)) {
          req.socket.destroy(); // the connection broke while the body arrived
          return;
        }
        const message =
          route?.tooLargeMessage ?? `Request must be smaller than ${limit} bytes for the ${operation} operation`;
        const err = new ApiError('RequestEntityTooLargeException', message);
        if (tooLarge.cutOff) res.setHeader('Connection', 'close');
        sendError(res, err, requestId, json);
        finish(err.status, err);
      },
    );
  };
}

function toApiError(err: unknown, logger: Logger, requestId: string, operation: string): ApiError {
  if (err instanceof ApiError) return err;
  logger.error('unhandled error', { requestId, operation, error: String((err as Error)?.stack ?? err) });
  return new ApiError('ServiceException', 'An internal error occurred. Please try again.');
}

/** An oversize body; `cutOff`: the client was still sending when Lamina stopped listening. */
class BodyTooLarge extends Error {
  constructor(readonly cutOff: boolean) {
    super('body too large');
  }
}

/**
 * Reads the whole body. One larger than `limit` bytes is refused — after the rest of it has
 * been read and discarded, so that the client, still sending, gets the answer rather than a
 * broken pipe; a client that goes on past twice the limit is cut off.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const cap = 2 * limit + 1024 * 1024;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > cap) {
      req.resume();
      reject(new BodyTooLarge(true));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > cap) {
        req.removeAllListeners('end');
        reject(new BodyTooLarge(true));
      }
    });
    req.on('end', () => {
      if (size > limit) reject(new BodyTooLarge(false));
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, answer: ApiResponse, requestId: string): void {
  const headers: Record<string, string | number> = { 'x-amzn-RequestId': requestId, ...answer.headers };
  let payload: Buffer | string | undefined;
  if (answer.body instanceof Buffer) payload = answer.body;
  else if (answer.body !== undefined) {
    payload = JSON.stringify(answer.body);
    headers['Content-Type'] ??= 'application/json';
  }
  headers['Content-Length'] = payload === undefined ? 0 : Buffer.byteLength(payload);
  res.writeHead(answer.status, headers);
  res.end(payload);
}

function sendJson(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  send(res, { status, body }, requestId);
}

/** Errors in rest-json shape, or in the AWS JSON protocol's (`__type`, always 400 for clients). */
function sendError(res: ServerResponse, err: ApiError, requestId: string, json = false): void {
  const body = json ? { __type: err.code, message: err.message, ...err.fields } : err.toBody();
  const status = json && err.status < 500 && err.status !== 403 && err.status !== 413 ? 400 : err.status;
  send(
    res,
    {
      status,
      headers: { 'x-amzn-ErrorType': err.code, ...err.headers, ...(json && { 'Content-Type': 'application/x-amz-json-1.1' }) },
      body,
    },
    requestId,
  );
}
