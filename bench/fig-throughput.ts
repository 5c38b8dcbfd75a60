// 2. Throughput (invocations/s) of the noop Node.js function at concurrency 1, 8, 32, 64,
// against the two-hop floor with as many long-polling processes, and the peer at c=32; at c=1
// and c=32 also the CPU time per invocation of each side.

import type { Bench } from './context.js';
import { countLogStreams, createFunction, NODE_NOOP } from './functions.js';
import { PEER_FUNCTION } from './peer.js';
import { cpuBetween, cpuSnapshot, subtrees } from './procfs.js';
import { type RequestSpec, invokeRequest } from './signed-client.js';
import { compare, type Figure, figure, median, missing } from './stats.js';

const PEER_CONCURRENCY = 32;
const CPU_CONCURRENCIES = [1, 32];

interface Target {
  readonly figure: string;
  readonly request: RequestSpec;
  readonly rates: number[];
  readonly clientCpu: number[];
  /** Processes whose CPU is counted, by part (e.g. server, runtime); none: not counted. */
  readonly parts: Readonly<Record<string, () => number[]>>;
  /** µs of CPU per invocation, per round, by part. */
  readonly cpu: Record<string, number[]>;
}

/**
 * Rounds interleave the targets. Before the rounds of a concurrency each target is warmed at
 * it, Lamina until it makes no more environments (no cold start is counted). The floor runs
 * as many long-polling processes as the concurrency: Lamina gives each concurrent invocation
 * an environment (a process) of its own. CPU time (from /proc/<pid>/stat) moves less with
 * machine load than wall time: the server's is set against the floor's hub, the
 * environments' (runtime and sandbox processes) against the floor's pollers.
 */
export async function measureThroughput(b: Bench): Promise<void> {
  const { plan, load } = b;
  const name = `${b.prefix}-tput-node`;
  await createFunction(b.lamina.client, name, NODE_NOOP);
  const lamina = invokeRequest(b.lamina.url, name);
  const floor = invokeRequest(b.floor.endpoint, 'floor');
  const peer = b.peer ? invokeRequest(b.peer.endpoint, PEER_FUNCTION) : undefined;
  const server = b.lamina.pid;
  const environments = (): number[] => subtrees(server).flat().map((p) => p.pid);

  for (const c of plan.concurrencies) {
    await b.floor.setPollers(c);
    const counted = CPU_CONCURRENCIES.includes(c);
    const target = (fig: string, request: RequestSpec, parts: Target['parts']): Target => ({
      figure: fig,
      request,
      rates: [],
      clientCpu: [],
      parts: counted ? parts : {},
      cpu: {},
    });
    const targets: Target[] = [
      target(`floor_throughput_c${c}`, floor, { hub: () => [b.floor.hubPid], poller: () => b.floor.pollerPids }),
      target(`throughput_c${c}`, lamina, { server: () => [server], runtime: environments }),
    ];
    if (peer && c === PEER_CONCURRENCY) {
      targets.push(target(`peer_sls_offline_throughput_c${c}`, peer, { all: () => [b.peer!.pid, ...subtrees(b.peer!.pid).flat().map((p) => p.pid)] }));
    }
    for (const t of targets) {
      await load.runClean({ request: t.request, concurrency: c, durationMs: plan.throughputWarmupMs }, `${t.figure} warm-up`);
    }
    // Lamina warms until it makes no more environments at this concurrency (at most 6 more rounds).
    let environmentsNow = (await b.lamina.settle(() => true)).environments.environments;
    for (let i = 0; i < 6; i++) {
      await load.runClean({ request: lamina, concurrency: c, durationMs: plan.throughputWarmupMs }, `throughput_c${c} warm-up`);
      const after = (await b.lamina.settle(() => true)).environments.environments;
      if (after === environmentsNow) break;
      environmentsNow = after;
    }
    for (let r = 0; r < plan.throughputRounds; r++) {
      for (let k = 0; k < targets.length; k++) {
        const t = targets[(r + k) % targets.length]!;
        const before = Object.fromEntries(Object.entries(t.parts).map(([part, pids]) => [part, cpuSnapshot(pids())]));
        const res = await load.runClean({ request: t.request, concurrency: c, durationMs: plan.throughputMs }, t.figure);
        for (const [part, pids] of Object.entries(t.parts)) {
          const used = cpuBetween(before[part]!, cpuSnapshot(pids()));
          (t.cpu[part] ??= []).push((used * 1000) / res.completed);
        }
        t.rates.push(res.completed / (res.elapsedMs / 1000));
        t.clientCpu.push(res.cpuMs / res.elapsedMs);
      }
    }
    // The load generator's own share of a CPU: near 1 would mean it, not the target, is the limit.
    b.log(`  c=${c}: ${targets.map((t) => `${t.figure} ${Math.round(median(t.rates))}/s (client ${Math.round(median(t.clientCpu) * 100)}% CPU)`).join(', ')}`);

    const [floorT, laminaT, peerT] = targets as [Target, Target, Target | undefined];
    const floorFig = figure(floorT.figure, 'inv/s', floorT.rates);
    b.add(floorFig, compare(figure(laminaT.figure, 'inv/s', laminaT.rates), floorFig));
    if (peerT) b.add(compare(figure(peerT.figure, 'inv/s', peerT.rates), floorFig));
    else if (c === PEER_CONCURRENCY) {
      b.add(compare(missing(`peer_sls_offline_throughput_c${c}`, 'inv/s'), floorFig));
      b.note(`peer_sls_offline_throughput_c${c}`, `peer unavailable: ${b.peerReason}`);
    }
    // How many environments Lamina has made for the function so far (one log stream each).
    b.add(figure(`throughput_c${c}_environments`, 'count', [await countLogStreams(b.lamina.client, name)]));
    if (counted) addCpuFigures(b, c, floorT, laminaT, peerT);
  }
  await b.floor.setPollers(0);
}

function addCpuFigures(b: Bench, c: number, floorT: Target, laminaT: Target, peerT: Target | undefined): void {
  const sum = (t: Target): number[] => {
    const parts = Object.values(t.cpu);
    return parts[0]!.map((_, i) => parts.reduce((s, p) => s + p[i]!, 0));
  };
  const us = (name: string, values: number[]): Figure => figure(name, 'µs CPU/inv', values);
  const floorTotal = us(`floor_cpu_per_invoke_c${c}`, sum(floorT));
  const floorHub = us(`floor_cpu_per_invoke_hub_c${c}`, floorT.cpu.hub!);
  const floorPoller = us(`floor_cpu_per_invoke_poller_c${c}`, floorT.cpu.poller!);
  b.add(
    floorTotal,
    compare(us(`cpu_per_invoke_c${c}`, sum(laminaT)), floorTotal),
    floorHub,
    compare(us(`cpu_per_invoke_server_c${c}`, laminaT.cpu.server!), floorHub),
    floorPoller,
    compare(us(`cpu_per_invoke_runtime_c${c}`, laminaT.cpu.runtime!), floorPoller),
  );
  if (c === PEER_CONCURRENCY) {
    if (peerT) b.add(compare(us(`peer_sls_offline_cpu_per_invoke_c${c}`, sum(peerT)), floorTotal));
    else {
      b.add(compare(missing(`peer_sls_offline_cpu_per_invoke_c${c}`, 'µs CPU/inv'), floorTotal));
      b.note(`peer_sls_offline_cpu_per_invoke_c${c}`, `peer unavailable: ${b.peerReason}`);
    }
  }
}
