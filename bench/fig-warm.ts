// 1. Warm invoke latency at concurrency 1 (noop handler, Node.js and Python), with the two-hop
// floor and the peer in the same interleaved rounds (each round runs every target once, in a
// rotating order). `*_p50`: over every invoke; `*_p99`: the median of the rounds' p99s.

import type { Bench } from './context.js';
import { createFunction, NODE_NOOP, PYTHON_NOOP } from './functions.js';
import { PEER_FUNCTION } from './peer.js';
import { type RequestSpec, invokeRequest } from './signed-client.js';
import { compare, type Figure, figure, missing, quantile, sortNumbers } from './stats.js';

interface Target {
  readonly figure: string;
  readonly request: RequestSpec;
  readonly all: number[];
  readonly roundP99: number[];
}

export async function measureWarm(b: Bench): Promise<void> {
  const { plan, load } = b;
  await b.floor.setPollers(1);
  const targets: Target[] = [];
  const add = (fig: string, request: RequestSpec): void => void targets.push({ figure: fig, request, all: [], roundP99: [] });

  add('floor_two_hop', { ...invokeRequest(b.floor.endpoint, 'floor') });
  const nodeName = `${b.prefix}-warm-node`;
  await createFunction(b.lamina.client, nodeName, NODE_NOOP);
  add('warm_invoke_node', invokeRequest(b.lamina.url, nodeName));
  if (b.python) {
    const pyName = `${b.prefix}-warm-python`;
    await createFunction(b.lamina.client, pyName, PYTHON_NOOP);
    add('warm_invoke_python', invokeRequest(b.lamina.url, pyName));
  }
  if (b.peer) add('peer_sls_offline_warm', invokeRequest(b.peer.endpoint, PEER_FUNCTION));
  // The sandbox's share of a warm invoke: the same handler on the process-isolation server.
  const plainName = `${b.prefix}-warm-node-plain`;
  await createFunction(b.laminaProcess.client, plainName, NODE_NOOP);
  add('warm_invoke_node_process_isolation', invokeRequest(b.laminaProcess.url, plainName));

  for (const t of targets) {
    await load.runClean({ request: t.request, concurrency: 1, count: plan.latencyWarmup }, `${t.figure} warm-up`);
  }
  for (let r = 0; r < plan.latencyRounds; r++) {
    for (let k = 0; k < targets.length; k++) {
      const t = targets[(r + k) % targets.length]!;
      const res = await load.runClean({ request: t.request, concurrency: 1, count: plan.latencyPerRound, latencies: true }, t.figure);
      t.all.push(...res.latenciesMs!);
      t.roundP99.push(quantile(sortNumbers(res.latenciesMs!), 0.99));
    }
  }

  // Thaw included: 30 ms between invokes, so the environment is frozen (after 10 ms idle)
  // each time one arrives; beside the floor with the same pauses (idle caches and sockets
  // cost both alike).
  const spacedFloor: number[] = [];
  const thawed: number[] = [];
  const spacedCount = Math.max(25, Math.round(plan.latencyPerRound / 8));
  for (let r = 0; r < plan.latencyRounds; r++) {
    for (const [into, request] of [
      [spacedFloor, invokeRequest(b.floor.endpoint, 'floor')],
      [thawed, invokeRequest(b.lamina.url, nodeName)],
    ] as const) {
      const res = await load.runClean({ request, concurrency: 1, count: spacedCount, latencies: true, pauseMs: 30 }, 'spaced invokes');
      into.push(...res.latenciesMs!);
    }
  }

  const figs = new Map<string, Figure>();
  const spacedFloorFig = figure('floor_two_hop_spaced_p50', 'ms', spacedFloor);
  figs.set('warm_invoke_node_thawed_p50', compare(figure('warm_invoke_node_thawed_p50', 'ms', thawed), spacedFloorFig));
  for (const t of targets) {
    figs.set(`${t.figure}_p50`, figure(`${t.figure}_p50`, 'ms', t.all));
    figs.set(`${t.figure}_p99`, figure(`${t.figure}_p99`, 'ms', t.roundP99));
  }
  const floor50 = figs.get('floor_two_hop_p50');
  const floor99 = figs.get('floor_two_hop_p99');
  b.add(floor50!, floor99!);
  b.add(spacedFloorFig, figs.get('warm_invoke_node_thawed_p50')!);
  for (const name of ['warm_invoke_node', 'warm_invoke_python', 'warm_invoke_node_process_isolation', 'peer_sls_offline_warm']) {
    const p50 = figs.get(`${name}_p50`);
    const p99 = figs.get(`${name}_p99`);
    b.add(compare(p50 ?? missing(`${name}_p50`, 'ms'), floor50), compare(p99 ?? missing(`${name}_p99`, 'ms'), floor99));
    if (p50) continue;
    const why = name.startsWith('peer') ? `peer unavailable: ${b.peerReason}` : 'python3.11 is not available on this host';
    b.note(`${name}_p50`, why);
    b.note(`${name}_p99`, why);
  }
}
