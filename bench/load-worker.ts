// The load generator: a child process of the runner (never the server's, never the runner's
// own event loop) that runs one job at a time on request over IPC and reports back. Each of
// `concurrency` loops sends its next request as soon as its previous one has returned.

import { type RequestSpec, SignedClient } from './signed-client.js';
import { msBetween } from './stats.js';

export interface LoadJob {
  readonly request: RequestSpec;
  readonly concurrency: number;
  /** Keep sending until this many ms have passed (throughput)… */
  readonly durationMs?: number;
  /** …or until this many requests in all have returned (latency, bursts). */
  readonly count?: number;
  /** Return every request's time. */
  readonly latencies?: boolean;
  /** Each `{n}` in the path and body becomes a number unique within this worker. */
  readonly unique?: boolean;
  /** Use new connections for this job (a burst from clients that had none open). */
  readonly fresh?: boolean;
  /** Wait this long between a loop's requests (an environment then freezes in between). */
  readonly pauseMs?: number;
}

export interface LoadResult {
  readonly completed: number;
  readonly errors: number;
  readonly firstError?: string;
  /** From the first request sent to the last answer received. */
  readonly elapsedMs: number;
  /** CPU time the load generator itself used meanwhile (user + system). */
  readonly cpuMs: number;
  readonly latenciesMs?: number[];
}

let counter = 0;

export async function runJob(client: SignedClient, job: LoadJob): Promise<LoadResult> {
  const latencies: number[] = [];
  let completed = 0;
  let errors = 0;
  let started = 0;
  let firstError: string | undefined;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = job.durationMs !== undefined ? start + BigInt(Math.round(job.durationMs * 1e6)) : undefined;
  const more = (): boolean =>
    job.count !== undefined ? started < job.count : deadline !== undefined && process.hrtime.bigint() < deadline;

  const loop = async (): Promise<void> => {
    while (more()) {
      if (job.pauseMs && started > 0) await new Promise((r) => setTimeout(r, job.pauseMs));
      started++;
      let spec = job.request;
      if (job.unique) {
        const n = String(++counter);
        spec = { ...spec, path: spec.path.replaceAll('{n}', n), ...(spec.body !== undefined && { body: spec.body.replaceAll('{n}', n) }) };
      }
      try {
        const answer = await client.send(spec);
        const functionError = answer.headers['x-amz-function-error'];
        if (answer.status >= 300 || functionError !== undefined) {
          errors++;
          firstError ??= `HTTP ${answer.status}${functionError ? ` (${String(functionError)})` : ''}: ${answer.body.toString('utf8').slice(0, 300)}`;
        } else {
          completed++;
          if (job.latencies) latencies.push(answer.ms);
        }
      } catch (err) {
        errors++;
        firstError ??= String((err as Error).message ?? err);
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, loop));
  return {
    completed,
    errors,
    ...(firstError !== undefined && { firstError }),
    elapsedMs: msBetween(start, process.hrtime.bigint()),
    cpuMs: ((u) => (u.user + u.system) / 1000)(process.cpuUsage(cpu)),
    ...(job.latencies && { latenciesMs: latencies }),
  };
}

// As a child process: one client (one agent, its sockets kept alive across jobs).
if (process.send) {
  const client = new SignedClient();
  process.on('message', (msg: { id: number; job?: LoadJob; exit?: boolean }) => {
    if (msg.exit) {
      client.close();
      process.exit(0);
    }
    if (!msg.job) return;
    const own = msg.job.fresh ? new SignedClient() : undefined;
    runJob(own ?? client, msg.job)
      .then(
        (result) => process.send!({ id: msg.id, result }),
        (err: unknown) => process.send!({ id: msg.id, error: String(err) }),
      )
      .finally(() => own?.close());
  });
  process.send({ ready: true });
}
