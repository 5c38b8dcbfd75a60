// The invoke path: resolve the qualifier (version, alias with weights, $LATEST) → run on an
// environment of that version → shape the answer as Lambda's Invoke does. Payloads pass
// through as bytes; nothing here touches the store once a function is cached (an Event
// invocation is stored before its 202: see events.ts).

import { randomUUID } from 'node:crypto';
import { ApiError, type AccountContext, functionArn, functionNotFound, LATEST, type VersionRecord } from '../model/index.js';
import { type EnvironmentSpec, type InvocationOutcome, type Pool } from '../pool/index.js';
import { type ConcurrencyGovernor, isThrottle, throttled } from './concurrency.js';
import type { RuntimeCatalog } from '../runtime-catalog/index.js';
import type { QueuedEventRecord, Store } from '../store/index.js';
import { EventQueue } from './events.js';
import { FunctionRegistry } from './registry.js';
import { cellRecipe, environmentSpec } from './spec.js';

export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

export interface InvokeRequest {
  /** The invocation's id; Lambda answers Invoke with it as x-amzn-RequestId. */
  readonly requestId?: string;
  readonly functionName: string;
  readonly qualifier?: string;
  readonly invocationType: InvocationType;
  readonly tailLogs: boolean;
  readonly payload: Buffer;
  /** JSON text (already base64-decoded), synchronous invocations only. */
  readonly clientContext?: string;
  readonly contentType?: string;
  /** The caller's X-Amzn-Trace-Id, if any. */
  readonly traceId?: string;
}

export interface InvokeResult {
  readonly status: 200 | 202 | 204;
  readonly requestId: string;
  readonly payload?: Buffer;
  readonly functionError?: 'Unhandled';
  readonly executedVersion?: string;
  /** base64 of the last 4 KB of the invocation's log, when Tail was asked for. */
  readonly logResult?: string;
}

export interface InvokerDeps {
  readonly store: Store;
  readonly account: AccountContext;
  readonly runtimes: RuntimeCatalog;
  readonly pool: Pool;
  readonly governor: ConcurrencyGovernor;
  readonly onBackgroundError?: (err: unknown, requestId: string) => void;
  /** See SpecContext.roleEnvironment. */
  readonly roleEnvironment?: (functionName: string, role: string) => Record<string, string>;
}

const TAIL_BYTES = 4096;
/** scope: one per server. */
export class Invoker {
  readonly registry: FunctionRegistry;
  /** Specs per cached version record (records are replaced, never changed, on updates). */
  private readonly specs = new WeakMap<VersionRecord, EnvironmentSpec>();

  private readonly governor: ConcurrencyGovernor;
  /** Event invocations, from acceptance to their last attempt. */
  readonly events: EventQueue;

  constructor(private readonly deps: InvokerDeps) {
    this.registry = new FunctionRegistry(deps.store, deps.account);
    this.governor = deps.governor;
    this.events = new EventQueue({
      ...deps,
      registry: this.registry,
      specOf: (version) => this.specOf(version),
      traceIdFor,
      ...(deps.onBackgroundError && { onError: deps.onBackgroundError }),
    });
  }

  async invoke(req: InvokeRequest): Promise<InvokeResult> {
    const target = await this.registry.resolve(req.functionName, req.qualifier);
    const requestId = req.requestId ?? randomUUID();
    if (req.invocationType === 'DryRun') return { status: 204, requestId };

    const spec = this.specOf(target.version);
    const fn = target.fn.name;
    const payload = req.payload.length === 0 ? EMPTY_EVENT : req.payload;
    const traceId = req.traceId ?? traceIdFor(requestId);
    if (req.invocationType === 'Event') {
      const event: QueuedEventRecord = {
        requestId,
        functionName: fn,
        ...(req.qualifier !== undefined && { qualifier: req.qualifier }),
        payload,
        traceId,
        acceptedAt: Date.now(),
      };
      if (!(await this.events.accept(event, spec))) throw functionNotFound(functionArn(this.deps.account, fn, req.qualifier ?? LATEST));
      return { status: 202, requestId };
    }

    const invocation = {
      requestId,
      payload,
      deadlineMs: Date.now() + spec.timeoutMs,
      invokedFunctionArn: functionArn(this.deps.account, req.functionName, req.qualifier),
      traceId,
      ...(req.clientContext !== undefined && { clientContext: req.clientContext }),
      ...(req.contentType !== undefined && { contentType: req.contentType }),
    };

    // Counting and running happen in one synchronous step: the idle provisioned environment
    // seen here is the one the pool hands out.
    const provisioned = this.deps.pool.hasIdleProvisioned(spec);
    const lease = this.governor.acquire(fn, provisioned);
    if (isThrottle(lease)) throw throttled(lease);
    let outcome: InvocationOutcome;
    try {
      outcome = await this.deps.pool.run(spec, invocation, { tail: req.tailLogs, provisioned });
    } finally {
      lease.release();
    }
    return {
      status: 200,
      requestId,
      payload: outcome.payload,
      executedVersion: target.version.version,
      ...(outcome.functionError && { functionError: outcome.functionError }),
      ...(req.tailLogs && { logResult: tail(outcome.logTail) }),
    };
  }

  /** The environment spec of a version (made once per version record). */
  specOf(version: VersionRecord): EnvironmentSpec {
    let spec = this.specs.get(version);
    if (!spec) {
      spec = environmentSpec(this.deps, version);
      this.specs.set(version, spec);
    }
    return spec;
  }

  /** Keeps prewarmed cells of this function's runtime from now on (best effort). */
  async prewarmFor(functionName: string): Promise<void> {
    const cells = this.deps.pool.cells;
    if (!cells) return;
    try {
      const { version } = await this.registry.resolve(functionName, undefined);
      const runtime = this.deps.runtimes.get(version.config.runtime);
      if (runtime) cells.want(cellRecipe(runtime, version.config.ephemeralStorage));
    } catch {
      // deleted meanwhile
    }
  }

  /** The control plane changed a function: forget what was cached. */
  invalidate(functionName: string): void {
    this.registry.invalidate(functionName);
  }
}

/** An empty request body reaches the function as an empty JSON object. */
const EMPTY_EVENT = Buffer.from('{}');

function tail(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  return (bytes.length > TAIL_BYTES ? bytes.subarray(bytes.length - TAIL_BYTES) : bytes).toString('base64');
}

/**
 * An X-Ray trace header as Lambda sends it to runtimes, its random parts taken from the
 * (random) request id rather than from fresh entropy on the hot path.
 */
function traceIdFor(requestId: string): string {
  const hex = requestId.replace(/-/g, '');
  const time = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
  return `Root=1-${time}-${hex.slice(0, 24)};Parent=${hex.slice(16, 32)};Sampled=0`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Checks that a payload is JSON, as Lambda does before it accepts an invocation. */
export function checkJsonPayload(payload: Buffer): void {
  if (payload.length === 0) return;
  try {
    JSON.parse(utf8.decode(payload));
  } catch (err) {
    throw new ApiError(
      'InvalidRequestContentException',
      `Could not parse request body into json: Could not parse payload into json: ${(err as Error).message}`,
    );
  }
}
