// CloudWatch Logs on Lamina's port, driven by real clients (aws CLI, boto3) and raw signed
// requests checked against the botocore model: the platform and handler lines of real
// invocations, pagination, filter patterns, time windows, streams per environment,
// GetLogEvents tokens, DescribeLogGroups, DeleteLogGroup and AWS's errors.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { createZipFunction } from '../helpers/functions.js';
import { ACCOUNT, type LaminaProcess, REGION, startLamina } from '../helpers/lamina.js';
import { checkedRequest, type RawAnswer, rawRequest } from '../helpers/raw.js';
import { missing } from '../helpers/requirements.js';

const NO_AWS = missing('aws', ['--version'], 'awscli');
const NO_BOTO3 = missing('python3', ['-c', 'import boto3'], 'python3-boto3');
const NO_MODEL = missing('python3', ['-c', 'import botocore'], 'python3-botocore');

const LINES = 'log-lines';
const LINES_GROUP = `/aws/lambda/${LINES}`;
const SLOW = 'slow-logger';
const SLOW_GROUP = `/aws/lambda/${SLOW}`;
const STREAM_NAME = /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/;

/** Four handler lines per invocation: two text lines, a warning, and one JSON object. */
const LINES_CODE = `
exports.handler = async (event) => {
  console.log('alpha ' + event.n);
  console.log('beta ERROR "quoted phrase" here');
  console.warn('gamma WARN');
  process.stdout.write(JSON.stringify({ level: event.n === 2 ? 'ERROR' : 'INFO', n: event.n, ms: event.n * 10 }) + '\\n');
  return { n: event.n };
};`;

let lamina: LaminaProcess;
let sdk: LambdaClient;

interface LogEvent {
  readonly logStreamName: string;
  readonly timestamp: number;
  readonly message: string;
  readonly ingestionTime: number;
  readonly eventId: string;
}

/** A signed CloudWatch Logs request; with `check`, its answer is held against the botocore model. */
async function logs(operation: string, input: unknown, check = true): Promise<RawAnswer> {
  const opts = {
    service: 'logs',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Logs_20140328.${operation}` },
  };
  const send = check && !NO_MODEL ? checkedRequest : rawRequest;
  const res = await send(lamina, 'POST', '/', input, opts);
  // Like Lambda's, every stored message ends with a newline; the tests below compare lines.
  for (const e of (res.json.events ?? []) as { message: string }[]) {
    assert.ok(e.message.endsWith('\n'), `a Lambda log message ends with a newline: ${JSON.stringify(e.message)}`);
    e.message = e.message.slice(0, -1);
  }
  return res;
}

const line = (message: string): string => message.replace(/\n$/, '');
/** Events as a client read them, with the newline the raw helper strips taken off too. */
const lines = (events: LogEvent[]): LogEvent[] => events.map((e) => ({ ...e, message: line(e.message) }));

/** Asserts an AWS JSON error answer. */
function assertError(res: RawAnswer, code: string, message: string | RegExp): void {
  assert.equal(res.status, 400, res.body.toString());
  assert.equal(res.json.__type, code);
  assert.equal(res.headers['x-amzn-errortype'], code);
  if (typeof message === 'string') assert.equal(res.json.message, message);
  else assert.match(String(res.json.message), message);
}

/** Every event of a group (one FilterLogEvents page holds them all in these tests). */
async function allEvents(group: string, extra: Record<string, unknown> = {}): Promise<LogEvent[]> {
  const res = await logs('FilterLogEvents', { logGroupName: group, ...extra });
  assert.equal(res.status, 200, res.body.toString());
  assert.equal(res.json.nextToken, undefined);
  return res.json.events as LogEvent[];
}

/** Polls until the group holds `n` REPORT lines (log lines reach the store a moment after the invoke). */
async function waitForReports(group: string, n: number): Promise<LogEvent[]> {
  for (let i = 0; i < 200; i++) {
    const res = await logs('FilterLogEvents', { logGroupName: group }, false);
    if (res.status === 200) {
      const events = res.json.events as LogEvent[];
      if (events.filter((e) => e.message.startsWith('REPORT ')).length >= n) return events;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${group} did not get ${n} REPORT lines`);
}

async function invoke(name: string, payload: unknown): Promise<void> {
  const out = await sdk.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)) }));
  assert.equal(out.FunctionError, undefined, Buffer.from(out.Payload ?? []).toString());
}

