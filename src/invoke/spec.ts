// From a function version to what its environments run: the runtime's command line and the
// execution environment's variables, built from nothing (the server's own environment,
// credentials above all, never reaches a function).

import { createHash } from 'node:crypto';
import path from 'node:path';
import type { AccountContext, VersionRecord } from '../model/index.js';
import { type CellRecipe, DEFAULT_SCRATCH_MB, type EnvironmentSpec, type GuestPaths } from '../pool/index.js';
import type { RuntimeCatalog, RuntimeInfo } from '../runtime-catalog/index.js';
import type { Store } from '../store/index.js';

export interface SpecContext {
  readonly account: AccountContext;
  readonly runtimes: RuntimeCatalog;
  readonly store: Store;
  /**
   * The variables that give a function its execution role: AWS_ACCESS_KEY_ID,
   * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (and where to reach the API with them).
   */
  readonly roleEnvironment?: (functionName: string, role: string) => Record<string, string>;
}

const PATH = '/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin';

export function specKey(v: VersionRecord): string {
  return `${v.functionName}\0${v.version}\0${v.revisionId}`;
}

export function environmentSpec(ctx: SpecContext, v: VersionRecord): EnvironmentSpec {
  const c = v.config;
  const runtime = ctx.runtimes.get(c.runtime);
  if (!runtime) throw new Error(`runtime ${c.runtime} is not available on this host`);
  const hash = createHash('sha256').update(`lamina:${c.runtime}`).digest('hex');
  const role = ctx.roleEnvironment?.(v.functionName, c.role) ?? {};
  return {
    key: specKey(v),
    functionName: v.functionName,
    version: v.version,
    memoryMB: c.memorySize,
    timeoutMs: c.timeout * 1000,
    ephemeralMB: c.ephemeralStorage,
    logGroup: c.loggingConfig.logGroup,
    taskDir: ctx.store.code.treePath(v.code.sha256),
    runtimeVersion: runtimeVersion(runtime),
    runtimeVersionArn: `arn:aws:lambda:${ctx.account.region}::runtime:${hash}`,
    argv: (paths) => argv(runtime, paths),
    extraBinds: interpreterBinds(runtime),
    cellKey: cellKey(runtime, c.ephemeralStorage),
    env: (paths) => ({
      ...baseEnv(ctx, v, runtime, paths),
      ...role,
      // The function's own variables come last but cannot override reserved ones (the
      // control plane refuses reserved keys).
      ...c.environment,
    }),
  };
}

/** An interpreter outside /usr (pyenv's, say) is shown at its own path: its RUNPATH needs that. */
function interpreterBinds(r: RuntimeInfo): { source: string; target: string }[] {
  if (!r.executable || r.executable.startsWith('/usr/')) return [];
  const prefix = path.dirname(path.dirname(r.executable));
  return [{ source: prefix, target: prefix }];
}

function runtimeVersion(r: RuntimeInfo): string {
  if (r.family === 'node') return `nodejs:${r.version?.split('.')[0]}.lamina`;
  if (r.family === 'python') return `python:${r.version}.lamina`;
  return `${r.id}.lamina`;
}

function argv(r: RuntimeInfo, paths: GuestPaths): string[] {
  switch (r.family) {
    case 'node':
      return [r.executable!, `${paths.runtime}/node/bootstrap.mjs`];
    case 'python':
      return [r.executable!, '-u', `${paths.runtime}/python/bootstrap.py`];
    case 'provided':
      return [`${paths.task}/bootstrap`];
  }
}

