// Log queries over an in-memory repository: FilterLogEvents pagination (no gaps, no
// duplicates, inclusive time bounds), GetLogEvents forward/backward tokens, listings.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LogEventInput, LogGroupInfo, LogQuery, LogRepository, LogStreamInfo, StoredLogEvent } from '../store/index.js';
import { filterEvents, listGroups, listStreams, LogQueryError, readStream } from './query.js';

/** A LogRepository in memory, ordered as the SQLite one: (timestamp, id). */
function memoryRepo(): LogRepository & { count(): number } {
  const groups = new Map<string, { created: number; events: (StoredLogEvent & { group: string })[]; streams: Map<string, number> }>();
  let nextId = 1;
  return {
    count: () => nextId - 1,
    async append(events: readonly LogEventInput[]) {
      for (const e of events) {
        let g = groups.get(e.group);
        if (!g) groups.set(e.group, (g = { created: 1, events: [], streams: new Map() }));
        if (!g.streams.has(e.stream)) g.streams.set(e.stream, e.timestamp);
        g.events.push({ id: nextId++, group: e.group, stream: e.stream, timestamp: e.timestamp, ingestionTime: e.timestamp + 1, message: e.message });
      }
    },
    async events(q: LogQuery) {
      const g = groups.get(q.group);
      if (!g) return [];
      return g.events
        .filter((e) => q.startTime === undefined || e.timestamp >= q.startTime)
        .filter((e) => q.endTime === undefined || e.timestamp <= q.endTime)
        .filter((e) => !q.streams || q.streams.length === 0 || q.streams.includes(e.stream))
        .filter((e) => q.streamPrefix === undefined || e.stream.startsWith(q.streamPrefix))
        .filter((e) => !q.after || e.timestamp > q.after.timestamp || (e.timestamp === q.after.timestamp && e.id > q.after.id))
        .sort((a, b) => a.timestamp - b.timestamp || a.id - b.id)
        .slice(0, q.limit);
    },
    async streams(group: string) {
      const g = groups.get(group);
      if (!g) return undefined;
      return [...g.streams.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, created]): LogStreamInfo => {
        const ts = g.events.filter((e) => e.stream === name).map((e) => e.timestamp);
        return {
          name,
          creationTime: created,
          ...(ts.length > 0 && { firstEventTimestamp: Math.min(...ts), lastEventTimestamp: Math.max(...ts), lastIngestionTime: Math.max(...ts) + 1 }),
          storedBytes: 0,
        };
      });
    },
    async groups() {
      return [...groups.entries()].map(([name, g]): LogGroupInfo => ({ name, creationTime: g.created, storedBytes: g.events.length }));
    },
    async deleteGroup(group: string) {
      return groups.delete(group);
    },
  };
}

const G = '/aws/lambda/f';
const A = '2024/01/01/[$LATEST]aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const B = '2024/01/01/[$LATEST]bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

/** 20 events, two streams interleaved, several sharing a timestamp. */
async function seeded(): Promise<ReturnType<typeof memoryRepo>> {
  const repo = memoryRepo();
  const events: LogEventInput[] = [];
  for (let i = 0; i < 20; i++) {
    events.push({ group: G, stream: i % 2 ? B : A, timestamp: 1000 + Math.floor(i / 3) * 10, message: `line ${i}${i % 5 === 0 ? ' ERROR' : ''}` });
  }
  await repo.append(events);
  return repo;
}

/** Every page of a FilterLogEvents search. */
async function allPages(repo: LogRepository, req: Omit<Parameters<typeof filterEvents>[1], 'nextToken'>): Promise<{ messages: string[]; pages: number }> {
  const messages: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await filterEvents(repo, { ...req, ...(nextToken !== undefined && { nextToken }) });
    pages++;
    messages.push(...page.events.map((e) => e.message));
    nextToken = page.nextToken;
    assert.ok(pages < 100, 'pagination does not end');
  } while (nextToken !== undefined);
  return { messages, pages };
}

