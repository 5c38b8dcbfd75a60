// A Lamina server for the bench, started the way users start it: a child process running
// `bin/lamina.js serve`, on port 0, with a scratch data directory, its log kept quiet.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LaminaClient } from '../src/client/index.js';
import { CREDENTIALS, REGION } from './signed-client.js';

/** The repository's root (this file runs from dist/bench/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Health {
  readonly isolation: { readonly level: string; readonly detail: string; readonly degraded?: string };
  readonly environments: { readonly environments: number; readonly starting: number; readonly queued: number; readonly byState: Record<string, number> };
  readonly runtimes: readonly { readonly id: string; readonly executable?: string; readonly version?: string }[];
  /** Prewarmed runtimes ready (or starting), per runtime id; absent with prewarming off. */
  readonly prewarmed?: Readonly<Record<string, number>>;
}

export interface LaminaServer {
  readonly url: string;
  readonly pid: number;
  readonly client: LaminaClient;
  health(): Promise<Health>;
  /** Waits until no environment is starting or queued and `count(environments)` holds. */
  settle(count: (environments: number) => boolean, timeoutMs?: number): Promise<Health>;
  /** The last of what the server printed (for error messages). */
  output(): string;
  /** SIGTERM, wait, remove the data directory (once; later calls wait for the first). */
  stop(): Promise<void>;
}

export interface ServerOptions {
  readonly isolation?: 'auto' | 'process';
  /** LAMINA_PREWARM; the server's default when undefined. */
  readonly prewarm?: number;
}

export async function startLamina(opts: ServerOptions = {}): Promise<LaminaServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lamina-bench-'));
  // Lamina's defaults, whatever this shell has set (LAMINA_* of the caller are left out).
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LAMINA_')));
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    LAMINA_PORT: '0',
    LAMINA_HOST: '127.0.0.1',
    LAMINA_DATA_DIR: dataDir,
    LAMINA_LOG_LEVEL: 'warn',
    LAMINA_ISOLATION: opts.isolation ?? 'auto',
  };
  if (opts.prewarm !== undefined) env.LAMINA_PREWARM = String(opts.prewarm);
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'lamina.js'), 'serve'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: string): void => {
    out = (out + d).slice(-20_000);
  };
  child.stdout!.setEncoding('utf8').on('data', keep);
  child.stderr!.setEncoding('utf8').on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Lamina did not start within 30 s:\n${out}`)), 30_000);
    const look = (): void => {
      const m = /Lamina listening on (http:\/\/\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', look);
      resolve(m[1]!);
    };
    child.stdout!.on('data', look);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`Lamina exited before listening:\n${out}`));
    });
  });

  const client = new LaminaClient({ endpoint: url, region: REGION, credentials: CREDENTIALS });
  const health = (): Promise<Health> => client.json<Health>('GET', '/health');
  let stopped: Promise<void> | undefined;
  return {
    url,
    pid: child.pid!,
    client,
    health,
    async settle(count, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const h = await health();
        const e = h.environments;
        if (e.starting === 0 && e.queued === 0 && count(e.environments)) return h;
        if (Date.now() > until) throw new Error(`environments did not settle: ${JSON.stringify(e)}`);
        await sleep(50);
      }
    },
    output: () => out,
    stop() {
      stopped ??= (async () => {
        client.close();
        await stopChild(child, exited);
        rmSync(dataDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** SIGTERM, then SIGKILL if the process is still there after 20 s. */
export async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
