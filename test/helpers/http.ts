// Plain HTTP from tests: one request answered raw (the signed kind is in raw.ts), presigned
// URLs (Code.Location) fetched as a browser would, and the server's /health document.

import http from 'node:http';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface HttpRequestOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

/** Sends one request with node:http, as given (nothing is signed); resolves with the answer whatever its status. */
export function httpRequest(url: string | URL, opts: HttpRequestOptions = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** GETs `url` with no signature, as a browser following a presigned URL would. */
export const httpGet = (url: string | URL): Promise<HttpAnswer> => httpRequest(url);

/** What GET /health answers (see main.ts), as far as tests read it. */
export interface Health {
  readonly status: string;
  readonly isolation: { readonly level: string; readonly detail: string; readonly degraded?: string };
  readonly environments: {
    readonly environments: number;
    readonly byState: Readonly<Record<string, number>>;
    readonly queued: number;
    readonly starting: number;
  };
  /** Prewarmed runtimes waiting, per runtime (absent when prewarming is off). */
  readonly prewarmed?: Readonly<Record<string, number>>;
  readonly runtimes: readonly { readonly id: string; readonly version?: string; readonly executable?: string; readonly warning?: string }[];
}

/** The /health document of the server at `baseUrl`. */
export async function healthOf(baseUrl: string): Promise<Health> {
  const res = await httpGet(new URL('/health', baseUrl));
  return JSON.parse(res.body.toString('utf8')) as Health;
}
