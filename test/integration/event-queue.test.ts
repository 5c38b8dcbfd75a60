// Event invocations are durable: what Invoke answered 202 runs, with the request id it was
// given, even when the server is killed with -9 or stopped before running it; a deleted
// function's queued events are dropped with it. A function error is retried as Lambda does,
// a minute later (this file waits for that minute once), even across a crash.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DeleteFunctionCommand, InvokeCommand, type LambdaClient, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { createZipFunction } from '../helpers/functions.js';
import { type LaminaProcess, startLamina } from '../helpers/lamina.js';

let lamina: LaminaProcess;
let sdk: LambdaClient;

// Each event takes a while and logs its mark only at the end, so that none can have finished
// before the server goes down. One at a time: the others wait in the queue.
const SLOW = [
  'exports.handler = async (event, context) => {',
  '  await new Promise((r) => setTimeout(r, 1500));',
  "  console.log('EVENT-MARK', context.awsRequestId, event.n);",
  '  return event.n;',
  '};',
].join('\n');

async function slowFunction(name: string): Promise<void> {
  await createZipFunction(sdk, name, { 'index.js': SLOW }, { Timeout: 10 });
  await sdk.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 1 }));
}

/** Sends `count` Event invocations; returns their request ids (from the 202 answers). */
async function sendEvents(name: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < count; n++) {
    const out = await sdk.send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify({ n })) }));
    assert.equal(out.StatusCode, 202);
    ids.push(out.$metadata.requestId!);
  }
  return ids;
}

/** The marks logged by `name` so far: request id → event number. */
async function marks(name: string): Promise<Map<string, number>> {
  const r = await lamina.aws(['logs', 'filter-log-events', '--log-group-name', `/aws/lambda/${name}`, '--filter-pattern', '"EVENT-MARK"']);
  const found = new Map<string, number>();
  if (r.code !== 0) return found; // no log group yet
  for (const e of JSON.parse(r.stdout).events as { message: string }[]) {
    const m = /EVENT-MARK ([0-9a-f-]{36}) (\d+)/.exec(e.message);
    if (m) found.set(m[1]!, Number(m[2]));
  }
  return found;
}

async function waitForMarks(name: string, ids: readonly string[], timeoutMs = 30_000): Promise<Map<string, number>> {
  const until = Date.now() + timeoutMs;
  let found = new Map<string, number>();
  while (Date.now() < until) {
    found = await marks(name);
    if (ids.every((id) => found.has(id))) return found;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`events never ran: ${ids.filter((id) => !found.has(id)).join(', ')} (ran: ${[...found.keys()].join(', ')})`);
}

describe('the Event queue is durable', () => {
  before(async () => {
    lamina = await startLamina();
    sdk = lamina.sdk();
  });
  after(async () => {
    await lamina?.dispose();
  });

  test('events accepted before a kill -9 run after the restart, with their request ids', async () => {
    await slowFunction('crash-queue');
    const ids = await sendEvents('crash-queue', 3);
    await lamina.kill9();
    lamina = await lamina.restart();
    sdk = lamina.sdk();
    const found = await waitForMarks('crash-queue', ids);
    assert.deepEqual(
      ids.map((id) => found.get(id)),
      [0, 1, 2],
      'each event ran with its own payload and the request id its 202 named',
    );
  });

  test('events still queued at a clean shutdown run after the restart', async () => {
    await slowFunction('stop-queue');
    const ids = await sendEvents('stop-queue', 3);
    assert.equal(await lamina.stop(), 0);
    lamina = await lamina.restart();
    sdk = lamina.sdk();
    const found = await waitForMarks('stop-queue', ids);
    assert.deepEqual(ids.map((id) => found.get(id)), [0, 1, 2]);
  });

  test("a function deleted with events queued takes them with it; a new one of that name does not run them", async () => {
    await slowFunction('gone-queue');
    const ids = await sendEvents('gone-queue', 2);
    await lamina.kill9();
    // Deleted before the events could run: at the restart, they are gone with it.
    lamina = await lamina.restart();
    sdk = lamina.sdk();
    await sdk.send(new DeleteFunctionCommand({ FunctionName: 'gone-queue' }));
    await slowFunction('gone-queue');
    const later = await sendEvents('gone-queue', 1);
    const found = await waitForMarks('gone-queue', later);
    // The first queued event may have started before the delete; the second cannot have.
    assert.equal(found.has(ids[1]!), false, 'an event of the deleted function ran on the new one');
  });

  test('a function error is retried a minute later with the same request id, even after a kill -9; a success is not retried', async () => {
    await createZipFunction(sdk, 'fails-event', {
      'index.js': "exports.handler = async (e, context) => { console.log('ATTEMPT', context.awsRequestId, Date.now()); throw new Error('try again'); };",
    });
    await createZipFunction(sdk, 'fine-event', { 'index.js': SLOW.replace('1500', '10') });
    const [failing] = await sendEvents('fails-event', 1);
    const [fine] = await sendEvents('fine-event', 1);
    const attempts = async (): Promise<number[]> => {
      const r = await lamina.aws(['logs', 'filter-log-events', '--log-group-name', '/aws/lambda/fails-event', '--filter-pattern', '"ATTEMPT"']);
      if (r.code !== 0) return [];
      return (JSON.parse(r.stdout).events as { message: string }[])
        .map((e) => /ATTEMPT ([0-9a-f-]{36}) (\d+)/.exec(e.message))
        .filter((m): m is RegExpExecArray => m !== null && m[1] === failing)
        .map((m) => Number(m[2]));
    };
    const waitForAttempts = async (n: number, timeoutMs: number): Promise<number[]> => {
      const until = Date.now() + timeoutMs;
      let seen = await attempts();
      while (seen.length < n && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 500));
        seen = await attempts();
      }
      return seen;
    };
    assert.equal((await waitForAttempts(1, 20_000)).length, 1, 'the first attempt ran');
    await waitForMarks('fine-event', [fine!]);
    await new Promise((r) => setTimeout(r, 1000)); // the failed attempt's retry is queued by now
    await lamina.kill9();
    lamina = await lamina.restart();
    sdk = lamina.sdk();
    const seen = await waitForAttempts(2, 100_000);
    assert.equal(seen.length, 2, 'the retry ran after the restart');
    assert.ok(seen[1]! - seen[0]! >= 30_000, `the retry waited (${seen[1]! - seen[0]!} ms), as Lambda's does`);
    assert.deepEqual([...(await marks('fine-event')).keys()].filter((id) => id === fine), [fine]);
    const r = await lamina.aws(['logs', 'filter-log-events', '--log-group-name', '/aws/lambda/fine-event', '--filter-pattern', '"EVENT-MARK"']);
    assert.equal(JSON.parse(r.stdout).events.length, 1, 'a successful event runs once');
  });
});
