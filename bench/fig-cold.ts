// 3. Cold start: the first Invoke after CreateFunction and after UpdateFunctionConfiguration,
// Node.js and Python, without and with prewarming, against the bare interpreter's start; and
// the sandbox's share of it (sandbox_setup).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Bench } from './context.js';
import { createFunction, NODE_NOOP, PYTHON_NOOP, touchConfiguration } from './functions.js';
import { type StartedProcess, StartFloor } from './floor.js';
import { type LaminaServer, REPO_ROOT, sleep } from './lamina.js';
import { invokeRequest, SignedClient } from './signed-client.js';
import { compare, type Figure, figure, missing } from './stats.js';

/** What the idle-memory figures reuse: idle environments and idle bare interpreters. */
export interface ColdLeftovers {
  /** Functions of bench.laminaNoPrewarm, one idle environment each. */
  readonly nodeFunctions: readonly string[];
  readonly pythonFunctions: readonly string[];
  readonly floorNode: readonly StartedProcess[];
  readonly floorPython: readonly StartedProcess[];
  release(): Promise<void>;
}

const NODE = 'nodejs20.x';
const PYTHON = 'python3.11';

/**
 * Noop handlers. `cold_start_*` on a server with prewarming off, `cold_start_*_prewarm` on the
 * server as users run it, its prewarmed runtimes ready. Floors, in the same interleaved loop:
 * the bare interpreter started to its first HTTP request on loopback, and Lamina's runtime
 * bootstrap started bare (no server, no sandbox) to its first poll. The sandbox's share: the
 * same Node.js cold start on a server with LAMINA_ISOLATION=process (prewarming off too),
 * paired sample by sample: sandbox_setup = the median of the differences.
 */
