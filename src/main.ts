// The composition root: the only module that imports every part of Lamina and wires them.
// `lamina serve` runs startLamina() in the foreground; every other command is the CLI's.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApi, CredentialRegistry } from './api/index.js';
import { runCli } from './cli/index.js';
import { type Config, ConfigError, createLogger, loadConfig, type Logger } from './config/index.js';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlChange } from './control/index.js';
import { ConcurrencyGovernor, Invoker, Provisioner } from './invoke/index.js';
import { createLogWriter } from './logs/index.js';
import { LATEST } from './model/index.js';
import { CellPool, Pool } from './pool/index.js';
import { discoverRuntimes } from './runtime-catalog/index.js';
import { createSandboxDriver, isSandboxPeer, SANDBOX_UID_FLOOR } from './sandbox/index.js';
import { openStore } from './store/index.js';

/** Lamina's runtimes/ folder (guest code), next to dist/. */
const RUNTIME_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'runtimes');

export const VERSION = '0.1.0';

export interface RunningLamina {
  readonly port: number;
  readonly url: string;
  /** Stops accepting requests, finishes what is in flight, releases everything. */
  close(): Promise<void>;
  /** The part of close() under way, if any (for a shutdown that takes too long). */
  readonly closingStep: string | undefined;
}

export async function startLamina(config: Config, logger: Logger): Promise<RunningLamina> {
  const store = await openStore(config.dataDir);
  const runtimes = discoverRuntimes();
  for (const r of runtimes.list()) if (r.warning) logger.warn('runtime', { runtime: r.id, warning: r.warning });
  // Sandboxes see the runtimes read-only: compile the Python bootstrap for every interpreter
  // now (in the background), or each Python start would compile it again.
  void precompilePython(runtimes.list().filter((r) => r.family === 'python').map((r) => r.executable!));
  const account = { region: config.region, accountId: config.accountId };
  const startedAt = new Date().toISOString();

  const logWriter = createLogWriter(store.logs, (err) => logger.error('log write failed', { error: String(err) }));
  const workDir = path.join(config.dataDir, 'environments');
  // One name (and uid range) per data directory: a restart after a crash finds and reaps its
  // own leftovers, and servers side by side on one host do not share sandbox uids.
  const dataHash = createHash('sha256').update(config.dataDir).digest();
  const { driver, degraded, reaped } = await createSandboxDriver({
    workDir,
    cgroupName: `lamina-${dataHash.toString('hex').slice(0, 12)}`,
    isolation: config.isolation,
    uidBase: SANDBOX_UID_FLOOR + (dataHash.readUInt32BE(0) % 4000) * 10_000,
  });
  if (reaped > 0) logger.warn('reaped sandboxes left by an earlier run', { count: reaped });
  if (degraded) {
    logger.warn('RUNNING WITHOUT A SANDBOX: functions are not isolated from each other or from Lamina', { reason: degraded });
    process.stderr.write(`lamina: WARNING: functions run without a sandbox (${degraded})\n`);
  } else logger.info('isolation', { level: driver.isolation, detail: driver.description });
  const environmentContext = {
    driver,
    runtimeDir: RUNTIME_DIR,
    sink: logWriter,
    idleTimeoutMs: config.idleTimeoutMs,
    initTimeoutMs: 10_000,
    cpuQuota: config.cpuQuota,
    onError: (what: string, err: unknown) => logger.error(what, { error: String((err as Error)?.stack ?? err) }),
  };
  const cellsDir = path.join(workDir, 'cells');
  await rm(cellsDir, { recursive: true, force: true });
  const cells = config.prewarm > 0 ? new CellPool(environmentContext, { perRuntime: config.prewarm, dir: cellsDir }) : undefined;
  const pool = new Pool(environmentContext, { maxConcurrentStarts: config.maxConcurrentStarts ?? Math.max(2, os.availableParallelism() * 2) }, cells);
  const governor = new ConcurrencyGovernor(config.accountConcurrency);
  const signers = new CredentialRegistry(config.credentials, account);
  /** Where functions reach Lamina's API (known once the port is open; set below). */
  let apiUrlForFunctions = '';
  for (const fn of await store.functions.list()) {
    if (fn.reservedConcurrency !== undefined) governor.setReserved(fn.name, fn.reservedConcurrency);
  }
  const invoker = new Invoker({
    store,
    account,
    runtimes,
    pool,
    governor,
    onBackgroundError: (err, requestId) => logger.error('event invocation failed', { requestId, error: String(err) }),
    roleEnvironment(functionName, role) {
      const c = signers.forFunction(functionName, role);
      return {
        AWS_ACCESS_KEY_ID: c.accessKeyId,
        AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
        AWS_SESSION_TOKEN: c.sessionToken,
        // The AWS SDKs (JavaScript v3, boto3 ≥ 1.28, the CLI v2) call this service here.
        AWS_ENDPOINT_URL_LAMBDA: apiUrlForFunctions,
      };
    },
  });
  // Provisioned concurrency (every stored configuration is provisioned again once the port is open).
  const provisioner = new Provisioner({
    store,
    pool,
    governor,
    specOf: (version) => invoker.specOf(version),
    onError: (what, err) => logger.error(what, { error: String((err as Error)?.stack ?? err) }),
  });

  const onChange = (change: ControlChange): void => {
    logger.debug('control change', { ...change });
    invoker.invalidate(change.functionName);
    const name = change.functionName;
    switch (change.kind) {
      case 'latest-changed':
        pool.retire((spec) => spec.functionName === name && spec.version === LATEST);
        void invoker.prewarmFor(name);
        break;
      case 'version-deleted':
        pool.retire((spec) => spec.functionName === name && spec.version === change.version);
        break;
      case 'function-deleted':
        pool.retire((spec) => spec.functionName === name);
        invoker.events.functionDeleted(name);
        signers.revoke(name);
        governor.forget(name);
        break;
      case 'concurrency-changed':
        governor.setReserved(name, change.reserved);
        break;
      default:
        break;
    }
    switch (change.kind) {
      case 'provisioned-changed':
        void provisioner.sync(name, change.qualifier);
        break;
      case 'alias-changed':
      case 'version-deleted':
      case 'function-deleted':
        void provisioner.sync(name);
        break;
      default:
        break;
    }
  };

  const api = createApi({
    store,
    account,
    runtimes,
    accountConcurrency: config.accountConcurrency,
    onChange,
    provisionedStatus: (functionName, qualifier) => provisioner.status(functionName, qualifier),
    invoker,
    ...(driver.isolation === 'namespaces' && { fromSandbox: isSandboxPeer }),
    credentials: config.credentials,
    signers,
    logger,
    health: () => ({
      status: 'ok',
      version: VERSION,
      startedAt,
      region: config.region,
      accountId: config.accountId,
      isolation: { level: driver.isolation, detail: driver.description, ...(degraded && { degraded }) },
      environments: pool.stats(),
      ...(cells && { prewarmed: cells.stats() }),
      runtimes: runtimes.list().map((r) => ({
        id: r.id,
        ...(r.version !== undefined && { version: r.version }),
        ...(r.executable !== undefined && { executable: r.executable }),
        ...(r.warning !== undefined && { warning: r.warning }),
      })),
    }),
  });

  const server = http.createServer({ keepAlive: true, noDelay: true, requestTimeout: 0 }, api);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  // Functions share the host's network: a wildcard address is reached on loopback.
  const wildcard = config.host === '0.0.0.0' || config.host === '::';
  apiUrlForFunctions = wildcard ? `http://127.0.0.1:${port}` : url;

  // Work that starts environments waits for the port: their variables name it.
  await provisioner.start();
  const resumed = await invoker.events.resume();
  if (resumed > 0) logger.info('resumed queued Event invocations', { count: resumed });
  // Prewarm the runtimes of the functions that exist (and of each new one, on change).
  for (const latest of await store.versions.listLatest()) void invoker.prewarmFor(latest.functionName);

  let closing: Promise<void> | undefined;
  let closingStep: string | undefined;
  return {
    port,
    url,
    get closingStep() {
      return closingStep;
    },
    close() {
      closing ??= (async () => {
        const took: Record<string, number> = {};
        const step = async (name: string, work: () => Promise<void>): Promise<void> => {
          closingStep = name;
          const started = performance.now();
          await work();
          took[name] = Math.round(performance.now() - started);
        };
        await step('api', () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
          }),
        );
        invoker.events.close(); // unfinished Event invocations stay queued for the next start
        await step('environments', () => pool.close());
        await step('sandboxes', () => driver.close());
        await step('logs', () => logWriter.flush());
        await step('store', () => store.close());
        closingStep = undefined;
        logger.info('shut down', { ms: took });
        logger.flush();
      })();
      return closing;
    },
  };
}