describe('filterEvents', () => {
  test('returns every event ascending, and no nextToken on the last page', async () => {
    const repo = await seeded();
    const page = await filterEvents(repo, { group: G, limit: 10_000 });
    assert.equal(page.events.length, 20);
    assert.deepEqual(page.events.map((e) => e.message), Array.from({ length: 20 }, (_, i) => `line ${i}${i % 5 === 0 ? ' ERROR' : ''}`));
    assert.equal(page.nextToken, undefined);
    assert.deepEqual(page.searchedStreams.map((s) => [s.name, s.complete]), [[A, true], [B, true]]);
  });

  test('small pages cover everything once, with no token after the last', async () => {
    const repo = await seeded();
    for (const limit of [1, 3, 7, 19, 20]) {
      const { messages, pages } = await allPages(repo, { group: G, limit });
      assert.equal(messages.length, 20, `limit ${limit}`);
      assert.equal(new Set(messages).size, 20);
      assert.equal(pages, Math.ceil(20 / limit), `limit ${limit}`);
    }
  });

  test('filtered pages: every match once', async () => {
    const repo = await seeded();
    const { messages, pages } = await allPages(repo, { group: G, limit: 2, filterPattern: 'ERROR' });
    assert.deepEqual(messages, ['line 0 ERROR', 'line 5 ERROR', 'line 10 ERROR', 'line 15 ERROR']);
    assert.equal(pages, 2);
  });

  test('startTime and endTime are inclusive', async () => {
    const repo = await seeded();
    const page = await filterEvents(repo, { group: G, startTime: 1010, endTime: 1020, limit: 100 });
    assert.deepEqual(page.events.map((e) => e.timestamp), [1010, 1010, 1010, 1020, 1020, 1020]);
  });

  test('stream names and prefixes narrow the search', async () => {
    const repo = await seeded();
    const byName = await filterEvents(repo, { group: G, streams: [B], limit: 100 });
    assert.equal(byName.events.length, 10);
    assert.ok(byName.events.every((e) => e.stream === B));
    assert.deepEqual(byName.searchedStreams.map((s) => s.name), [B]);
    const byPrefix = await filterEvents(repo, { group: G, streamPrefix: '2024/01/01/[$LATEST]a', limit: 100 });
    assert.ok(byPrefix.events.length === 10 && byPrefix.events.every((e) => e.stream === A));
  });

  test('refuses unknown groups, bad tokens and bad patterns', async () => {
    const repo = await seeded();
    await assert.rejects(filterEvents(repo, { group: '/nope', limit: 1 }), { reason: 'group-not-found', message: 'The specified log group does not exist.' });
    await assert.rejects(filterEvents(repo, { group: G, limit: 1, nextToken: 'garbage!' }), { reason: 'invalid-token', message: 'The specified nextToken is invalid.' });
    await assert.rejects(filterEvents(repo, { group: G, limit: 1, filterPattern: '{ $.x = ' }), LogQueryError);
  });
});

