// Functions and their $LATEST: create, read, list, update code and configuration, delete.
// Shapes here are Lamina's own (camelCase); api/ validates the wire syntax before calling in
// and renders the results.

import { randomUUID } from 'node:crypto';
import {
  ApiError,
  awsTimestamp,
  conflict,
  type FunctionConfig,
  type FunctionRecord,
  functionArn,
  functionNotFound,
  invalidParameter,
  LATEST,
  type LoggingConfig,
  revisionMismatch,
  type VersionRecord,
} from '../model/index.js';
import type { ControlDeps } from './deps.js';
import { type FunctionView, paginate } from './view.js';
import { requireFunction, resolveVersion, type Resolved } from './resolve.js';
import { publishedRevisionId, publishVersion } from './versions.js';

/** Configuration as a client gives it: every member optional; logging may be partial. */
export type ConfigInput = Partial<Omit<FunctionConfig, 'loggingConfig'>> & {
  readonly loggingConfig?: Partial<LoggingConfig>;
};

export interface CreateFunctionInput {
  readonly name: string;
  readonly config: ConfigInput;
  readonly zip: Buffer;
  readonly publish: boolean;
  readonly versionDescription?: string;
  readonly tags: Readonly<Record<string, string>>;
}


const DEFAULTS = {
  description: '',
  timeout: 3,
  memorySize: 128,
  ephemeralStorage: 512,
  architectures: ['x86_64'],
  tracingMode: 'PassThrough',
} as const;

/** Environment variables Lambda sets itself and users may not. */
const RESERVED_ENV = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

const ENV_LIMIT_BYTES = 4096;

export async function createFunction(deps: ControlDeps, input: CreateFunctionInput): Promise<FunctionView> {
  const config = completeConfig(deps, input.name, input.config);
  const code = await deps.store.code.put(input.zip);
  const now = Date.now();
  const fn: FunctionRecord = {
    name: input.name,
    createdAt: now,
    tags: input.tags,
    lastPublished: input.publish ? 1 : 0,
  };
  const latest: VersionRecord = {
    functionName: input.name,
    version: LATEST,
    config,
    code,
    revisionId: randomUUID(),
    lastModified: awsTimestamp(now),
  };
  const published: VersionRecord | undefined = input.publish
    ? {
        ...latest,
        version: '1',
        revisionId: publishedRevisionId(latest, '1'),
        versionDescription: input.versionDescription ?? config.description,
      }
    : undefined;
  if (!(await deps.store.functions.create(fn, latest, published))) {
    throw conflict(`Function already exist: ${input.name}`);
  }
  deps.onChange({ kind: 'latest-changed', functionName: input.name });
  // With Publish, AWS answers with version 1 under the unqualified ARN.
  return { version: published ?? latest, phase: 'creating' };
}

export async function getFunction(deps: ControlDeps, name: string, qualifier?: string): Promise<FunctionView> {
  const resolved = await resolveVersion(deps, name, qualifier);
  return settledView(resolved);
}

function settledView(r: Resolved): FunctionView {
  return { version: r.version, ...(r.qualifier !== undefined && { arnQualifier: r.qualifier }), phase: 'settled' };
}

export interface UpdateCodeInput {
  readonly zip: Buffer;
  readonly publish: boolean;
  readonly revisionId?: string;
  readonly dryRun: boolean;
  readonly architectures?: FunctionConfig['architectures'];
}

export async function updateFunctionCode(deps: ControlDeps, name: string, input: UpdateCodeInput): Promise<FunctionView> {
  await requireFunction(deps, name);
  const code = await deps.store.code.put(input.zip);
  const change = (latest: VersionRecord): VersionRecord => {
    if (input.revisionId !== undefined && input.revisionId !== latest.revisionId) throw revisionMismatch('GetFunction/GetAlias');
    return {
      ...latest,
      code,
      config: input.architectures ? { ...latest.config, architectures: input.architectures } : latest.config,
      revisionId: randomUUID(),
      lastModified: awsTimestamp(),
    };
  };
  if (input.dryRun) {
    const latest = (await resolveVersion(deps, name)).version;
    return { version: change(latest), phase: 'settled' };
  }
  const updated = await deps.store.versions.updateLatest(name, change);
  if (!updated) throw functionNotFound(functionArn(deps.account, name));
  deps.onChange({ kind: 'latest-changed', functionName: name });
  if (input.publish) {
    const published = await publishVersion(deps, name, {});
    return { ...published, phase: 'publishing' };
  }
  return { version: updated, phase: 'updating' };
}

export async function updateFunctionConfiguration(
  deps: ControlDeps,
  name: string,
  input: ConfigInput,
  revisionId?: string,
): Promise<FunctionView> {
  await requireFunction(deps, name);
  const updated = await deps.store.versions.updateLatest(name, (latest) => {
    if (revisionId !== undefined && revisionId !== latest.revisionId) throw revisionMismatch('GetFunction/GetAlias');
    const merged: ConfigInput = {
      ...latest.config,
      ...definedOnly(input),
      loggingConfig: { ...latest.config.loggingConfig, ...definedOnly(input.loggingConfig ?? {}) },
    };
    return {
      ...latest,
      config: completeConfig(deps, name, merged),
      revisionId: randomUUID(),
      lastModified: awsTimestamp(),
    };
  });
  if (!updated) throw functionNotFound(functionArn(deps.account, name));
  deps.onChange({ kind: 'latest-changed', functionName: name });
  return { version: updated, phase: 'updating' };
}