async function precompilePython(interpreters: readonly string[]): Promise<void> {
  const pkg = path.join(RUNTIME_DIR, 'python', 'lamina_runtime');
  const sourceTime = statSync(path.join(pkg, 'main.py')).mtimeMs;
  for (const exe of interpreters) {
    // Done before (by an earlier start) when this interpreter's cache of main.py is fresh.
    const tag = /python3\.(\d+)$/.exec(exe)?.[1];
    const cached = tag && statSync(path.join(pkg, '__pycache__', `main.cpython-3${tag}.pyc`), { throwIfNoEntry: false });
    if (cached && cached.mtimeMs >= sourceTime) continue;
    await new Promise<void>((resolve) => {
      execFile(exe, ['-m', 'compileall', '-q', path.join(RUNTIME_DIR, 'python')], { env: { PATH: '/usr/bin:/bin' } }, () => resolve());
    });
  }
}

const SHUTDOWN_LIMIT_MS = 30_000;

/** `lamina serve`: runs in the foreground until SIGINT or SIGTERM. */
async function serve(): Promise<number> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`lamina: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  // Signals are caught from the first moment: one that arrives while Lamina starts ends it
  // as soon as it is up, cleanly.
  let stopRequested: string | undefined;
  let onStop: ((signal: string) => void) | undefined;
  const request = (signal: string): void => {
    if (stopRequested !== undefined) process.exit(1); // a second signal: at once
    stopRequested = signal;
    onStop?.(signal);
  };
  process.on('SIGINT', () => request('SIGINT'));
  process.on('SIGTERM', () => request('SIGTERM'));

  let lamina: RunningLamina;
  try {
    lamina = await startLamina(config, logger);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason = e.code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is already in use` : e.message;
    process.stderr.write(`lamina: cannot start: ${reason}\n`);
    return 1;
  }
  // A bug of ours must not take every running function down with the server: log it.
  process.on('uncaughtException', (err) => logger.error('uncaught exception', { error: String(err?.stack ?? err) }));
  process.on('unhandledRejection', (err) => logger.error('unhandled rejection', { error: String((err as Error)?.stack ?? err) }));
  logger.info('listening', { url: lamina.url, dataDir: config.dataDir, region: config.region });
  // Tests and tools read this line to learn the port when LAMINA_PORT=0.
  process.stdout.write(`Lamina listening on ${lamina.url}\n`);
  if (config.defaultCredentials) {
    logger.warn('using the default test/test credentials (allowed on loopback only)');
  }
  return new Promise<number>((resolve) => {
    onStop = (signal) => {
      logger.info('shutting down', { signal });
      // A shutdown that takes too long ends the process at once (what is left, the next
      // start reaps). Generous: on a loaded host, unmounting and reaping sandboxes is slow.
      const force = setTimeout(() => {
        process.stderr.write(`lamina: shutdown did not finish in ${SHUTDOWN_LIMIT_MS / 1000} s (still at: ${lamina.closingStep})\n`);
        process.exit(1);
      }, SHUTDOWN_LIMIT_MS);
      force.unref();
      lamina.close().then(
        () => resolve(0),
        (err: unknown) => {
          process.stderr.write(`lamina: error during shutdown: ${String(err)}\n`);
          resolve(1);
        },
      );
    };
    if (stopRequested !== undefined) onStop(stopRequested);
  });
}

export async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'serve') return serve();
  return runCli(argv);
}
