// All HTTP between this runtime and the Lambda Runtime API (2018-06-01), over one
// keep-alive connection: long-poll the next event, post a result or an error.
//
//   GET  /runtime/invocation/next          → 200, body = event, Lambda-Runtime-* headers
//   POST /runtime/invocation/{id}/response → 202 (body = the JSON result)
//   POST /runtime/invocation/{id}/error    → 202 (+ Lambda-Runtime-Function-Error-Type)
//   POST /runtime/init/error               → 202, then this process exits
import http from 'node:http';

const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';

export class RuntimeClient {
  #host;
  #port;
  // One socket, reused: /next goes out on the connection the previous POST just freed.
  #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  /** @param {string} hostPort AWS_LAMBDA_RUNTIME_API, `host:port` */
  constructor(hostPort) {
    const colon = hostPort.lastIndexOf(':');
    this.#host = hostPort.slice(0, colon).replace(/^\[(.*)\]$/, '$1'); // [::1]:9001 → ::1
    this.#port = Number(hostPort.slice(colon + 1));
  }

  /** Waits (no timeout: it is a long poll) for the next event: `{ body, headers }`. */
  async next() {
    const res = await this.#request('GET', '/2018-06-01/runtime/invocation/next');
    if (res.status !== 200) throw new Error(`GET /runtime/invocation/next answered ${res.status}: ${res.body}`);
    return { body: res.body, headers: res.headers };
  }

  /** Posts an already serialized JSON result; resolves to the HTTP status. */
  async postResponse(id, json) {
    const path = `/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/response`;
    return (await this.#request('POST', path, json)).status;
  }

  /**
   * Posts `{errorType, errorMessage, trace}` for one invocation; resolves to the HTTP status.
   * `ownConnection`: do not queue behind a pending /next (crash reports).
   */
  async postError(id, payload, { ownConnection = false } = {}) {
    const path = `/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/error`;
    return (await this.#request('POST', path, JSON.stringify(payload), errorTypeHeader(payload), ownConnection)).status;
  }

  /**
   * Before a function is known (a prewarmed cell): one request that does nothing, so that the
   * connection is open and the HTTP code paths are compiled by the time the first /next goes
   * out. Lamina answers it 404.
   */
  async warmUp() {
    await this.#request('GET', '/2018-06-01/runtime/lamina/warm-up').catch(() => {});
    await this.#request('POST', '/2018-06-01/runtime/lamina/warm-up', JSON.stringify({ warm: true })).catch(() => {});
  }

  /** Posts an initialization failure; resolves to the HTTP status. */
  async postInitError(payload, { ownConnection = false } = {}) {
    const path = '/2018-06-01/runtime/init/error';
    return (await this.#request('POST', path, JSON.stringify(payload), errorTypeHeader(payload), ownConnection)).status;
  }

  #request(method, path, body, extraHeaders, ownConnection = false) {
    const headers = { ...extraHeaders };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const agent = ownConnection ? false : this.#agent;
    const options = { host: this.#host, port: this.#port, method, path, headers, agent };
    return new Promise((resolve, reject) => {
      const attempt = (retried) => {
        const req = http.request(options, (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        });
        req.on('error', (err) => {
          // The server may close an idle kept-alive socket just as we reuse it: retry once.
          if (!retried && req.reusedSocket && err.code === 'ECONNRESET') attempt(true);
          else reject(err);
        });
        req.end(body);
      };
      attempt(false);
    });
  }
}

// A header value must be printable ASCII; an error name need not be.
function errorTypeHeader(payload) {
  const errorType = String(payload.errorType).replace(/[^\x20-\x7E]/g, '');
  return errorType ? { [ERROR_TYPE_HEADER]: errorType } : {};
}
