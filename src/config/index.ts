// Lamina's configuration: read once from the environment at start-up (LAMINA_* variables),
// validated, and handed to the parts that need it. Nothing else reads process.env.

import path from 'node:path';
import { z } from 'zod';

export { createLogger, type LogLevel, type Logger } from './logger.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

const schema = z.object({
  LAMINA_HOST: z.string().min(1).default('127.0.0.1'),
  LAMINA_PORT: z.coerce.number().int().min(0).max(65535).default(8700),
  LAMINA_DATA_DIR: z.string().min(1).default('./.lamina'),
  LAMINA_REGION: z
    .string()
    .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'must be a region name such as us-east-1')
    .default('us-east-1'),
  LAMINA_ACCOUNT_ID: z.string().regex(/^\d{12}$/, 'must be 12 digits').default('000000000000'),
  LAMINA_ROOT_ACCESS_KEY_ID: z.string().min(1).optional(),
  LAMINA_ROOT_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Seconds an unused environment stays warm before it is shut down. */
  LAMINA_IDLE_TIMEOUT: z.coerce.number().positive().default(15 * 60),
  LAMINA_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Account-wide concurrency limit (AWS's default quota: 1000). */
  LAMINA_ACCOUNT_CONCURRENCY: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /** Prewarmed runtime processes kept ready per runtime in use (0: no prewarming). */
  LAMINA_PREWARM: z.coerce.number().int().min(0).max(64).default(2),
  /** Environments started at once, server-wide (default: twice the CPUs); more wait. */
  LAMINA_MAX_CONCURRENT_STARTS: z.coerce.number().int().min(1).max(1024).optional(),
  /** `on`: hard CPU quota per environment in Lambda's ratio (1,769 MB = one vCPU). */
  LAMINA_CPU_QUOTA: z.enum(['on', 'off']).default('off'),
  /** `auto`: the full sandbox when the host allows it; `process`: plain processes. */
  LAMINA_ISOLATION: z.enum(['auto', 'process']).default('auto'),
});

export interface Config {
  readonly host: string;
  readonly port: number;
  /** Absolute. */
  readonly dataDir: string;
  readonly region: string;
  readonly accountId: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** True when the credentials are the test/test defaults (allowed on loopback only). */
  readonly defaultCredentials: boolean;
  readonly idleTimeoutMs: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  readonly isolation: 'auto' | 'process';
  readonly accountConcurrency: number;
  readonly cpuQuota: boolean;
  readonly prewarm: number;
  readonly maxConcurrentStarts?: number;
}

export class ConfigError extends Error {}

/** Reads and checks the configuration; throws ConfigError with a message for a person. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const explicit = e.LAMINA_ROOT_ACCESS_KEY_ID !== undefined || e.LAMINA_ROOT_SECRET_ACCESS_KEY !== undefined;
  if (explicit && !(e.LAMINA_ROOT_ACCESS_KEY_ID && e.LAMINA_ROOT_SECRET_ACCESS_KEY)) {
    throw new ConfigError('set both LAMINA_ROOT_ACCESS_KEY_ID and LAMINA_ROOT_SECRET_ACCESS_KEY, or neither');
  }
  if (!explicit && !LOOPBACK.test(e.LAMINA_HOST)) {
    throw new ConfigError(
      `refusing to listen on ${e.LAMINA_HOST} with the default test/test credentials: ` +
        'set LAMINA_ROOT_ACCESS_KEY_ID and LAMINA_ROOT_SECRET_ACCESS_KEY',
    );
  }
  return {
    host: e.LAMINA_HOST,
    port: e.LAMINA_PORT,
    dataDir: path.resolve(e.LAMINA_DATA_DIR),
    region: e.LAMINA_REGION,
    accountId: e.LAMINA_ACCOUNT_ID,
    credentials: {
      accessKeyId: e.LAMINA_ROOT_ACCESS_KEY_ID ?? 'test',
      secretAccessKey: e.LAMINA_ROOT_SECRET_ACCESS_KEY ?? 'test',
    },
    defaultCredentials: !explicit,
    idleTimeoutMs: e.LAMINA_IDLE_TIMEOUT * 1000,
    logLevel: e.LAMINA_LOG_LEVEL,
    isolation: e.LAMINA_ISOLATION,
    accountConcurrency: e.LAMINA_ACCOUNT_CONCURRENCY,
    cpuQuota: e.LAMINA_CPU_QUOTA === 'on',
    prewarm: e.LAMINA_PREWARM,
    ...(e.LAMINA_MAX_CONCURRENT_STARTS !== undefined && { maxConcurrentStarts: e.LAMINA_MAX_CONCURRENT_STARTS }),
  };
}
