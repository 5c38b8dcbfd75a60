// `npm run bench [-- --quick] [-- --no-peer]`: starts a real Lamina server (sandboxed when this
// host allows it), the floors and the serverless-offline peer, measures every figure family
// with its floor in the same run, prints a table and writes bench/results/latest.json.

import os from 'node:os';
import path from 'node:path';
import { type Bench, FULL, QUICK } from './context.js';
import { type ColdLeftovers, measureCold } from './fig-cold.js';
import { measureControl } from './fig-control.js';
import { measureMemory } from './fig-memory.js';
import { measureSandbox } from './fig-sandbox.js';
import { measureScaleOut } from './fig-scale.js';
import { measureThroughput } from './fig-throughput.js';
import { measureWarm } from './fig-warm.js';
import { TwoHopFloor } from './floor.js';
import { type LaminaServer, REPO_ROOT, startLamina } from './lamina.js';
import { LoadGenerator } from './load.js';
import { installPeer, type Peer, startPeer } from './peer.js';
import { gitState, machine, table, writeResults } from './report.js';
import { type Figure, missing } from './stats.js';

const RESULTS = path.join(REPO_ROOT, 'bench', 'results', 'latest.json');
const CONCURRENCIES = [1, 8, 32, 64];

/** Every figure each family promises, with its unit: a family that fails still lists them. */
const EXPECTED: Record<string, [string, string][]> = {
  warm: [
    ...['floor_two_hop', 'warm_invoke_node', 'warm_invoke_python', 'warm_invoke_node_process_isolation', 'peer_sls_offline_warm'].flatMap((n) => [
      [`${n}_p50`, 'ms'],
      [`${n}_p99`, 'ms'],
    ]),
    ['floor_two_hop_spaced_p50', 'ms'],
    ['warm_invoke_node_thawed_p50', 'ms'],
  ] as [string, string][],
  throughput: [
    ...CONCURRENCIES.flatMap((c) => [
      [`floor_throughput_c${c}`, 'inv/s'],
      [`throughput_c${c}`, 'inv/s'],
      [`throughput_c${c}_environments`, 'count'],
    ]),
    ['peer_sls_offline_throughput_c32', 'inv/s'],
    ...[1, 32].flatMap((c) =>
      ['floor_cpu_per_invoke', 'cpu_per_invoke', 'floor_cpu_per_invoke_hub', 'cpu_per_invoke_server', 'floor_cpu_per_invoke_poller', 'cpu_per_invoke_runtime'].map(
        (n) => [`${n}_c${c}`, 'µs CPU/inv'],
      ),
    ),
    ['peer_sls_offline_cpu_per_invoke_c32', 'µs CPU/inv'],
  ] as [string, string][],
  cold: [
    ...['node', 'python'].flatMap((f) =>
      ['', '_after_update', '_prewarm', '_prewarm_after_update', 'floor', 'bootstrap'].map((n) => [
        n === 'floor' ? `floor_process_start_${f}` : n === 'bootstrap' ? `bootstrap_start_${f}` : `cold_start_${f}${n}`,
        'ms',
      ]),
    ),
    ['cold_start_node_process_isolation', 'ms'],
    ['sandbox_setup', 'ms'],
  ] as [string, string][],
  sandbox: [
    ['sandbox_start_true', 'ms'],
    ['floor_spawn_true', 'ms'],
  ],
  memory: ['node', 'python'].flatMap((f) => [
    [`idle_memory_${f}`, 'MiB'],
    [`idle_memory_${f}_rss`, 'MiB'],
    [`idle_memory_${f}_cgroup`, 'MiB'],
    [`floor_idle_memory_${f}`, 'MiB'],
    [`floor_idle_memory_${f}_rss`, 'MiB'],
  ]) as [string, string][],
  scale: [
    ['scale_out_100', 'ms'],
    ['scale_out_100_environments', 'count'],
  ],
  control: [
    ['control_create_per_s', 'req/s'],
    ['control_get_per_s', 'req/s'],
  ],
};

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write('usage: npm run bench [-- --quick] [-- --no-peer]\n');
    return 0;
  }
  const plan = argv.includes('--quick') ? QUICK : FULL;
  const started = Date.now();
  const log = (line: string): void => {
    process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
  };
  const date = new Date().toISOString();
  const host = machine();
  const git = gitState(REPO_ROOT);
  log(`lamina bench (${plan.quick ? 'quick' : 'full'}) on ${host.cpu} × ${host.cores}, load ${host.loadAverage.join(' ')}`);

  const figures: Figure[] = [];
  const notes: Record<string, string> = {};
  let failed = false;

  let peerReason: string | undefined = argv.includes('--no-peer') ? 'skipped (--no-peer)' : undefined;
  if (!peerReason) {
    try {
      const ms = await installPeer(log);
      if (ms > 0) log(`peer installed in ${(ms / 1000).toFixed(1)} s`);
    } catch (err) {
      peerReason = `could not install serverless-offline: ${(err as Error).message}`;
    }
  }

  const stops: (() => Promise<void>)[] = [];
  let isolation = 'unknown';
  let cold: ColdLeftovers | undefined;
  try {
    const started = await Promise.allSettled([
      startLamina({ isolation: 'auto' }),
      startLamina({ isolation: 'auto', prewarm: 0 }),
      startLamina({ isolation: 'process', prewarm: 0 }),
      LoadGenerator.start(),
      peerReason
        ? Promise.resolve(undefined)
        : startPeer().catch((err: Error) => {
            peerReason = `could not start serverless-offline: ${err.message}`;
            return undefined;
          }),
    ] as const);
    // Whatever started is stopped at the end, even if something else did not start.
    for (const s of started) if (s.status === 'fulfilled' && s.value) stops.push(() => s.value!.stop());
    const failure = started.find((s) => s.status === 'rejected');
    if (failure) throw new Error(`start-up failed: ${String((failure as PromiseRejectedResult).reason?.message ?? failure)}`);
    const [lamina, laminaNoPrewarm, laminaProcess, load, peer] = started.map((s) => (s as PromiseFulfilledResult<unknown>).value) as [
      LaminaServer,
      LaminaServer,
      LaminaServer,
      LoadGenerator,
      Peer | undefined,
    ];
    if (peerReason) log(`peer unavailable: ${peerReason}`);

    const health = await lamina.health();
    const runtime = (id: string): string | undefined => health.runtimes.find((r) => r.id === id)?.executable;
    const node = runtime('nodejs20.x') ?? process.execPath;
    const python = runtime('python3.11');
    isolation = `${health.isolation.level}: ${health.isolation.detail}`;
    log(`server ${lamina.url}: isolation ${health.isolation.level} (${health.isolation.detail})`);
    if (process.getuid?.() === 0 && health.isolation.level !== 'namespaces') log('WARNING: running as root but the server is not sandboxed');
    const floor = await TwoHopFloor.start(node);
    stops.push(() => floor.stop());

    const bench: Bench = {
      plan,
      lamina,
      laminaNoPrewarm,
      laminaProcess,
      load,
      floor,
      peer,
      peerReason,
      node,
      python,
      prefix: `b${Date.now().toString(36)}`,
      add: (...fs) => void figures.push(...fs),
      note: (name, text) => void (notes[name] = text),
      get: (name) => figures.find((f) => f.name === name),
      log,
    };

    const section = async (family: string, what: string, fn: () => Promise<void>): Promise<void> => {
      const t0 = Date.now();
      log(`${what}…`);
      try {
        await fn();
        log(`${what}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      } catch (err) {
        failed = true;
        const message = (err as Error).message ?? String(err);
        log(`${what}: FAILED: ${message}`);
        for (const [name, unit] of EXPECTED[family]!) {
          if (figures.some((f) => f.name === name)) continue;
          figures.push(missing(name, unit));
          notes[name] = `failed: ${message.split('\n')[0]}`;
        }
      }
    };

    await section('warm', 'warm invoke latency, c=1', () => measureWarm(bench));
    await section('throughput', `throughput at c=${plan.concurrencies.join(', ')}`, () => measureThroughput(bench));
    await section('cold', 'cold starts', async () => {
      cold = await measureCold(bench);
    });
    await section('sandbox', 'the sandbox alone (/bin/true in a sandbox)', () => measureSandbox(bench));
    await section('memory', 'idle memory', async () => {
      if (!cold) throw new Error('needs the cold-start section, which failed');
      await measureMemory(bench, cold);
    });
    await Promise.all([laminaNoPrewarm.stop(), laminaProcess.stop()]); // their figures are done
    await section('scale', 'scale-out: 100 concurrent invocations of a cold function', () => measureScaleOut(bench));
    await section('control', 'control plane', () => measureControl(bench));
  } catch (err) {
    failed = true;
    const message = (err as Error).message ?? String(err);
    log(`FAILED: ${message}`);
    // Every promised figure is listed, measured or not.
    for (const [name, unit] of Object.values(EXPECTED).flat()) {
      if (figures.some((f) => f.name === name)) continue;
      figures.push(missing(name, unit));
      notes[name] ??= `not measured: ${message.split('\n')[0]}`;
    }
  } finally {
    await cold?.release().catch(() => {});
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => log(`stopping: ${String(err)}`));
  }

  for (const [name] of EXPECTED.warm!.concat(EXPECTED.throughput!)) {
    if (name.startsWith('peer_') && peerReason && !notes[name]) notes[name] = `peer unavailable: ${peerReason}`;
  }
  host.loadAverageAfter = os.loadavg().map((l) => Math.round(l * 100) / 100);
  writeResults(RESULTS, { date, machine: host, commit: git.commit, figures, mode: plan.quick ? 'quick' : 'full', dirty: git.dirty, isolation, notes });
  process.stdout.write(`\n${table(figures, notes)}\n\n`);
  log(`wrote ${path.relative(process.cwd(), RESULTS)} (${figures.length} figures, ${os.hostname()})`);
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
