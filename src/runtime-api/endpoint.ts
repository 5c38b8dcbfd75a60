// One Runtime API endpoint: the HTTP server that a single execution environment's runtime
// polls (its AWS_LAMBDA_RUNTIME_API). It speaks the protocol and enforces its state machine;
// what to do with an event is the owner's business (pool/): the endpoint reports each call
// through `onEvent`, and the owner hands out work with deliver().
//
// Hot path: a held `next` is answered by deliver() with one writeHead + end, and a posted
// result is handed over as the raw bytes received, never parsed or re-encoded.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  CALL_TARGET,
  MAX_ERROR_BYTES,
  MAX_RESPONSE_BYTES,
  normalizeErrorType,
  type RuntimeCall,
  type RuntimeState,
  transition,
} from './protocol.js';

/** An invocation as the runtime receives it. */
export interface Invocation {
  readonly requestId: string;
  readonly payload: Buffer;
  /** Epoch ms. */
  readonly deadlineMs: number;
  readonly invokedFunctionArn: string;
  readonly traceId?: string;
  /** JSON text (already base64-decoded). */
  readonly clientContext?: string;
  /** JSON text. */
  readonly cognitoIdentity?: string;
  readonly contentType?: string;
}

export type RuntimeEvent =
  /** The runtime is waiting for work (its first `next` ends Init). */
  | { readonly kind: 'next'; readonly first: boolean }
  /** A held `next` went away (its connection closed) before work was delivered. */
  | { readonly kind: 'next-lost' }
  | { readonly kind: 'response'; readonly requestId: string; readonly body: Buffer }
  | { readonly kind: 'error'; readonly requestId: string; readonly body: Buffer; readonly errorType: string }
  /** The runtime posted a response larger than the limit. */
  | { readonly kind: 'oversize'; readonly requestId: string }
  | { readonly kind: 'init-error'; readonly body: Buffer; readonly errorType: string };

export interface EndpointOptions {
  readonly host?: string;
  /** Whether a new connection may talk to this endpoint (the sandbox's peer check). */
  readonly admit?: (socket: Socket) => boolean;
  readonly onEvent: (event: RuntimeEvent) => void;
}

const PREFIX = '/2018-06-01/runtime/';
const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** scope: one per execution environment; outlives runtime restarts (see reset()). */
export class RuntimeEndpoint {
  private state: RuntimeState = 'Init';
  /** The held `next`, when the runtime is waiting. */
  private waiter: ServerResponse | undefined;
  /** The invocation handed out and not yet answered. */
  private current: Invocation | undefined;
  /** The id of the last answered invocation, to tell a repeat from a stranger. */
  private lastAnswered: string | undefined;
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  private constructor(private readonly opts: EndpointOptions) {
    this.server = http.createServer({ keepAlive: true, noDelay: true }, (req, res) => this.route(req, res));
    // A runtime's connection sits idle while its handler runs (or while it is frozen):
    // never close it for that.
    this.server.keepAliveTimeout = 0;
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 0;
    this.server.on('connection', (socket: Socket) => {
      if (opts.admit && !opts.admit(socket)) {
        socket.destroy();
        return;
      }
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.once('close', () => {
        this.sockets.delete(socket);
        // A held `next` whose connection went away must not be handed work: it would be lost.
        if (this.waiter?.socket === socket) {
          this.waiter = undefined;
          this.opts.onEvent({ kind: 'next-lost' });
        }
      });
    });
  }

  static async listen(opts: EndpointOptions): Promise<RuntimeEndpoint> {
    const endpoint = new RuntimeEndpoint(opts);
    await new Promise<void>((resolve, reject) => {
      endpoint.server.once('error', reject);
      endpoint.server.listen(0, opts.host ?? '127.0.0.1', () => resolve());
    });
    endpoint.port = (endpoint.server.address() as AddressInfo).port;
    return endpoint;
  }

  /** `host:port`, the value of AWS_LAMBDA_RUNTIME_API. */
  get address(): string {
    return `${this.opts.host ?? '127.0.0.1'}:${this.port}`;
  }

  get runtimeState(): RuntimeState {
    return this.state;
  }

  /** Whether a runtime is waiting in `next` right now. */
  get waiting(): boolean {
    return this.waiter !== undefined;
  }

  /** Hands an invocation to the waiting runtime. Returns false when none is waiting. */
  deliver(inv: Invocation): boolean {
    const res = this.waiter;
    if (!res || this.state !== 'Ready') return false;
    this.waiter = undefined;
    const headers: Record<string, string> = {
      'Content-Type': inv.contentType ?? 'application/json',
      'Lambda-Runtime-Aws-Request-Id': inv.requestId,
      'Lambda-Runtime-Deadline-Ms': String(inv.deadlineMs),
      'Lambda-Runtime-Invoked-Function-Arn': inv.invokedFunctionArn,
      'Content-Length': String(inv.payload.length),
    };
    if (inv.traceId) headers['Lambda-Runtime-Trace-Id'] = inv.traceId;
    if (inv.clientContext) headers['Lambda-Runtime-Client-Context'] = inv.clientContext;
    if (inv.cognitoIdentity) headers['Lambda-Runtime-Cognito-Identity'] = inv.cognitoIdentity;
    this.state = 'Invoking';
    this.current = inv;
    res.writeHead(200, headers);
    res.end(inv.payload);
    return true;
  }