const requestIdOf = (message: string): string | undefined =>
  /^(?:START|END|REPORT) RequestId: ([0-9a-f-]{36})/.exec(message)?.[1] ?? /^[^\t]+\t([0-9a-f-]{36})\t/.exec(message)?.[1];

/** Checks one stream's lines: START, the handler's lines, END, REPORT per invocation, in order. */
function assertInvocationShape(events: readonly LogEvent[], invocations: number): void {
  const starts = events.filter((e) => e.message.startsWith('START RequestId: '));
  assert.equal(starts.length, invocations);
  for (const start of starts) {
    const id = requestIdOf(start.message)!;
    const mine = events.filter((e) => requestIdOf(e.message) === id).map((e) => e.message);
    assert.equal(mine.length, 6, mine.join('\n'));
    assert.match(mine[0]!, /^START RequestId: \S+ Version: \$LATEST$/);
    assert.match(mine[1]!, /\tINFO\talpha \d$/);
    assert.match(mine[2]!, /\tINFO\tbeta ERROR "quoted phrase" here$/);
    assert.match(mine[3]!, /\tWARN\tgamma WARN$/);
    assert.match(mine[4]!, /^END RequestId: /);
    assert.match(mine[5]!, /^REPORT RequestId: \S+\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\t/);
  }
  const reports = events.filter((e) => e.message.startsWith('REPORT '));
  assert.match(reports[0]!.message, /\tInit Duration: \d+\.\d\d ms\t/, 'the first REPORT has Init Duration');
  for (const r of reports.slice(1)) assert.doesNotMatch(r.message, /Init Duration/, 'later REPORTs have none');
  const order = events.map((e) => e.message.split(/[ \t]/)[0]);
  assert.equal(order[0], 'INIT_START');
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i - 1]!.timestamp <= events[i]!.timestamp, 'ascending timestamps');
  }
}

