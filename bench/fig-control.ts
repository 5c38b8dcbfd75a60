// 6. Control plane: CreateFunction (the small noop zip, a new name each time) and GetFunction
// per second, from 4 concurrent clients, in interleaved rounds.

import type { Bench } from './context.js';
import { createBody, createFunction, NODE_NOOP } from './functions.js';
import type { RequestSpec } from './signed-client.js';
import { figure } from './stats.js';

const CONCURRENCY = 4;

export async function measureControl(b: Bench): Promise<void> {
  const existing = `${b.prefix}-control-get`;
  await createFunction(b.lamina.client, existing, NODE_NOOP);
  const targets: { figure: string; request: RequestSpec; unique: boolean; rates: number[] }[] = [
    {
      figure: 'control_create_per_s',
      request: {
        endpoint: b.lamina.url,
        method: 'POST',
        path: '/2015-03-31/functions',
        body: createBody(`${b.prefix}-control-{n}`, NODE_NOOP),
        headers: { 'content-type': 'application/json' },
        service: 'lambda',
      },
      unique: true,
      rates: [],
    },
    {
      figure: 'control_get_per_s',
      request: { endpoint: b.lamina.url, method: 'GET', path: `/2015-03-31/functions/${existing}`, service: 'lambda' },
      unique: false,
      rates: [],
    },
  ];
  for (const t of targets) {
    await b.load.runClean({ request: t.request, concurrency: CONCURRENCY, durationMs: 300, unique: t.unique }, `${t.figure} warm-up`);
  }
  for (let r = 0; r < b.plan.controlRounds; r++) {
    for (const t of r % 2 === 0 ? targets : [...targets].reverse()) {
      const res = await b.load.runClean(
        { request: t.request, concurrency: CONCURRENCY, durationMs: b.plan.controlMs, unique: t.unique },
        t.figure,
      );
      t.rates.push(res.completed / (res.elapsedMs / 1000));
    }
  }
  for (const t of targets) b.add(figure(t.figure, 'req/s', t.rates));
}
