// Starts a real Lamina server (`bin/lamina.js serve`, a separate process) on port 0 with a
// scratch data directory, and gives tests clients that we did not write: the AWS SDK for
// JavaScript v3, the aws CLI and boto3.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { type Health, healthOf } from './http.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = path.join(REPO_ROOT, 'bin', 'lamina.js');

export const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;
export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/lambda-role`;

export interface LaminaProcess {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Everything the server wrote to stdout/stderr so far. */
  output(): string;
  /** A Lambda client of the AWS SDK for JavaScript v3 pointed at this server. */
  sdk(): LambdaClient;
  /** Runs `aws lambda …` (or another service) against this server; resolves with the outcome. */
  aws(args: readonly string[], opts?: { cwd?: string }): Promise<CliResult>;
  /** Runs a python3 snippet with `lambda_client` (boto3) bound to this server. */
  boto3(code: string): Promise<CliResult>;
  /** The server's /health document. */
  health(): Promise<Health>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash would. */
  kill9(): Promise<void>;
  /** Starts a new server process on the same data directory (and port when possible). */
  restart(): Promise<LaminaProcess>;
  /** Stops the server and removes the data directory. */
  dispose(): Promise<void>;
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface StartOptions {
  readonly env?: Record<string, string>;
  readonly dataDir?: string;
  readonly port?: number;
}

/** Starts Lamina and resolves once it is listening. */
export async function startLamina(opts: StartOptions = {}): Promise<LaminaProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'lamina-test-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    ...(process.env.PYENV_ROOT && { PYENV_ROOT: process.env.PYENV_ROOT }),
    LAMINA_PORT: String(opts.port ?? 0),
    LAMINA_DATA_DIR: dataDir,
    LAMINA_LOG_LEVEL: 'info',
    ...opts.env,
  };
  const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Lamina did not start in time:\n${output}`)), 30_000);
    const onData = (): void => {
      const m = /Lamina listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`Lamina exited with ${code} before listening:\n${output}`));
    });
  });
  const port = Number(new URL(url).port);
  return handle(child, exited, url, port, dataDir, opts, () => output);
}

function handle(
  child: ChildProcess,
  exited: Promise<number | null>,
  url: string,
  port: number,
  dataDir: string,
  opts: StartOptions,
  output: () => string,
): LaminaProcess {
  let sdk: LambdaClient | undefined;
  const awsEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    ...(process.env.PYENV_ROOT && { PYENV_ROOT: process.env.PYENV_ROOT }),
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_DEFAULT_REGION: REGION,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_MAX_ATTEMPTS: '1',
    AWS_RETRY_MODE: 'standard',
  };
  const self: LaminaProcess = {
    url,
    port,
    dataDir,
    output,
    sdk() {
      sdk ??= new LambdaClient({
        endpoint: url,
        region: REGION,
        credentials: CREDENTIALS,
        maxAttempts: 1,
      });
      return sdk;
    },
    aws(args, o = {}) {
      return run('aws', ['--endpoint-url', url, ...args], awsEnv, o.cwd);
    },
    boto3(code) {
      const prelude = [
        'import boto3, json, botocore.config',
        `lambda_client = boto3.client("lambda", endpoint_url=${JSON.stringify(url)}, region_name=${JSON.stringify(REGION)},`,
        '    config=botocore.config.Config(retries={"max_attempts": 0}))',
      ].join('\n');
      return run('python3', ['-c', `${prelude}\n${code}`], awsEnv);
    },
    health() {
      return healthOf(url);
    },
    async stop() {
      sdk?.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill9() {
      sdk?.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async restart() {
      await self.stop();
      return startLamina({ ...opts, dataDir });
    },
    async dispose() {
      await self.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return self;
}

function run(cmd: string, args: readonly string[], env: Record<string, string>, cwd?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, cwd, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
