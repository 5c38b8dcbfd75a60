// What every figure family is given: the plan (how much to measure), the processes under
// test, and where figures and notes go.

import type { TwoHopFloor } from './floor.js';
import type { LaminaServer } from './lamina.js';
import type { LoadGenerator } from './load.js';
import type { Peer } from './peer.js';
import type { Figure } from './stats.js';

export interface Plan {
  readonly quick: boolean;
  /** Warm latency: rounds per target (interleaved), invokes per round, warm-up invokes. */
  readonly latencyRounds: number;
  readonly latencyPerRound: number;
  readonly latencyWarmup: number;
  /** Throughput: concurrencies, rounds per target, ms per round, warm-up ms per target. */
  readonly concurrencies: readonly number[];
  readonly throughputRounds: number;
  readonly throughputMs: number;
  readonly throughputWarmupMs: number;
  /** Cold starts per runtime (and bare interpreter starts). */
  readonly coldSamples: number;
  /** Environments (and bare interpreters) whose idle memory is read. */
  readonly memorySamples: number;
  /** Bursts of 100. */
  readonly scaleSamples: number;
  /** Control plane: rounds and ms per round. */
  readonly controlRounds: number;
  readonly controlMs: number;
}

export const QUICK: Plan = {
  quick: true,
  latencyRounds: 4,
  latencyPerRound: 300,
  latencyWarmup: 200,
  concurrencies: [1, 8, 32, 64],
  throughputRounds: 3,
  throughputMs: 600,
  throughputWarmupMs: 700,
  coldSamples: 5,
  memorySamples: 3,
  scaleSamples: 1,
  controlRounds: 2,
  controlMs: 1000,
};

export const FULL: Plan = {
  quick: false,
  latencyRounds: 10,
  latencyPerRound: 1000,
  latencyWarmup: 1000,
  concurrencies: [1, 8, 32, 64],
  throughputRounds: 8,
  throughputMs: 1500,
  throughputWarmupMs: 2500,
  coldSamples: 20,
  memorySamples: 5,
  scaleSamples: 3,
  controlRounds: 5,
  controlMs: 2000,
};

export interface Bench {
  readonly plan: Plan;
  /** The server under test, as users run it: sandboxed when this host allows it, prewarming on. */
  readonly lamina: LaminaServer;
  /** The same with LAMINA_PREWARM=0: cold starts without prewarming, idle memory. */
  readonly laminaNoPrewarm: LaminaServer;
  /** LAMINA_ISOLATION=process, LAMINA_PREWARM=0: the sandbox's share of a cold start. */
  readonly laminaProcess: LaminaServer;
  readonly load: LoadGenerator;
  readonly floor: TwoHopFloor;
  /** Undefined when the peer could not be installed or started (see peerReason). */
  readonly peer: Peer | undefined;
  readonly peerReason: string | undefined;
  /** Interpreters of nodejs20.x and python3.11, as Lamina's runtime catalog found them. */
  readonly node: string;
  readonly python: string | undefined;
  /** Names of this run's functions start with it. */
  readonly prefix: string;
  add(...figures: Figure[]): void;
  note(figure: string, text: string): void;
  get(name: string): Figure | undefined;
  log(line: string): void;
}
