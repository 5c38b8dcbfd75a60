// The runner's side of the load generator: forks bench/load-worker in a process of its own
// and hands it jobs one at a time.

import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadJob, LoadResult } from './load-worker.js';

export type { LoadJob, LoadResult } from './load-worker.js';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'load-worker.js');

export class LoadGenerator {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (msg: { id?: number; result?: LoadResult; error?: string }) => {
      if (msg.id === undefined) return;
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.result) p?.resolve(msg.result);
      else p?.reject(new Error(`load worker: ${msg.error}`));
    });
    child.once('exit', (code, signal) => {
      for (const p of this.pending.values()) p.reject(new Error(`load worker exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  static async start(): Promise<LoadGenerator> {
    const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`load worker exited with ${code} before it was ready`)));
    });
    return new LoadGenerator(child);
  }

  run(job: LoadJob): Promise<LoadResult> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, job });
    });
  }

  /** Runs `job` and throws if any request failed (a figure made of failures means nothing). */
  async runClean(job: LoadJob, what: string): Promise<LoadResult> {
    const r = await this.run(job);
    if (r.errors > 0) throw new Error(`${what}: ${r.errors} of ${r.errors + r.completed} requests failed; first: ${r.firstError}`);
    return r;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.send({ exit: true });
    await exited;
  }
}
