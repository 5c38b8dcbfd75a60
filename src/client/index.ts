// A small typed client for Lamina's own HTTP API, signing requests with Signature V4 like
// any AWS SDK would. Used by the CLI (and later the console); nothing here knows the server.

import http from 'node:http';
import { signRequest } from '../sigv4/index.js';

export interface ClientOptions {
  /** e.g. http://127.0.0.1:8700 */
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export interface ClientResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** An AWS error answer, with its code and message. */
export class ClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class LaminaClient {
  private readonly agent = new http.Agent({ keepAlive: true });

  constructor(private readonly opts: ClientOptions) {}

  /** Sends a signed request; throws ClientError for a 4xx/5xx answer, or a network error. */
  async request(
    method: string,
    pathAndQuery: string,
    opts: { body?: Buffer | string; headers?: Record<string, string>; service?: string } = {},
  ): Promise<ClientResponse> {
    const url = new URL(pathAndQuery, this.opts.endpoint);
    const body = opts.body === undefined ? Buffer.alloc(0) : Buffer.from(opts.body);
    const headers = signRequest(
      { method, url, headers: { ...opts.headers }, body },
      this.opts.credentials,
      { region: this.opts.region, service: opts.service ?? 'lambda' },
    );
    const res = await new Promise<ClientResponse>((resolve, reject) => {
      const req = http.request(url, { method, headers: { ...headers, 'content-length': String(body.length) }, agent: this.agent }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks) }));
        r.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
    if (res.status >= 400) throw toClientError(res);
    return res;
  }

  async json<T>(method: string, pathAndQuery: string, body?: unknown): Promise<T> {
    const res = await this.request(method, pathAndQuery, {
      ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return (res.body.length ? JSON.parse(res.body.toString('utf8')) : {}) as T;
  }

  health(): Promise<Record<string, unknown>> {
    return this.json('GET', '/health');
  }

  /** Every function ($LATEST), following NextMarker. */
  async listFunctions(): Promise<Record<string, unknown>[]> {
    const all: Record<string, unknown>[] = [];
    let marker: string | undefined;
    do {
      const page = await this.json<{ Functions: Record<string, unknown>[]; NextMarker?: string }>(
        'GET',
        `/2015-03-31/functions${marker ? `?Marker=${encodeURIComponent(marker)}` : ''}`,
      );
      all.push(...page.Functions);
      marker = page.NextMarker;
    } while (marker);
    return all;
  }

  /** Invokes a function (synchronously unless `invocationType` says otherwise). */
  async invoke(name: string, payload: Buffer | string | undefined, opts: InvokeOptions = {}): Promise<InvokeResult> {
    const query = opts.qualifier !== undefined ? `?Qualifier=${encodeURIComponent(opts.qualifier)}` : '';
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (opts.invocationType) headers['x-amz-invocation-type'] = opts.invocationType;
    if (opts.tail) headers['x-amz-log-type'] = 'Tail';
    const res = await this.request('POST', `/2015-03-31/functions/${encodeURIComponent(name)}/invocations${query}`, {
      ...(payload !== undefined && { body: payload }),
      headers,
    });
    const header = (h: string): string | undefined => {
      const v = res.headers[h];
      return Array.isArray(v) ? v[0] : v;
    };
    const functionError = header('x-amz-function-error');
    const logResult = header('x-amz-log-result');
    const executedVersion = header('x-amz-executed-version');
    return {
      status: res.status,
      payload: res.body,
      ...(functionError !== undefined && { functionError }),
      ...(logResult !== undefined && { logResult }),
      ...(executedVersion !== undefined && { executedVersion }),
    };
  }

  /** GetFunctionConfiguration (of a version or alias with `qualifier`). */
  getFunctionConfiguration(name: string, qualifier?: string): Promise<Record<string, unknown>> {
    const query = qualifier !== undefined ? `?Qualifier=${encodeURIComponent(qualifier)}` : '';
    return this.json('GET', `/2015-03-31/functions/${encodeURIComponent(name)}/configuration${query}`);
  }

  /** Calls a CloudWatch Logs operation (AWS JSON 1.1, signed for service `logs`). */
  async logs<T>(operation: string, input: object): Promise<T> {
    const res = await this.request('POST', '/', {
      body: JSON.stringify(input),
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Logs_20140328.${operation}` },
      service: 'logs',
    });
    return (res.body.length ? JSON.parse(res.body.toString('utf8')) : {}) as T;
  }

  /** One page of FilterLogEvents. */
  filterLogEvents(input: FilterLogEventsInput): Promise<FilterLogEventsOutput> {
    return this.logs('FilterLogEvents', input);
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface InvokeOptions {
  readonly qualifier?: string;
  /** Ask for the last 4 KB of the invocation's log (X-Amz-Log-Type: Tail). */
  readonly tail?: boolean;
  readonly invocationType?: 'RequestResponse' | 'Event' | 'DryRun';
}

export interface InvokeResult {
  readonly status: number;
  readonly payload: Buffer;
  /** X-Amz-Function-Error: the function failed (`Unhandled`). */
  readonly functionError?: string;
  /** X-Amz-Log-Result: base64 of the log tail. */
  readonly logResult?: string;
  readonly executedVersion?: string;
}

export interface FilterLogEventsInput {
  readonly logGroupName?: string;
  readonly logGroupIdentifier?: string;
  readonly logStreamNames?: readonly string[];
  readonly logStreamNamePrefix?: string;
  /** Epoch ms, inclusive. */
  readonly startTime?: number;
  /** Epoch ms, inclusive. */
  readonly endTime?: number;
  readonly filterPattern?: string;
  readonly nextToken?: string;
  readonly limit?: number;
  readonly interleaved?: boolean;
}

export interface FilteredLogEvent {
  readonly logStreamName: string;
  readonly timestamp: number;
  readonly message: string;
  readonly ingestionTime: number;
  readonly eventId: string;
}

export interface FilterLogEventsOutput {
  readonly events: FilteredLogEvent[];
  readonly searchedLogStreams?: { readonly logStreamName: string; readonly searchedCompletely: boolean }[];
  readonly nextToken?: string;
}

function toClientError(res: ClientResponse): ClientError {
  let code = String(res.headers['x-amzn-errortype'] ?? '').split(':')[0] ?? '';
  let message = res.body.toString('utf8');
  try {
    const parsed = JSON.parse(message) as Record<string, unknown>;
    code ||= String(parsed.__type ?? parsed.code ?? '');
    message = String(parsed.message ?? parsed.Message ?? message);
  } catch {
    // not JSON: keep the text
  }
  return new ClientError(res.status, code || `HTTP${res.status}`, message);
}