  /**
   * Forgets the runtime that was here (it was killed): the next runtime to connect starts in
   * Init. Open connections of the old runtime are cut.
   */
  reset(): void {
    this.state = 'Init';
    this.current = undefined;
    this.waiter = undefined;
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.waiter = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    if (!url.startsWith(PREFIX)) return notFound(res);
    const rest = url.slice(PREFIX.length);
    if (req.method === 'GET' && rest === 'invocation/next') return this.onNext(req, res);
    if (req.method === 'POST') {
      if (rest === 'init/error') return this.onInitError(req, res);
      if (rest.startsWith('invocation/')) {
        const slash = rest.indexOf('/', 11);
        const id = decodeURIComponent(rest.slice(11, slash));
        const what = rest.slice(slash + 1);
        if (slash > 11 && what === 'response') return this.onResult(req, res, id, 'response');
        if (slash > 11 && what === 'error') return this.onResult(req, res, id, 'error');
      }
    }
    notFound(res);
  }

  private onNext(req: IncomingMessage, res: ServerResponse): void {
    const first = this.state === 'Init';
    // A runtime that lost its held `next` (a dropped connection) may poll again from Ready.
    const again = this.state === 'Ready' && this.waiter === undefined;
    if (!again && !this.allowed('next', res)) return;
    this.state = 'Ready';
    this.waiter = res;
    this.opts.onEvent({ kind: 'next', first });
  }

  private onResult(req: IncomingMessage, res: ServerResponse, id: string, call: 'response' | 'error'): void {
    const current = this.current;
    if (!current || current.requestId !== id) {
      req.resume();
      if (id === this.lastAnswered) return refuseTransition(res, this.state, call);
      return reply(res, 400, { errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' });
    }
    if (!this.allowed(call, res, req)) return;
    const limit = call === 'response' ? MAX_RESPONSE_BYTES : MAX_ERROR_BYTES;
    readBounded(req, limit).then((body) => {
      if (this.current !== current) {
        // The invocation ended (timeout) while its result was arriving.
        return reply(res, 400, { errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' });
      }
      this.current = undefined;
      this.lastAnswered = id;
      this.state = 'Responded';
      if (body === undefined) {
        reply(res, 413, {
          errorType: 'RequestEntityTooLarge',
          errorMessage: `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
        });
        this.opts.onEvent({ kind: 'oversize', requestId: id });
        return;
      }
      accepted(res);
      if (call === 'response') this.opts.onEvent({ kind: 'response', requestId: id, body });
      else {
        const errorType = normalizeErrorType(header(req, 'lambda-runtime-function-error-type'));
        this.opts.onEvent({ kind: 'error', requestId: id, body, errorType });
      }
    }, () => res.destroy());
  }

  private onInitError(req: IncomingMessage, res: ServerResponse): void {
    if (!this.allowed('init-error', res, req)) return;
    readBounded(req, MAX_ERROR_BYTES).then((body) => {
      this.state = 'InitError';
      accepted(res);
      const errorType = normalizeErrorType(header(req, 'lambda-runtime-function-error-type'));
      this.opts.onEvent({ kind: 'init-error', body: body ?? Buffer.alloc(0), errorType });
    }, () => res.destroy());
  }

  /** Applies the state machine; answers 403 and returns false when `call` is not allowed. */
  private allowed(call: RuntimeCall, res: ServerResponse, req?: IncomingMessage): boolean {
    const next = transition(this.state, call);
    if (next !== undefined) return true;
    req?.resume();
    refuseTransition(res, this.state, call);
    return false;
  }

  /** The invocation handed out and not yet answered, if any. */
  get inFlight(): Invocation | undefined {
    return this.current;
  }

  /** Ends the in-flight invocation without a result (it timed out): late posts get 400. */
  abandon(): void {
    if (this.current) this.lastAnswered = this.current.requestId;
    this.current = undefined;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

const ACCEPTED = Buffer.from(JSON.stringify({ status: 'OK' }));
const ACCEPTED_HEADERS = { ...JSON_HEADERS, 'Content-Length': String(ACCEPTED.length) };

function accepted(res: ServerResponse): void {
  res.writeHead(202, ACCEPTED_HEADERS);
  res.end(ACCEPTED);
}

function notFound(res: ServerResponse): void {
  reply(res, 404, { errorType: 'NotFound', errorMessage: 'Not found' });
}

function refuseTransition(res: ServerResponse, from: RuntimeState, call: RuntimeCall): void {
  reply(res, 403, {
    errorType: 'InvalidStateTransition',
    errorMessage: `State transition from ${from} to ${CALL_TARGET[call]} failed for runtime. Error: State transition is not allowed`,
  });
}

/** The whole body, or undefined when it is larger than `limit` (the rest is discarded). */
function readBounded(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}