describe('CloudWatch Logs', () => {
  let linesEvents: LogEvent[];

  before(async () => {
    lamina = await startLamina();
    sdk = lamina.sdk();
    await createZipFunction(sdk, LINES, LINES_CODE);
    for (const n of [1, 2, 3]) await invoke(LINES, { n });
    linesEvents = await waitForReports(LINES_GROUP, 3);
  });
  after(async () => {
    await lamina.dispose();
  });

  test('FilterLogEvents returns each invocation’s lines in order, with AWS’s fields', async () => {
    const events = await allEvents(LINES_GROUP);
    assert.deepEqual(events, linesEvents);
    // START, 3 text lines, END, REPORT per invocation; the JSON line has no request id.
    assert.equal(events.length, 1 + 3 * 7);
    assertInvocationShape(
      events.filter((e) => !e.message.startsWith('{')),
      3,
    );
    assert.equal(events.filter((e) => e.message.startsWith('{')).length, 3);
    const streams = new Set(events.map((e) => e.logStreamName));
    assert.equal(streams.size, 1, 'warm invocations share one environment, so one stream');
    assert.match([...streams][0]!, STREAM_NAME);
    assert.equal(new Set(events.map((e) => e.eventId)).size, events.length, 'eventIds are unique');
    for (const e of events) {
      assert.equal(typeof e.eventId, 'string');
      assert.ok(e.ingestionTime >= e.timestamp - 1000);
    }
    // eventIds are stable: the same search answers the same ids.
    assert.deepEqual((await allEvents(LINES_GROUP)).map((e) => e.eventId), events.map((e) => e.eventId));
  });

  test('the aws CLI reads the same events (and pages through small limits itself)', { skip: NO_AWS }, async () => {
    const full = await lamina.aws(['logs', 'filter-log-events', '--log-group-name', LINES_GROUP]);
    assert.equal(full.code, 0, full.stderr);
    const parsed = JSON.parse(full.stdout) as { events: LogEvent[]; searchedLogStreams: unknown[] };
    assert.deepEqual(lines(parsed.events), linesEvents);
    assert.equal(parsed.searchedLogStreams.length, 1);
    // --page-size: the CLI follows nextToken itself; --limit: one page, and its nextToken.
    const paged = await lamina.aws(['logs', 'filter-log-events', '--log-group-name', LINES_GROUP, '--page-size', '4']);
    assert.equal(paged.code, 0, paged.stderr);
    assert.deepEqual(lines((JSON.parse(paged.stdout) as { events: LogEvent[] }).events), linesEvents);
    const one = await lamina.aws(['logs', 'filter-log-events', '--log-group-name', LINES_GROUP, '--limit', '4']);
    assert.equal(one.code, 0, one.stderr);
    const page = JSON.parse(one.stdout) as { events: LogEvent[]; nextToken?: string };
    assert.deepEqual(lines(page.events), linesEvents.slice(0, 4));
    assert.equal(typeof page.nextToken, 'string');
  });

  test('boto3 reads the same events, and its paginator covers them once', { skip: NO_BOTO3 }, async () => {
    const r = await lamina.boto3(`
logs = boto3.client("logs", endpoint_url=${JSON.stringify(lamina.url)}, region_name=${JSON.stringify(REGION)})
out = logs.filter_log_events(logGroupName=${JSON.stringify(LINES_GROUP)})
pages = list(logs.get_paginator("filter_log_events").paginate(logGroupName=${JSON.stringify(LINES_GROUP)}, PaginationConfig={"PageSize": 5}))
print(json.dumps({"events": out["events"], "paged": [e["eventId"] for p in pages for e in p["events"]], "pages": len(pages), "token": "nextToken" in out}))
`);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { events: LogEvent[]; paged: string[]; pages: number; token: boolean };
    assert.deepEqual(lines(out.events), linesEvents);
    assert.equal(out.token, false);
    assert.deepEqual(out.paged, linesEvents.map((e) => e.eventId));
    assert.equal(out.pages, Math.ceil(linesEvents.length / 5));
  });

  test('pagination with small limits: no duplicates, no gaps, no token on the last page', async () => {
    for (const limit of [1, 2, 5, 21, 22]) {
      const ids: string[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const res = await logs('FilterLogEvents', { logGroupName: LINES_GROUP, limit, ...(nextToken && { nextToken }) });
        assert.equal(res.status, 200);
        const events = res.json.events as LogEvent[];
        assert.ok(events.length <= limit);
        ids.push(...events.map((e) => e.eventId));
        nextToken = res.json.nextToken as string | undefined;
        if (nextToken !== undefined) assert.equal(events.length, limit, 'only the last page may be short');
        pages++;
      } while (nextToken !== undefined && pages < 100);
      assert.deepEqual(ids, linesEvents.map((e) => e.eventId), `limit ${limit}`);
      assert.equal(pages, Math.ceil(linesEvents.length / limit), `limit ${limit}`);
    }
  });

  test('filter patterns: terms, phrases, OR, exclusion, JSON', async () => {
    const match = async (filterPattern: string): Promise<string[]> =>
      (await allEvents(LINES_GROUP, { filterPattern })).map((e) => e.message);
    assert.equal((await match('alpha')).length, 3);
    assert.equal((await match('Alpha')).length, 0, 'terms are case-sensitive');
    assert.equal((await match('ERROR')).length, 4, 'three beta lines and one JSON line');
    assert.equal((await match('beta here')).length, 3, 'terms AND');
    assert.equal((await match('beta nothere')).length, 0);
    assert.equal((await match('"quoted phrase"')).length, 3);
    assert.equal((await match('"phrase quoted"')).length, 0);
    assert.equal((await match('?alpha ?gamma')).length, 6);
    const excluded = await match('ERROR -beta');
    assert.equal(excluded.length, 1);
    assert.deepEqual(JSON.parse(excluded[0]!), { level: 'ERROR', n: 2, ms: 20 });
    assert.deepEqual((await match('{ $.level = "ERROR" }')).map((m) => (JSON.parse(m) as { n: number }).n), [2]);
    assert.deepEqual((await match('{ $.ms > 15 }')).map((m) => (JSON.parse(m) as { n: number }).n), [2, 3]);
    assert.deepEqual((await match('{ $.n = 1 || $.level = "ERROR" }')).map((m) => (JSON.parse(m) as { n: number }).n), [1, 2]);
    assert.equal((await match('"START RequestId"')).length, 3);
    assert.equal((await match('"Init Duration"')).length, 1);
  });

  test('filter patterns also page: each match once', async () => {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const res = await logs('FilterLogEvents', { logGroupName: LINES_GROUP, filterPattern: '?alpha ?gamma', limit: 4, ...(nextToken && { nextToken }) });
      ids.push(...(res.json.events as LogEvent[]).map((e) => e.eventId));
      nextToken = res.json.nextToken as string | undefined;
    } while (nextToken !== undefined);
    const expected = linesEvents.filter((e) => /\t(alpha \d|gamma WARN)$/.test(e.message)).map((e) => e.eventId);
    assert.deepEqual(ids, expected);
  });

  test('startTime and endTime are inclusive bounds', async () => {
    const second = linesEvents.filter((e) => /^(START|END) /.test(e.message))[2]!; // START of the 2nd invocation
    const secondEnd = linesEvents.filter((e) => /^(START|END) /.test(e.message))[3]!;
    const window = await allEvents(LINES_GROUP, { startTime: second.timestamp, endTime: secondEnd.timestamp });
    const expected = linesEvents.filter((e) => e.timestamp >= second.timestamp && e.timestamp <= secondEnd.timestamp);
    assert.deepEqual(window, expected);
    assert.ok(window.some((e) => e.eventId === second.eventId) && window.some((e) => e.eventId === secondEnd.eventId));
    const last = linesEvents.at(-1)!;
    assert.deepEqual(await allEvents(LINES_GROUP, { startTime: last.timestamp + 1 }), []);
    assert.deepEqual(
      (await allEvents(LINES_GROUP, { startTime: last.timestamp })).map((e) => e.eventId),
      linesEvents.filter((e) => e.timestamp === last.timestamp).map((e) => e.eventId),
    );
  });

  test('logGroupIdentifier takes the group’s name or ARN', async () => {
    const arn = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${LINES_GROUP}`;
    assertError(await logs('FilterLogEvents', {}), 'InvalidParameterException', /logGroupName/);
    for (const logGroupIdentifier of [LINES_GROUP, arn]) {
      const res = await logs('FilterLogEvents', { logGroupIdentifier });
      assert.equal(res.status, 200, res.body.toString());
      assert.equal((res.json.events as LogEvent[]).length, linesEvents.length);
    }
    assertError(
      await logs('FilterLogEvents', { logGroupName: LINES_GROUP, logGroupIdentifier: arn }),
      'InvalidParameterException',
      'LogGroup name and LogGroup ARN are mutually exclusive parameters.',
    );
  });

  test('one stream per environment: two concurrent slow invocations make two streams', async () => {
    await createZipFunction(sdk, SLOW, `exports.handler = async (e) => { console.log('slow ' + e.n); await new Promise((r) => setTimeout(r, 1500)); return e.n; };`, {
      Timeout: 10,
    });
    await Promise.all([invoke(SLOW, { n: 1 }), invoke(SLOW, { n: 2 })]);
    const events = await waitForReports(SLOW_GROUP, 2);
    const res = await logs('DescribeLogStreams', { logGroupName: SLOW_GROUP });
    assert.equal(res.status, 200);
    const streams = res.json.logStreams as Record<string, unknown>[];
    assert.equal(streams.length, 2);
    for (const s of streams) {
      assert.match(String(s.logStreamName), STREAM_NAME);
      const mine = events.filter((e) => e.logStreamName === s.logStreamName);
      assert.equal(mine.filter((e) => e.message.startsWith('START ')).length, 1, 'each environment ran one invocation');
      assert.equal(mine.filter((e) => /Init Duration/.test(e.message)).length, 1, 'and each one was a cold start');
      assert.equal(s.firstEventTimestamp, mine[0]!.timestamp);
      assert.equal(s.lastEventTimestamp, mine.at(-1)!.timestamp);
      assert.equal(s.arn, `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${SLOW_GROUP}:log-stream:${String(s.logStreamName)}`);
      assert.equal(typeof s.creationTime, 'number');
      assert.equal(s.storedBytes, 0, 'deprecated for streams: AWS reports 0');
      // The date in the name is the environment's start date (UTC).
      const day = new Date(mine[0]!.timestamp).toISOString().slice(0, 10).replaceAll('-', '/');
      assert.ok(String(s.logStreamName).startsWith(day));
    }
    assert.ok(String(streams[0]!.logStreamName) < String(streams[1]!.logStreamName), 'ordered by name by default');

    // logStreamNames narrows FilterLogEvents to one stream.
    const one = String(streams[0]!.logStreamName);
    const only = await allEvents(SLOW_GROUP, { logStreamNames: [one] });
    assert.ok(only.length > 0 && only.every((e) => e.logStreamName === one));
    const prefixed = await allEvents(SLOW_GROUP, { logStreamNamePrefix: one.slice(0, -4) });
    assert.ok(prefixed.every((e) => e.logStreamName === one));

    // orderBy LastEventTime, descending, and pages of one.
    const byTime: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await logs('DescribeLogStreams', { logGroupName: SLOW_GROUP, orderBy: 'LastEventTime', descending: true, limit: 1, ...(nextToken && { nextToken }) });
      assert.equal(page.status, 200, page.body.toString());
      byTime.push(...(page.json.logStreams as { logStreamName: string }[]).map((s) => s.logStreamName));
      nextToken = page.json.nextToken as string | undefined;
    } while (nextToken !== undefined);
    const expected = [...streams].sort((a, b) => Number(b.lastEventTimestamp) - Number(a.lastEventTimestamp) || (String(a.logStreamName) < String(b.logStreamName) ? 1 : -1));
    assert.deepEqual(byTime, expected.map((s) => s.logStreamName));
    const prefix = await logs('DescribeLogStreams', { logGroupName: SLOW_GROUP, logStreamNamePrefix: one });
    assert.deepEqual((prefix.json.logStreams as { logStreamName: string }[]).map((s) => s.logStreamName), [one]);
    assertError(
      await logs('DescribeLogStreams', { logGroupName: SLOW_GROUP, logStreamNamePrefix: '2', orderBy: 'LastEventTime' }),
      'InvalidParameterException',
      'Cannot order by LastEventTime with a logStreamNamePrefix.',
    );
  });

  test('the aws CLI lists streams', { skip: NO_AWS }, async () => {
    const r = await lamina.aws(['logs', 'describe-log-streams', '--log-group-name', LINES_GROUP, '--order-by', 'LastEventTime', '--descending']);
    assert.equal(r.code, 0, r.stderr);
    const streams = (JSON.parse(r.stdout) as { logStreams: { logStreamName: string; lastEventTimestamp: number }[] }).logStreams;
    assert.equal(streams.length, 1);
    assert.equal(streams[0]!.logStreamName, linesEvents[0]!.logStreamName);
    assert.equal(streams[0]!.lastEventTimestamp, linesEvents.at(-1)!.timestamp);
  });

  test('GetLogEvents: from the head with forward tokens, from the tail with backward tokens', async () => {
    const stream = linesEvents[0]!.logStreamName;
    const messages = linesEvents.map((e) => e.message);
    const head: string[] = [];
    let token: string | undefined;
    let res = await logs('GetLogEvents', { logGroupName: LINES_GROUP, logStreamName: stream, startFromHead: true, limit: 5 });
    for (let i = 0; i < 20; i++) {
      assert.equal(res.status, 200, res.body.toString());
      const events = res.json.events as { timestamp: number; message: string; ingestionTime: number }[];
      for (const e of events) assert.deepEqual(Object.keys(e).sort(), ['ingestionTime', 'message', 'timestamp']);
      head.push(...events.map((e) => e.message));
      assert.match(String(res.json.nextForwardToken), /^f\//);
      assert.match(String(res.json.nextBackwardToken), /^b\//);
      if (res.json.nextForwardToken === token) break; // the end repeats the token given
      token = String(res.json.nextForwardToken);
      res = await logs('GetLogEvents', { logGroupName: LINES_GROUP, logStreamName: stream, limit: 5, nextToken: token });
    }
    assert.deepEqual(head, messages);

    const tail = await logs('GetLogEvents', { logGroupName: LINES_GROUP, logStreamName: stream, limit: 3 });
    assert.deepEqual((tail.json.events as { message: string }[]).map((e) => e.message), messages.slice(-3));
    const back = await logs('GetLogEvents', { logGroupName: LINES_GROUP, logStreamName: stream, limit: 3, nextToken: tail.json.nextBackwardToken });
    assert.deepEqual((back.json.events as { message: string }[]).map((e) => e.message), messages.slice(-6, -3));
  });

  test('GetLogEvents through the aws CLI and boto3', { skip: NO_AWS || NO_BOTO3 }, async () => {
    const stream = linesEvents[0]!.logStreamName;
    const r = await lamina.aws(['logs', 'get-log-events', '--log-group-name', LINES_GROUP, '--log-stream-name', stream, '--start-from-head']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { events: { message: string }[] }).events.map((e) => line(e.message)), linesEvents.map((e) => e.message));
    const b = await lamina.boto3(`
logs = boto3.client("logs", endpoint_url=${JSON.stringify(lamina.url)}, region_name=${JSON.stringify(REGION)})
out = logs.get_log_events(logGroupName=${JSON.stringify(LINES_GROUP)}, logStreamName=${JSON.stringify(stream)}, limit=2)
print(json.dumps([e["message"] for e in out["events"]]))
`);
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual((JSON.parse(b.stdout) as string[]).map(line), linesEvents.slice(-2).map((e) => e.message));
  });

  test('DescribeLogGroups: fields as AWS returns them, prefix, pages', async () => {
    const res = await logs('DescribeLogGroups', { logGroupNamePrefix: LINES_GROUP });
    assert.equal(res.status, 200);
    const [group] = res.json.logGroups as Record<string, unknown>[];
    assert.equal(group!.logGroupName, LINES_GROUP);
    assert.equal(group!.arn, `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${LINES_GROUP}:*`);
    assert.equal(group!.logGroupArn, `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${LINES_GROUP}`);
    assert.equal(group!.metricFilterCount, 0);
    assert.equal(group!.logGroupClass, 'STANDARD');
    assert.equal(typeof group!.creationTime, 'number');
    assert.ok(Number(group!.storedBytes) > 0);
    assert.equal(group!.retentionInDays, undefined, 'never expires by default');

    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await logs('DescribeLogGroups', { logGroupNamePrefix: '/aws/lambda/', limit: 1, ...(nextToken && { nextToken }) });
      names.push(...(page.json.logGroups as { logGroupName: string }[]).map((g) => g.logGroupName));
      nextToken = page.json.nextToken as string | undefined;
    } while (nextToken !== undefined);
    assert.deepEqual(names, [LINES_GROUP, SLOW_GROUP].sort());
    assert.deepEqual((await logs('DescribeLogGroups', { logGroupNamePrefix: '/nothing' })).json, { logGroups: [] });
  });

  test('the aws CLI and boto3 list groups', { skip: NO_AWS || NO_BOTO3 }, async () => {
    const r = await lamina.aws(['logs', 'describe-log-groups', '--log-group-name-prefix', '/aws/lambda/']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((JSON.parse(r.stdout) as { logGroups: { logGroupName: string }[] }).logGroups.some((g) => g.logGroupName === LINES_GROUP));
    const b = await lamina.boto3(`
logs = boto3.client("logs", endpoint_url=${JSON.stringify(lamina.url)}, region_name=${JSON.stringify(REGION)})
print(json.dumps([g["logGroupName"] for p in logs.get_paginator("describe_log_groups").paginate(PaginationConfig={"PageSize": 1}) for g in p["logGroups"]]))
`);
    assert.equal(b.code, 0, b.stderr);
    assert.ok((JSON.parse(b.stdout) as string[]).includes(LINES_GROUP));
  });

  test('errors: unknown group and stream, bad tokens, bad patterns, bad members', async () => {
    const NO_GROUP = 'The specified log group does not exist.';
    assertError(await logs('FilterLogEvents', { logGroupName: '/aws/lambda/nope' }), 'ResourceNotFoundException', NO_GROUP);
    assertError(await logs('GetLogEvents', { logGroupName: '/aws/lambda/nope', logStreamName: 's' }), 'ResourceNotFoundException', NO_GROUP);
    assertError(await logs('DescribeLogStreams', { logGroupName: '/aws/lambda/nope' }), 'ResourceNotFoundException', NO_GROUP);
    assertError(await logs('DeleteLogGroup', { logGroupName: '/aws/lambda/nope' }), 'ResourceNotFoundException', NO_GROUP);
    assertError(
      await logs('GetLogEvents', { logGroupName: LINES_GROUP, logStreamName: 'no-such-stream' }),
      'ResourceNotFoundException',
      'The specified log stream does not exist.',
    );
    const BAD_TOKEN = 'The specified nextToken is invalid.';
    assertError(await logs('FilterLogEvents', { logGroupName: LINES_GROUP, nextToken: 'not-a-token' }), 'InvalidParameterException', BAD_TOKEN);
    assertError(
      await logs('GetLogEvents', { logGroupName: LINES_GROUP, logStreamName: linesEvents[0]!.logStreamName, nextToken: 'x/1' }),
      'InvalidParameterException',
      BAD_TOKEN,
    );
    assertError(await logs('DescribeLogGroups', { nextToken: 'garbage' }), 'InvalidParameterException', BAD_TOKEN);
    assertError(await logs('DescribeLogStreams', { logGroupName: LINES_GROUP, nextToken: 'garbage' }), 'InvalidParameterException', BAD_TOKEN);
    assertError(await logs('FilterLogEvents', { logGroupName: LINES_GROUP, filterPattern: '{ $.x = ' }), 'InvalidParameterException', /^Invalid filter pattern/);
    assertError(
      await logs('FilterLogEvents', { logGroupName: LINES_GROUP, limit: 0 }),
      'InvalidParameterException',
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    assertError(
      await logs('DescribeLogStreams', { logGroupName: LINES_GROUP, limit: 51 }),
      'InvalidParameterException',
      "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50",
    );
    assertError(await logs('FilterLogEvents', { logGroupName: LINES_GROUP, startTime: 'soon' }), 'SerializationException', /startTime/);
    assertError(await logs('GetLogEvents', { logGroupName: LINES_GROUP }), 'InvalidParameterException', /'logStreamName' failed to satisfy constraint: Member must not be null/);
    const unknown = await logs('PutRetentionPolicyX', {}, false);
    assert.equal(unknown.json.__type, 'UnknownOperationException');
  });

  test('errors through the aws CLI and boto3 carry AWS’s codes and messages', { skip: NO_AWS || NO_BOTO3 }, async () => {
    const r = await lamina.aws(['logs', 'filter-log-events', '--log-group-name', '/aws/lambda/nope']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /\(ResourceNotFoundException\) when calling the FilterLogEvents operation(?: \([^)]*\))?: The specified log group does not exist\./);
    const t = await lamina.aws(['logs', 'filter-log-events', '--log-group-name', LINES_GROUP, '--next-token', 'bogus', '--no-paginate']);
    assert.notEqual(t.code, 0);
    assert.match(t.stderr, /\(InvalidParameterException\) when calling the FilterLogEvents operation(?: \([^)]*\))?: The specified nextToken is invalid\./);
    const b = await lamina.boto3(`
logs = boto3.client("logs", endpoint_url=${JSON.stringify(lamina.url)}, region_name=${JSON.stringify(REGION)})
try:
    logs.get_log_events(logGroupName=${JSON.stringify(LINES_GROUP)}, logStreamName="nope")
except logs.exceptions.ResourceNotFoundException as e:
    print(json.dumps(e.response["Error"]))
`);
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(JSON.parse(b.stdout), { Message: 'The specified log stream does not exist.', Code: 'ResourceNotFoundException' });
  });

  test('DeleteLogGroup removes the group; the next invocation starts it again', async () => {
    const name = 'doomed';
    const group = `/aws/lambda/${name}`;
    await createZipFunction(sdk, name, LINES_CODE);
    await invoke(name, { n: 1 });
    await waitForReports(group, 1);
    const deleted = await logs('DeleteLogGroup', { logGroupName: group });
    assert.equal(deleted.status, 200, deleted.body.toString());
    assert.equal(deleted.body.length, 0);
    assertError(await logs('FilterLogEvents', { logGroupName: group }), 'ResourceNotFoundException', 'The specified log group does not exist.');
    assert.deepEqual((await logs('DescribeLogGroups', { logGroupNamePrefix: group })).json, { logGroups: [] });
    assertError(await logs('DeleteLogGroup', { logGroupName: group }), 'ResourceNotFoundException', 'The specified log group does not exist.');

    await invoke(name, { n: 2 });
    const again = await waitForReports(group, 1);
    assert.ok(again.some((e) => /\talpha 2$/.test(e.message)));
    assert.ok(!again.some((e) => /\talpha 1$/.test(e.message)), 'old events are gone');
  });

  test('DeleteLogGroup through the aws CLI', { skip: NO_AWS }, async () => {
    const name = 'doomed-cli';
    await createZipFunction(sdk, name, LINES_CODE);
    await invoke(name, { n: 1 });
    await waitForReports(`/aws/lambda/${name}`, 1);
    const r = await lamina.aws(['logs', 'delete-log-group', '--log-group-name', `/aws/lambda/${name}`]);
    assert.equal(r.code, 0, r.stderr);
    const again = await lamina.aws(['logs', 'delete-log-group', '--log-group-name', `/aws/lambda/${name}`]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /ResourceNotFoundException.*The specified log group does not exist\./);
  });
});