function baseEnv(ctx: SpecContext, v: VersionRecord, r: RuntimeInfo, paths: GuestPaths): Record<string, string> {
  const c = v.config;
  const env: Record<string, string> = {
    PATH,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LD_LIBRARY_PATH: `/var/lang/lib:/lib64:/usr/lib64:${paths.runtime}:${paths.runtime}/lib:${paths.task}:${paths.task}/lib:/opt/lib`,
    _HANDLER: c.handler,
    LAMBDA_TASK_ROOT: paths.task,
    LAMBDA_RUNTIME_DIR: paths.runtime,
    AWS_REGION: ctx.account.region,
    AWS_DEFAULT_REGION: ctx.account.region,
    AWS_LAMBDA_FUNCTION_NAME: v.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: v.version,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(c.memorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: c.loggingConfig.logGroup,
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '169.254.100.1:2000',
    _AWS_XRAY_DAEMON_ADDRESS: '169.254.100.1',
    _AWS_XRAY_DAEMON_PORT: '2000',
    PWD: paths.task,
    SHLVL: '0',
  };
  // Without a mount view (degraded isolation), /tmp is the host's: point tools at ours.
  if (paths.tmp !== '/tmp') env.TMPDIR = paths.tmp;
  if (c.loggingConfig.logFormat === 'JSON') {
    env.AWS_LAMBDA_LOG_FORMAT = 'JSON';
    if (c.loggingConfig.applicationLogLevel) env.AWS_LAMBDA_LOG_LEVEL = c.loggingConfig.applicationLogLevel;
  }
  if (r.family === 'node') {
    env.AWS_EXECUTION_ENV = `AWS_Lambda_${r.id}`;
    env.NODE_PATH = nodePath(r, paths);
  } else if (r.family === 'python') {
    env.AWS_EXECUTION_ENV = `AWS_Lambda_${r.id}`;
    env.PYTHONPATH = `${paths.runtime}/python`;
  } else if (r.id === 'provided') {
    env.AWS_EXECUTION_ENV = 'AWS_Lambda_provided';
  }
  return env;
}

function cellKey(r: RuntimeInfo, scratchMB: number): string {
  return scratchMB === DEFAULT_SCRATCH_MB ? r.id : `${r.id}@${scratchMB}MB`;
}

/**
 * How a runtime is prewarmed for functions with a /tmp of `scratchMB`: started with only
 * what does not depend on the function.
 */
export function cellRecipe(r: RuntimeInfo, scratchMB: number): CellRecipe {
  const base = (paths: GuestPaths): Record<string, string> => ({
    PATH,
    LANG: 'en_US.UTF-8',
    LAMINA_CELL: '1',
    ...(r.family === 'node' && { NODE_PATH: nodePath(r, paths) }),
    ...(r.family === 'python' && { PYTHONPATH: `${paths.runtime}/python` }),
  });
  return {
    key: cellKey(r, scratchMB),
    scratchMB,
    argv: (paths) => (r.family === 'provided' ? ['/bin/sh', `${paths.runtime}/provided/cell.sh`] : argv(r, paths)),
    env: base,
    extraBinds: interpreterBinds(r),
    encode: r.family === 'provided' ? providedAssignment : nulRecords,
  };
}

/** KEY=VALUE records, each NUL-terminated (what the Node and Python bootstraps read). */
function nulRecords(env: Record<string, string>): Buffer {
  return Buffer.from(Object.entries(env).map(([k, v]) => `${k}=${v}\0`).join(''), 'utf8');
}

/** A shell script for runtimes/provided/cell.sh: the exact environment, then the bootstrap. */
function providedAssignment(env: Record<string, string>): Buffer {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const vars = Object.entries(env).map(([k, v]) => quote(`${k}=${v}`));
  const task = env.LAMBDA_TASK_ROOT ?? '/var/task';
  return Buffer.from(`cd ${quote(task)} && exec /usr/bin/env -i ${vars.join(' ')} ${quote(`${task}/bootstrap`)}\n`, 'utf8');
}

function nodePath(r: RuntimeInfo, paths: GuestPaths): string {
  const major = r.id.replace(/^nodejs(\d+)\.x$/, '$1');
  return `/opt/nodejs/node${major}/node_modules:/opt/nodejs/node_modules:${paths.runtime}/node_modules:${paths.runtime}:${paths.task}`;
}
