// 5. Scale-out: 100 concurrent invocations of a cold function whose handler takes 100 ms: the
// time until all have returned, and how many environments Lamina made for them.

import type { Bench } from './context.js';
import { countLogStreams, createFunction, deleteFunction, NODE_SLEEP_100MS } from './functions.js';
import { invokeRequest } from './signed-client.js';
import { figure } from './stats.js';

const BURST = 100;

/**
 * The handler's 100 ms make the burst need many environments. The burst comes from 100
 * connections opened for it; environments are counted by log streams (one each). A fresh
 * function for each burst; the previous one is deleted and its environments gone first.
 */
export async function measureScaleOut(b: Bench): Promise<void> {
  const times: number[] = [];
  const envs: number[] = [];
  for (let i = 0; i < b.plan.scaleSamples; i++) {
    const before = (await b.lamina.settle(() => true)).environments.environments;
    const name = `${b.prefix}-scale-${i}`;
    await createFunction(b.lamina.client, name, NODE_SLEEP_100MS);
    const res = await b.load.runClean(
      { request: invokeRequest(b.lamina.url, name), concurrency: BURST, count: BURST, fresh: true },
      'scale-out burst',
    );
    times.push(res.elapsedMs);
    envs.push(await countLogStreams(b.lamina.client, name));
    await deleteFunction(b.lamina.client, name);
    await b.lamina.settle((n) => n <= before, 120_000);
  }
  b.add(figure('scale_out_100', 'ms', times), figure('scale_out_100_environments', 'count', envs));
}