export async function measureCold(b: Bench): Promise<ColdLeftovers> {
  const { plan } = b;
  const client = new SignedClient();
  const starts = await StartFloor.start();
  const kept = { node: [] as StartedProcess[], python: [] as StartedProcess[] };
  const functions = { node: [] as string[], python: [] as string[] };
  const samples = new Map<string, number[]>();
  const push = (name: string, ms: number): void => void samples.set(name, [...(samples.get(name) ?? []), ms]);
  const notes = new Map<string, string>();

  const coldInvoke = async (server: LaminaServer, name: string): Promise<number> => {
    const a = await client.send(invokeRequest(server.url, name));
    if (a.status !== 200 || a.headers['x-amz-function-error']) {
      throw new Error(`cold invoke of ${name}: HTTP ${a.status} ${a.body.toString('utf8').slice(0, 300)}`);
    }
    return a.ms;
  };
  /** Why prewarmed cold starts of a runtime cannot be measured (then they are not tried again). */
  const noPrewarm = new Map<string, string>();
  /** Waits until the server under test has its prewarmed runtimes of `runtime` ready. */
  const cellsReady = async (runtime: string): Promise<boolean> => {
    if (noPrewarm.has(runtime)) return false;
    const until = Date.now() + 20_000;
    for (;;) {
      const prewarmed = (await b.lamina.health()).prewarmed;
      if (!prewarmed) {
        noPrewarm.set(runtime, 'this server reports no prewarmed runtimes in /health (no prewarming)');
        return false;
      }
      if ((prewarmed[runtime] ?? 0) >= 2) return true;
      if (Date.now() > until) {
        noPrewarm.set(runtime, `no prewarmed ${runtime} runtime became ready within 20 s (${JSON.stringify(prewarmed)})`);
        return false;
      }
      await sleep(25);
    }
  };

  // The bootstraps' task folder, and the variables Lamina gives a runtime (runtimes/README.md).
  const task = mkdtempSync(path.join(os.tmpdir(), 'lamina-bench-task-'));
  writeFileSync(path.join(task, 'index.js'), 'exports.handler = async () => ({});\n');
  writeFileSync(path.join(task, 'lambda_function.py'), 'def handler(e, c):\n    return {}\n');
  const runtimeDir = path.join(REPO_ROOT, 'runtimes');
  const lambdaEnv = (handler: string): Record<string, string> => ({
    _HANDLER: handler,
    LAMBDA_TASK_ROOT: task,
    LAMBDA_RUNTIME_DIR: runtimeDir,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: 'bootstrap',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/bootstrap',
    AWS_LAMBDA_LOG_STREAM_NAME: 'bootstrap',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  });
  const family = {
    node: {
      code: NODE_NOOP,
      runtime: NODE,
      floor: () => starts.node(b.node),
      bootstrap: () =>
        starts.bootstrap([b.node, path.join(runtimeDir, 'node', 'bootstrap.mjs')], { ...lambdaEnv('index.handler'), NODE_PATH: task }, task),
    },
    python: {
      code: PYTHON_NOOP,
      runtime: PYTHON,
      floor: () => starts.python(b.python!),
      // /var/runtime is read-only in a sandbox: no bytecode is written there either.
      bootstrap: () =>
        starts.bootstrap(
          [b.python!, '-u', path.join(runtimeDir, 'python', 'bootstrap.py')],
          { ...lambdaEnv('lambda_function.handler'), PYTHONPATH: path.join(runtimeDir, 'python'), PYTHONDONTWRITEBYTECODE: '1' },
          task,
        ),
    },
  } as const;
  const families = b.python ? (['node', 'python'] as const) : (['node'] as const);

  const sample = async (i: number, f: 'node' | 'python'): Promise<void> => {
    const fam = family[f];
    const bare = await fam.floor();
    push(`floor_process_start_${f}`, bare.ms);
    if (kept[f].length < plan.memorySamples) kept[f].push(bare);
    else await bare.kill();
    if (!notes.has(`bootstrap_start_${f}`)) {
      try {
        const boot = await fam.bootstrap();
        push(`bootstrap_start_${f}`, boot.ms);
        await boot.kill();
      } catch (err) {
        notes.set(`bootstrap_start_${f}`, `failed: ${(err as Error).message}`);
      }
    }
    const name = `${b.prefix}-cold-${f}-${i}`;
    await createFunction(b.laminaNoPrewarm.client, name, fam.code);
    push(`cold_start_${f}`, await coldInvoke(b.laminaNoPrewarm, name));
    functions[f].push(name);
    if (await cellsReady(fam.runtime)) {
      await createFunction(b.lamina.client, name, fam.code);
      push(`cold_start_${f}_prewarm`, await coldInvoke(b.lamina, name));
    } else {
      notes.set(`cold_start_${f}_prewarm`, noPrewarm.get(fam.runtime)!);
      notes.set(`cold_start_${f}_prewarm_after_update`, noPrewarm.get(fam.runtime)!);
    }
  };
  const afterUpdate = async (i: number, f: 'node' | 'python'): Promise<void> => {
    const name = `${b.prefix}-cold-${f}-${i}`;
    await touchConfiguration(b.laminaNoPrewarm.client, name, `touched ${i}`);
    push(`cold_start_${f}_after_update`, await coldInvoke(b.laminaNoPrewarm, name));
    if (samples.get(`cold_start_${f}_prewarm`)?.[i] !== undefined && (await cellsReady(family[f].runtime))) {
      await touchConfiguration(b.lamina.client, name, `touched ${i}`);
      push(`cold_start_${f}_prewarm_after_update`, await coldInvoke(b.lamina, name));
    }
  };

  try {
    // The server under test prewarms a runtime once a function of it exists.
    for (const f of families) await createFunction(b.lamina.client, `${b.prefix}-prime-${f}`, family[f].code);
    for (let i = 0; i < plan.coldSamples; i++) {
      for (const f of families) await sample(i, f);
      const unboxed = `${b.prefix}-cold-node-process-${i}`;
      await createFunction(b.laminaProcess.client, unboxed, NODE_NOOP);
      const ms = await coldInvoke(b.laminaProcess, unboxed);
      push('cold_start_node_process_isolation', ms);
      push('sandbox_setup', samples.get('cold_start_node')![i]! - ms);
      for (const f of families) await afterUpdate(i, f);
      // Let retired environments go (and scratch images, prewarmed runtimes refill) before the next.
      await Promise.all([b.lamina.settle(() => true), b.laminaNoPrewarm.settle(() => true)]);
      await sleep(200);
    }
  } finally {
    client.close();
    rmSync(task, { recursive: true, force: true });
  }

  const get = (name: string, unit = 'ms'): Figure => {
    const values = samples.get(name);
    if (values && values.length > 0) return figure(name, unit, values);
    b.note(name, notes.get(name) ?? (name.includes('python') && !b.python ? `${PYTHON} is not available on this host` : 'not measured'));
    return missing(name, unit);
  };
  for (const f of ['node', 'python'] as const) {
    const floor = get(`floor_process_start_${f}`);
    for (const n of ['', '_after_update', '_prewarm', '_prewarm_after_update']) b.add(compare(get(`cold_start_${f}${n}`), floor));
    b.add(floor, compare(get(`bootstrap_start_${f}`), floor));
  }
  b.add(compare(get('cold_start_node_process_isolation'), b.get('floor_process_start_node')), get('sandbox_setup'));
  const isolation = (await b.laminaNoPrewarm.health()).isolation;
  if (isolation.level !== 'namespaces') b.note('sandbox_setup', `no sandbox on this host (${isolation.detail}): both sides are unsandboxed`);

  return {
    nodeFunctions: functions.node,
    pythonFunctions: functions.python,
    floorNode: kept.node,
    floorPython: kept.python,
    async release() {
      for (const p of [...kept.node, ...kept.python]) await p.kill();
      await starts.stop();
    },
  };
}
