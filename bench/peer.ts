// The peer: serverless-offline@13 on serverless@3, serving the same noop Node.js handler
// (bench/peers/sls-offline/). Installed there with `npm ci` on first use, so that it never
// becomes a dependency of Lamina; run offline with dummy credentials.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { REPO_ROOT, stopChild } from './lamina.js';

const DIR = path.join(REPO_ROOT, 'bench', 'peers', 'sls-offline');
/** Its name for the function `noop` of service `lamina-bench`, stage `dev`. */
export const PEER_FUNCTION = 'lamina-bench-dev-noop';

export interface Peer {
  readonly endpoint: string;
  /** Its process (handlers run in its worker threads). */
  readonly pid: number;
  stop(): Promise<void>;
}

/** Installs the peer when it is not yet; resolves with how long that took (0: already there). */
export async function installPeer(log: (line: string) => void): Promise<number> {
  if (existsSync(path.join(DIR, 'node_modules', 'serverless-offline', 'package.json'))) return 0;
  log('installing the serverless-offline peer (npm ci in bench/peers/sls-offline, once)…');
  const start = Date.now();
  // Install scripts of these packages only print messages; the peer runs without them.
  await run('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], 300_000);
  return Date.now() - start;
}

export async function startPeer(): Promise<Peer> {
  const [httpPort, lambdaPort, websocketPort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      path.join(DIR, 'node_modules', 'serverless', 'bin', 'serverless.js'),
      'offline',
      'start',
      '--host', '127.0.0.1',
      '--httpPort', String(httpPort),
      '--lambdaPort', String(lambdaPort),
      '--websocketPort', String(websocketPort),
      '--noSponsor',
    ],
    {
      cwd: DIR,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/root',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: 'us-east-1',
        SLS_TELEMETRY_DISABLED: '1',
        SLS_TRACKING_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        SLS_DEPRECATION_DISABLE: '*',
        SLS_INTERACTIVE_SETUP_DISABLE: '1',
        CI: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  // It prints a line per invocation: keep reading so that it never blocks on a full pipe.
  const keep = (d: string): void => {
    out = (out + d).slice(-10_000);
  };
  child.stdout!.setEncoding('utf8').on('data', keep);
  child.stderr!.setEncoding('utf8').on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serverless-offline did not listen within 60 s: ${out.slice(-500)}`));
    }, 60_000);
    const look = (): void => {
      if (!out.includes(`listening on http://127.0.0.1:${lambdaPort}`)) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`serverless-offline exited: ${out.slice(-500)}`));
    });
  });
  return {
    endpoint: `http://127.0.0.1:${lambdaPort}`,
    pid: child.pid!,
    stop: () => stopChild(child as ChildProcess, exited),
  };
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: DIR, stdio: ['ignore', 'ignore', 'pipe'], timeout: timeoutMs });
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-2000)));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} failed (${code}): ${err.trim()}`))));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
