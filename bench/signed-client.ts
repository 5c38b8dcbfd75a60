// The bench's HTTP client: what an AWS SDK does on the wire, and nothing more. One keep-alive
// agent, a fresh Signature V4 for every request, and the client-observed time of each request
// (from the first byte written to the last byte of the answer read) by process.hrtime.bigint().

import http from 'node:http';
import { signRequest } from '../src/sigv4/index.js';
import { msBetween } from './stats.js';

export const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;
export const REGION = 'us-east-1';

/** A request to send, possibly many times. */
export interface RequestSpec {
  /** e.g. http://127.0.0.1:8700 */
  readonly endpoint: string;
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** The SigV4 service name (`lambda`, `logs`). */
  readonly service: string;
}

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** Client-observed milliseconds on the wire (signing excluded). */
  readonly ms: number;
}

export class SignedClient {
  private readonly agent: http.Agent;

  constructor(maxSockets = Infinity) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: 1024, scheduling: 'lifo' });
  }

  /** Signs and sends one request; resolves with the answer whatever its status. */
  async send(spec: RequestSpec): Promise<Answer> {
    const url = new URL(spec.path, spec.endpoint);
    const body = Buffer.from(spec.body ?? '');
    const headers = signRequest(
      { method: spec.method, url, headers: { ...spec.headers }, body },
      CREDENTIALS,
      { region: REGION, service: spec.service },
    );
    headers['content-length'] = String(body.length);
    return this.exchange(url, spec.method, headers, body, false);
  }

  close(): void {
    this.agent.destroy();
  }

  private exchange(url: URL, method: string, headers: Record<string, string>, body: Buffer, retried: boolean): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      const start = process.hrtime.bigint();
      const req = http.request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const ms = msBetween(start, process.hrtime.bigint());
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms });
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A server may close a kept-alive socket just as it is reused (as SDKs do: retry once).
        if (!retried && req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
          this.exchange(url, method, headers, body, true).then(resolve, reject);
        } else reject(err);
      });
      req.end(body);
    });
  }
}

/** Path of a synchronous Invoke of `name` (the Lambda REST API, also serverless-offline's). */
export function invokePath(name: string): string {
  return `/2015-03-31/functions/${encodeURIComponent(name)}/invocations`;
}

/** A synchronous Invoke of `name` with an empty JSON event, as an SDK sends it. */
export function invokeRequest(endpoint: string, name: string): RequestSpec {
  return { endpoint, method: 'POST', path: invokePath(name), body: '{}', headers: { 'content-type': 'application/json' }, service: 'lambda' };
}
