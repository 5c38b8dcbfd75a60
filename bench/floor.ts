// The floors, runner side: the two-hop echo (a hub process and its long-polling processes) and
// the bare interpreters started to their first HTTP request, each with an environment built from
// nothing, as Lamina builds its runtimes' (no NODE_EXTRA_CA_CERTS or anything of the bench's).

import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT, sleep, stopChild } from './lamina.js';
import { msBetween } from './stats.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** What Lamina gives a runtime besides its Lambda variables (see src/invoke/spec.ts). */
export const CLEAN_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/bin:/usr/bin/:/bin',
  LANG: 'en_US.UTF-8',
  TZ: ':UTC',
};

export class TwoHopFloor {
  private readonly pollers: ChildProcess[] = [];

  private constructor(
    private readonly node: string,
    private readonly hub: ChildProcess,
    private readonly hubExited: Promise<unknown>,
    readonly port: number,
  ) {}

  /** The hub's and the pollers' pids (for CPU accounting). */
  get hubPid(): number {
    return this.hub.pid!;
  }

  get pollerPids(): number[] {
    return this.pollers.map((p) => p.pid!);
  }

  /** The endpoint to send invocations to (any path but /runtime/…). */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(node: string): Promise<TwoHopFloor> {
    const hub = spawn(node, [path.join(HERE, 'floor-hub.js')], { env: { ...CLEAN_ENV }, stdio: ['ignore', 'pipe', 'inherit'] });
    const hubExited = new Promise((r) => hub.once('exit', r));
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      hub.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /listening (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      void hubExited.then(() => reject(new Error('the floor hub exited before listening')));
    });
    return new TwoHopFloor(node, hub, hubExited, port);
  }

  /** Runs exactly `n` long-polling processes, each waiting on the hub when this resolves. */
  async setPollers(n: number): Promise<void> {
    while (this.pollers.length > n) {
      const p = this.pollers.pop()!;
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await gone;
    }
    while (this.pollers.length < n) {
      const p = spawn(this.node, [path.join(HERE, 'floor-poller.js'), String(this.port)], {
        env: { ...CLEAN_ENV },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      this.pollers.push(p);
    }
    const until = Date.now() + 60_000;
    while ((await this.waiting()) !== n) {
      if (Date.now() > until) throw new Error(`the floor's ${n} pollers did not all poll in time`);
      await sleep(20);
    }
  }

  private waiting(): Promise<number> {
    return new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: this.port, path: '/stats', agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (d: string) => (body += d));
          res.on('end', () => resolve((JSON.parse(body) as { waiting: number }).waiting));
        })
        .on('error', reject);
    });
  }

  async stop(): Promise<void> {
    await this.setPollers(0).catch(() => {});
    await stopChild(this.hub, this.hubExited);
  }
}

const START_TIMEOUT_MS = 15_000;

/** A started bare interpreter, idle once its request arrived (the bench holds the request). */
export interface StartedProcess {
  /** From spawn() to its first HTTP request arriving. */
  readonly ms: number;
  readonly pid: number;
  kill(): Promise<void>;
}

/** Receives the bare interpreters' first requests (and holds them). */
export class StartFloor {
  private readonly arrivals = new Map<string, (t: bigint) => void>();
  /** Lamina's bootstrap polls /2018-06-01/runtime/invocation/next (one started at a time). */
  private runtimeArrival: ((t: bigint) => void) | undefined;
  private readonly held = new Set<http.ServerResponse>();
  private nextId = 0;

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
  ) {}

  static async start(): Promise<StartFloor> {
    let self: StartFloor | undefined;
    const server = http.createServer((req, res) => {
      const t = process.hrtime.bigint();
      self?.held.add(res);
      res.once('close', () => self?.held.delete(res));
      const url = req.url ?? '';
      if (url.startsWith('/2018-06-01/runtime/')) self?.runtimeArrival?.(t);
      else self?.arrivals.get(url.replace(/^\/start\//, ''))?.(t);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self = new StartFloor(server, (server.address() as AddressInfo).port);
    return self;
  }

  /** Node.js: `node floor-start.js` (an ES module importing node:http, like the bootstrap). */
  node(node: string): Promise<StartedProcess> {
    return this.launch(node, [path.join(HERE, 'floor-start.js')]);
  }

  /** Python: `python3.X -u floor-start.py` (http.client, like the bootstrap). */
  python(python: string): Promise<StartedProcess> {
    return this.launch(python, ['-u', path.join(REPO_ROOT, 'bench', 'floor-start.py')]);
  }

  /**
   * Lamina's own runtime bootstrap (`argv`), started bare — no server, no sandbox — to its first
   * poll of the Runtime API, with the variables Lamina gives it (`env`) and cwd `taskDir`.
   */
  bootstrap(argv: readonly string[], env: Record<string, string>, taskDir: string): Promise<StartedProcess> {
    const arrived = new Promise<bigint>((resolve) => (this.runtimeArrival = resolve));
    return this.launch(argv[0]!, argv.slice(1), {
      arrived,
      env: { ...CLEAN_ENV, ...env, AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${this.port}` },
      cwd: taskDir,
    });
  }

  private async launch(
    exe: string,
    args: string[],
    bootstrap?: { arrived: Promise<bigint>; env: Record<string, string>; cwd: string },
  ): Promise<StartedProcess> {
    const id = String(++this.nextId);
    const arrived = bootstrap?.arrived ?? new Promise<bigint>((resolve) => this.arrivals.set(id, resolve));
    const start = process.hrtime.bigint();
    const child = bootstrap
      ? spawn(exe, args, { env: bootstrap.env, cwd: bootstrap.cwd, stdio: ['ignore', 'ignore', 'inherit'] })
      : spawn(exe, [...args, String(this.port), id], { env: { ...CLEAN_ENV }, stdio: ['ignore', 'ignore', 'inherit'] });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const failed = exited.then(() => {
      throw new Error(`${exe} ${args.join(' ')} exited before its first request`);
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${exe} ${args.join(' ')} made no request within ${START_TIMEOUT_MS / 1000} s`));
      }, START_TIMEOUT_MS);
    });
    const t = await Promise.race([arrived, failed, late]).finally(() => clearTimeout(timer));
    this.arrivals.delete(id);
    this.runtimeArrival = undefined;
    return {
      ms: msBetween(start, t),
      pid: child.pid!,
      async kill() {
        child.kill('SIGKILL');
        await exited;
      },
    };
  }

  async stop(): Promise<void> {
    for (const res of this.held) res.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