describe('readStream', () => {
  test('from the head, forward tokens walk to the end and then repeat', async () => {
    const repo = await seeded();
    const seen: string[] = [];
    let token: string | undefined;
    let page = await readStream(repo, { group: G, stream: A, startFromHead: true, limit: 4 });
    for (let i = 0; i < 10 && page.nextForwardToken !== token; i++) {
      seen.push(...page.events.map((e) => e.message));
      token = page.nextForwardToken;
      page = await readStream(repo, { group: G, stream: A, limit: 4, nextToken: token });
    }
    assert.equal(page.events.length, 0);
    assert.equal(page.nextForwardToken, token, 'the end repeats the token');
    assert.deepEqual(seen, Array.from({ length: 10 }, (_, i) => i * 2).map((i) => `line ${i}${i % 5 === 0 ? ' ERROR' : ''}`));
    assert.match(token!, /^f\//);
  });

  test('without startFromHead, the newest events; backward tokens page towards the start', async () => {
    const repo = await seeded();
    const last = await readStream(repo, { group: G, stream: B, limit: 3 });
    assert.deepEqual(last.events.map((e) => e.message), ['line 15 ERROR', 'line 17', 'line 19']);
    assert.match(last.nextBackwardToken, /^b\//);
    const before = await readStream(repo, { group: G, stream: B, limit: 3, nextToken: last.nextBackwardToken });
    assert.deepEqual(before.events.map((e) => e.message), ['line 9', 'line 11', 'line 13']);
    const forward = await readStream(repo, { group: G, stream: B, limit: 3, nextToken: before.nextForwardToken });
    assert.deepEqual(forward.events.map((e) => e.message), ['line 15 ERROR', 'line 17', 'line 19']);
    let token = before.nextBackwardToken;
    for (let i = 0; i < 5; i++) token = (await readStream(repo, { group: G, stream: B, limit: 3, nextToken: token })).nextBackwardToken;
    const start = await readStream(repo, { group: G, stream: B, limit: 3, nextToken: token });
    assert.equal(start.events.length, 0);
    assert.equal(start.nextBackwardToken, token, 'the start repeats the token');
  });

  test('a stream whose events span a long time is read backwards correctly', async () => {
    const repo = memoryRepo();
    await repo.append([0, 5, 86_400_000, 86_400_001, 10 * 86_400_000].map((t, i) => ({ group: G, stream: A, timestamp: 1_000_000 + t, message: `m${i}` })));
    const page = await readStream(repo, { group: G, stream: A, limit: 4 });
    assert.deepEqual(page.events.map((e) => e.message), ['m1', 'm2', 'm3', 'm4']);
  });

  test('unknown group, stream and tokens', async () => {
    const repo = await seeded();
    await assert.rejects(readStream(repo, { group: '/x', stream: A, limit: 1 }), { reason: 'group-not-found' });
    await assert.rejects(readStream(repo, { group: G, stream: 'nope', limit: 1 }), { message: 'The specified log stream does not exist.' });
    await assert.rejects(readStream(repo, { group: G, stream: A, limit: 1, nextToken: 'f/12' }), { reason: 'invalid-token' });
  });
});

describe('listings', () => {
  test('groups by name, prefix, pages', async () => {
    const repo = memoryRepo();
    await repo.append(['/aws/lambda/b', '/aws/lambda/a', '/other/c', '/aws/lambda/d'].map((group) => ({ group, stream: A, timestamp: 1, message: 'x' })));
    const first = await listGroups(repo, { prefix: '/aws/lambda/', limit: 2 });
    assert.deepEqual(first.groups.map((g) => g.name), ['/aws/lambda/a', '/aws/lambda/b']);
    const second = await listGroups(repo, { prefix: '/aws/lambda/', limit: 2, nextToken: first.nextToken! });
    assert.deepEqual(second.groups.map((g) => g.name), ['/aws/lambda/d']);
    assert.equal(second.nextToken, undefined);
    assert.deepEqual((await listGroups(repo, { pattern: 'THER', limit: 50 })).groups.map((g) => g.name), ['/other/c']);
  });

  test('streams by name or by last event time, either way, in pages', async () => {
    const repo = memoryRepo();
    await repo.append([
      { group: G, stream: 's1', timestamp: 30, message: 'x' },
      { group: G, stream: 's2', timestamp: 10, message: 'x' },
      { group: G, stream: 's3', timestamp: 20, message: 'x' },
    ]);
    const names = async (req: Partial<Parameters<typeof listStreams>[1]>): Promise<string[]> => {
      const out: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await listStreams(repo, { group: G, orderBy: 'LogStreamName', descending: false, limit: 2, ...req, ...(nextToken && { nextToken }) });
        out.push(...page.streams.map((s) => s.name));
        nextToken = page.nextToken;
      } while (nextToken);
      return out;
    };
    assert.deepEqual(await names({}), ['s1', 's2', 's3']);
    assert.deepEqual(await names({ descending: true }), ['s3', 's2', 's1']);
    assert.deepEqual(await names({ orderBy: 'LastEventTime' }), ['s2', 's3', 's1']);
    assert.deepEqual(await names({ orderBy: 'LastEventTime', descending: true, limit: 1 }), ['s1', 's3', 's2']);
    await assert.rejects(listStreams(repo, { group: G, orderBy: 'LastEventTime', descending: false, limit: 2, prefix: 's' }), {
      message: 'Cannot order by LastEventTime with a logStreamNamePrefix.',
    });
    await assert.rejects(listStreams(repo, { group: '/x', orderBy: 'LogStreamName', descending: false, limit: 2 }), { reason: 'group-not-found' });
  });
});