/** What AWS takes for an alias name in DeleteFunction's Qualifier (anything else is a version). */
const ALIAS_NAME = /^(?!\d+$)[a-zA-Z0-9-_]+$/;

export async function deleteFunction(deps: ControlDeps, name: string, qualifier?: string): Promise<void> {
  if (qualifier === LATEST) throw invalidParameter('$LATEST version cannot be deleted without deleting the function.');
  if (qualifier !== undefined && ALIAS_NAME.test(qualifier)) {
    throw invalidParameter('Deletion of aliases is not currently supported.');
  }
  if (qualifier !== undefined) {
    await requireFunction(deps, name);
    const deleted = await deps.store.versions.delete(name, qualifier, (aliases) => {
      const users = aliases.filter(
        (a) => a.functionVersion === qualifier || a.additionalVersionWeights?.[qualifier] !== undefined,
      );
      if (users.length > 0) {
        throw conflict(
          `Unable to delete version because the following aliases reference it: [${users.map((a) => a.name).join(', ')}]`,
        );
      }
    });
    // Like AWS, deleting a version that does not exist succeeds.
    if (deleted) {
      await deps.store.policies.update(name, qualifier, () => undefined);
      deps.onChange({ kind: 'version-deleted', functionName: name, version: qualifier });
    }
  } else {
    if (!(await deps.store.functions.delete(name))) throw functionNotFound(functionArn(deps.account, name));
    deps.onChange({ kind: 'function-deleted', functionName: name });
  }
  void collectCode(deps);
}

/** Removes code that no version references any more (best effort, in the background). */
async function collectCode(deps: ControlDeps): Promise<void> {
  try {
    const inUse = new Set<string>();
    for (const fn of await deps.store.functions.list()) {
      for (const v of await deps.store.versions.list(fn.name)) inUse.add(v.code.sha256);
    }
    await deps.store.code.collect(inUse);
  } catch {
    // The next deletion tries again.
  }
}

export interface ListFunctionsPage {
  readonly items: readonly FunctionView[];
  readonly nextMarker?: string;
}


export async function listFunctions(
  deps: ControlDeps,
  opts: { allVersions: boolean; marker?: string; maxItems?: number },
): Promise<ListFunctionsPage> {
  let views: FunctionView[];
  if (opts.allVersions) {
    views = [];
    for (const fn of await deps.store.functions.list()) {
      for (const v of await deps.store.versions.list(fn.name)) views.push({ version: v, arnQualifier: v.version, phase: 'settled' });
    }
  } else {
    views = (await deps.store.versions.listLatest()).map((v) => ({ version: v, phase: 'settled' as const }));
  }
  return paginate(views, (v) => `${v.version.functionName}:${v.version.version}`, opts.marker, opts.maxItems);
}

/** Applies AWS's defaults and checks what only the control plane can check. */
function completeConfig(deps: ControlDeps, name: string, input: ConfigInput): FunctionConfig {
  const runtime = input.runtime;
  const handler = input.handler;
  if (runtime === undefined || handler === undefined) {
    throw invalidParameter('Runtime and Handler are mandatory parameters for functions created with deployment packages.');
  }
  if (!deps.runtimes.get(runtime)) {
    const available = deps.runtimes.list().map((r) => r.id);
    throw invalidParameter(
      `Value ${runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${available.join(', ')}] or be a valid ARN`,
    );
  }
  if (input.role === undefined) throw new ApiError('ValidationException', "1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null");
  if (input.environment) checkEnvironment(input.environment);
  const logging = input.loggingConfig ?? {};
  const logFormat = logging.logFormat ?? 'Text';
  if (logFormat === 'Text' && (logging.applicationLogLevel || logging.systemLogLevel)) {
    throw invalidParameter('Application and system log levels are only supported when LogFormat is JSON.');
  }
  const loggingConfig: LoggingConfig = {
    logFormat,
    logGroup: logging.logGroup ?? `/aws/lambda/${name}`,
    ...(logFormat === 'JSON' && {
      applicationLogLevel: logging.applicationLogLevel ?? 'INFO',
      systemLogLevel: logging.systemLogLevel ?? 'INFO',
    }),
  };
  return {
    runtime,
    handler,
    role: input.role,
    description: input.description ?? DEFAULTS.description,
    timeout: input.timeout ?? DEFAULTS.timeout,
    memorySize: input.memorySize ?? DEFAULTS.memorySize,
    ...(input.environment !== undefined && { environment: input.environment }),
    ephemeralStorage: input.ephemeralStorage ?? DEFAULTS.ephemeralStorage,
    architectures: input.architectures ?? DEFAULTS.architectures,
    loggingConfig,
    tracingMode: input.tracingMode ?? DEFAULTS.tracingMode,
    ...(input.deadLetterTargetArn !== undefined && { deadLetterTargetArn: input.deadLetterTargetArn }),
  };
}

function checkEnvironment(vars: Readonly<Record<string, string>>): void {
  const reserved = Object.keys(vars).filter((k) => RESERVED_ENV.has(k));
  if (reserved.length > 0) {
    throw invalidParameter(
      'Lambda was unable to configure your environment variables because the environment variables you have ' +
        'provided contains reserved keys that are currently not supported for modification. ' +
        `Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  const measured = JSON.stringify(vars);
  if (Buffer.byteLength(measured) > ENV_LIMIT_BYTES) {
    throw invalidParameter(
      'Lambda was unable to configure your environment variables because the environment variables you have ' +
        `provided exceeded the 4KB limit. String measured: ${measured}`,
    );
  }
}

function definedOnly<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
