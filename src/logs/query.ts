// Reading the log repository as CloudWatch Logs does: filtered, paginated searches across a
// group (FilterLogEvents), reads of one stream forwards and backwards (GetLogEvents), and
// listings of groups and streams. Positions travel in opaque tokens; nothing here knows HTTP.

import type { LogGroupInfo, LogRepository, LogStreamInfo, StoredLogEvent } from '../store/index.js';
import { compileFilterPattern, FilterPatternError } from './filter-pattern.js';

export type LogQueryErrorReason = 'group-not-found' | 'stream-not-found' | 'invalid-token' | 'invalid-parameter';

/** A query refused; `message` is the text AWS answers with. */
export class LogQueryError extends Error {
  constructor(
    readonly reason: LogQueryErrorReason,
    message: string,
  ) {
    super(message);
  }
}

const groupNotFound = (): LogQueryError => new LogQueryError('group-not-found', 'The specified log group does not exist.');
const streamNotFound = (): LogQueryError => new LogQueryError('stream-not-found', 'The specified log stream does not exist.');
const invalidToken = (): LogQueryError => new LogQueryError('invalid-token', 'The specified nextToken is invalid.');

/** The most a page of events may carry, as AWS counts it (message bytes + 26 per event). */
export const MAX_PAGE_BYTES = 1_048_576;
const EVENT_OVERHEAD_BYTES = 26;
/** Events one FilterLogEvents call examines at most before it answers with a nextToken. */
const SCAN_BUDGET = 100_000;
const SCAN_BATCH = 5_000;

/** A point in a group's (timestamp, id) order. */
interface Position {
  readonly timestamp: number;
  readonly id: number;
}

const eventBytes = (e: StoredLogEvent): number => Buffer.byteLength(e.message) + EVENT_OVERHEAD_BYTES;

// -------------------------------------------------------------------------------------------
// FilterLogEvents

export interface FilterRequest {
  readonly group: string;
  readonly streams?: readonly string[];
  readonly streamPrefix?: string;
  /** Inclusive, epoch ms. */
  readonly startTime?: number;
  /** Inclusive, epoch ms. */
  readonly endTime?: number;
  readonly filterPattern?: string;
  /** 1–10000. */
  readonly limit: number;
  readonly nextToken?: string;
}

export interface FilterPage {
  /** Ascending by (timestamp, id). */
  readonly events: StoredLogEvent[];
  readonly searchedStreams: { readonly name: string; readonly complete: boolean }[];
  /** Absent on the last page. */
  readonly nextToken?: string;
}

/** One page of the group's events that match, in (timestamp, id) order. */
export async function filterEvents(repo: LogRepository, req: FilterRequest): Promise<FilterPage> {
  let matches: (message: string) => boolean;
  try {
    matches = compileFilterPattern(req.filterPattern);
  } catch (err) {
    if (err instanceof FilterPatternError) throw new LogQueryError('invalid-parameter', err.message);
    throw err;
  }
  const unfiltered = (req.filterPattern ?? '').trim() === '';
  let after = req.nextToken !== undefined ? decodeFilterToken(req.nextToken) : undefined;
  const streamInfo = await repo.streams(req.group);
  if (streamInfo === undefined) throw groupNotFound();

  const base = {
    group: req.group,
    ...(req.streams && req.streams.length > 0 && { streams: req.streams }),
    ...(req.streamPrefix !== undefined && { streamPrefix: req.streamPrefix }),
    ...(req.startTime !== undefined && { startTime: req.startTime }),
    ...(req.endTime !== undefined && { endTime: req.endTime }),
  };
  const out: StoredLogEvent[] = [];
  let bytes = 0;
  let scanned = 0;
  /** Where the next page starts; undefined once everything was read. */
  let resume: Position | undefined;

  scan: for (;;) {
    const batchSize = unfiltered ? req.limit + 1 : Math.max(SCAN_BATCH, req.limit + 1);
    const batch = await repo.events({ ...base, ...(after && { after }), limit: batchSize });
    for (const e of batch) {
      scanned++;
      if (!matches(e.message)) {
        after = e;
        continue;
      }
      const size = eventBytes(e);
      if (out.length === req.limit || (out.length > 0 && bytes + size > MAX_PAGE_BYTES)) {
        // A further match exists: the page ends before it.
        resume = out.at(-1)!;
        break scan;
      }
      out.push(e);
      bytes += size;
      after = e;
    }
    if (batch.length < batchSize) break; // read to the end
    if (scanned >= SCAN_BUDGET) {
      resume = after; // more to search; AWS too answers a partial (even empty) page
      break;
    }
  }

  const position = resume ? { timestamp: resume.timestamp, id: resume.id } : undefined;
  return {
    events: out,
    searchedStreams: searchedStreams(streamInfo, req, position),
    ...(position && { nextToken: encodeFilterToken(position) }),
  };
}

/** The streams this search covered so far (those with events in its window, up to `position`). */
function searchedStreams(
  streams: readonly LogStreamInfo[],
  req: FilterRequest,
  position: Position | undefined,
): { name: string; complete: boolean }[] {
  const names = req.streams && req.streams.length > 0 ? new Set(req.streams) : undefined;
  const out: { name: string; complete: boolean }[] = [];
  for (const s of streams) {
    if (names && !names.has(s.name)) continue;
    if (req.streamPrefix !== undefined && !s.name.startsWith(req.streamPrefix)) continue;
    if (s.firstEventTimestamp === undefined || s.lastEventTimestamp === undefined) continue;
    if (req.startTime !== undefined && s.lastEventTimestamp < req.startTime) continue;
    if (req.endTime !== undefined && s.firstEventTimestamp > req.endTime) continue;
    if (position && s.firstEventTimestamp > position.timestamp) continue; // not reached yet
    out.push({ name: s.name, complete: !position || s.lastEventTimestamp < position.timestamp });
  }
  return out;
}

const FILTER_TOKEN = /^v1\.(\d{1,16})\.(\d{1,20})$/;

function encodeFilterToken(p: Position): string {
  return Buffer.from(`v1.${p.timestamp}.${p.id}`).toString('base64url');
}

function decodeFilterToken(token: string): Position {
  const m = FILTER_TOKEN.exec(Buffer.from(token, 'base64url').toString('latin1'));
  if (!m || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalidToken();
  return { timestamp: Number(m[1]), id: Number(m[2]) };
}

// -------------------------------------------------------------------------------------------
// GetLogEvents

export interface StreamReadRequest {
  readonly group: string;
  readonly stream: string;
  readonly startTime?: number;
  readonly endTime?: number;
  /** Without a token: read from the oldest event (true) or end with the newest (default). */
  readonly startFromHead?: boolean;
  /** 1–10000. */
  readonly limit: number;
  /** `f/…` or `b/…` from an earlier answer. */
  readonly nextToken?: string;
}

export interface StreamPage {
  readonly events: StoredLogEvent[];
  readonly nextForwardToken: string;
  readonly nextBackwardToken: string;
}

/**
 * One page of a stream, ascending. A forward token continues after the page, a backward one
 * before it; at either end the token given comes back unchanged, which is how clients stop.
 */
export async function readStream(repo: LogRepository, req: StreamReadRequest): Promise<StreamPage> {
  const token = req.nextToken !== undefined ? decodeStreamToken(req.nextToken) : undefined;
  const streams = await repo.streams(req.group);
  if (streams === undefined) throw groupNotFound();
  const info = streams.find((s) => s.name === req.stream);
  if (!info) throw streamNotFound();

  const forward = token ? token.direction === 'f' : req.startFromHead === true;
  if (forward) {
    const after = token?.position ?? { timestamp: 0, id: 0 };
    const rows = await repo.events({
      group: req.group,
      streams: [req.stream],
      ...(req.startTime !== undefined && { startTime: req.startTime }),
      ...(req.endTime !== undefined && { endTime: req.endTime }),
      after,
      limit: req.limit,
    });
    const events = capFromHead(rows);
    const first = events[0];
    const last = events.at(-1);
    return {
      events,
      nextForwardToken: last ? streamToken('f', last) : (req.nextToken ?? streamToken('f', after)),
      // Before the first event shown; with none, everything up to the starting point.
      nextBackwardToken: streamToken('b', first ?? { timestamp: after.timestamp, id: after.id + 1 }),
    };
  }

  const before = token?.position;
  const events = capFromTail(await readBackward(repo, req, info, before, req.limit));
  const first = events[0];
  const last = events.at(-1);
  const start = before ?? { timestamp: 0, id: 0 };
  return {
    events,
    nextForwardToken: last
      ? streamToken('f', last)
      : before
        ? streamToken('f', { timestamp: before.timestamp, id: before.id - 1 })
        : streamToken('f', { timestamp: 0, id: 0 }),
    nextBackwardToken: first ? streamToken('b', first) : (req.nextToken ?? streamToken('b', start)),
  };
}

/** The newest `limit` events of the stream before `before` (if given), oldest first. */
async function readBackward(
  repo: LogRepository,
  req: StreamReadRequest,
  info: LogStreamInfo,
  before: Position | undefined,
  limit: number,
): Promise<StoredLogEvent[]> {
  if (info.firstEventTimestamp === undefined || info.lastEventTimestamp === undefined) return [];
  const lowest = Math.max(req.startTime ?? 0, info.firstEventTimestamp);
  const highest = Math.min(req.endTime ?? Infinity, before?.timestamp ?? Infinity, info.lastEventTimestamp);
  if (highest < lowest) return [];
  const isBefore = (e: StoredLogEvent): boolean =>
    !before || e.timestamp < before.timestamp || (e.timestamp === before.timestamp && e.id < before.id);
  // Widen a window back from the newest event until it holds `limit` events (or all).
  for (let span = 1000; ; span *= 8) {
    const low = Math.max(lowest, highest - span);
    const kept: StoredLogEvent[] = [];
    let after: Position | undefined;
    for (;;) {
      const page = await repo.events({
        group: req.group,
        streams: [req.stream],
        startTime: low,
        endTime: highest,
        ...(after && { after }),
        limit: 10_000,
      });
      for (const e of page) if (isBefore(e)) kept.push(e);
      if (kept.length > limit) kept.splice(0, kept.length - limit);
      if (page.length < 10_000) break;
      after = page.at(-1)!;
    }
    if (kept.length >= limit || low <= lowest) return kept;
  }
}

/** The longest head of `events` within the page byte limit (at least one event). */
function capFromHead(events: StoredLogEvent[]): StoredLogEvent[] {
  let bytes = 0;
  for (let i = 0; i < events.length; i++) {
    bytes += eventBytes(events[i]!);
    if (bytes > MAX_PAGE_BYTES && i > 0) return events.slice(0, i);
  }
  return events;
}

/** The longest tail of `events` within the page byte limit (at least one event). */
function capFromTail(events: StoredLogEvent[]): StoredLogEvent[] {
  let bytes = 0;
  for (let i = events.length - 1; i >= 0; i--) {
    bytes += eventBytes(events[i]!);
    if (bytes > MAX_PAGE_BYTES && i < events.length - 1) return events.slice(i + 1);
  }
  return events;
}

const STREAM_TOKEN = /^([fb])\/(\d{16})(\d{20})$/;

function streamToken(direction: 'f' | 'b', p: Position): string {
  return `${direction}/${String(p.timestamp).padStart(16, '0')}${String(Math.max(0, p.id)).padStart(20, '0')}`;
}

function decodeStreamToken(token: string): { direction: 'f' | 'b'; position: Position } {
  const m = STREAM_TOKEN.exec(token);
  if (!m) throw invalidToken();
  return { direction: m[1] as 'f' | 'b', position: { timestamp: Number(m[2]), id: Number(m[3]) } };
}

// -------------------------------------------------------------------------------------------
// DescribeLogGroups / DescribeLogStreams

export interface GroupListRequest {
  readonly prefix?: string;
  /** Case-insensitive substring of the name (logGroupNamePattern). */
  readonly pattern?: string;
  readonly limit: number;
  readonly nextToken?: string;
}

/** Groups by name, a page at a time. */
export async function listGroups(
  repo: LogRepository,
  req: GroupListRequest,
): Promise<{ groups: LogGroupInfo[]; nextToken?: string }> {
  const afterName = req.nextToken !== undefined ? decodeKeyToken(req.nextToken).name : undefined;
  const pattern = req.pattern?.toLowerCase();
  const all = (await repo.groups())
    .filter((g) => req.prefix === undefined || g.name.startsWith(req.prefix))
    .filter((g) => pattern === undefined || g.name.toLowerCase().includes(pattern))
    .sort((a, b) => compareStrings(a.name, b.name));
  const rest = afterName === undefined ? all : all.filter((g) => compareStrings(g.name, afterName) > 0);
  const groups = rest.slice(0, req.limit);
  const more = rest.length > req.limit;
  return { groups, ...(more && { nextToken: encodeKeyToken({ name: groups.at(-1)!.name }) }) };
}

export interface StreamListRequest {
  readonly group: string;
  readonly prefix?: string;
  readonly orderBy: 'LogStreamName' | 'LastEventTime';
  readonly descending: boolean;
  readonly limit: number;
  readonly nextToken?: string;
}

/** The group's streams in the order asked for, a page at a time. */
export async function listStreams(
  repo: LogRepository,
  req: StreamListRequest,
): Promise<{ streams: LogStreamInfo[]; nextToken?: string }> {
  if (req.prefix !== undefined && req.orderBy === 'LastEventTime') {
    throw new LogQueryError('invalid-parameter', 'Cannot order by LastEventTime with a logStreamNamePrefix.');
  }
  const from = req.nextToken !== undefined ? decodeKeyToken(req.nextToken) : undefined;
  const all = await repo.streams(req.group);
  if (all === undefined) throw groupNotFound();
  const byTime = req.orderBy === 'LastEventTime';
  const key = (s: LogStreamInfo): number => (byTime ? (s.lastEventTimestamp ?? 0) : 0);
  const sign = req.descending ? -1 : 1;
  const order = (a: { key: number; name: string }, b: { key: number; name: string }): number =>
    sign * (a.key - b.key || compareStrings(a.name, b.name));
  const sorted = all
    .filter((s) => req.prefix === undefined || s.name.startsWith(req.prefix))
    .map((s) => ({ key: key(s), name: s.name, info: s }))
    .sort(order);
  const rest = from ? sorted.filter((s) => order(s, { key: from.key ?? 0, name: from.name }) > 0) : sorted;
  const page = rest.slice(0, req.limit);
  const last = page.at(-1);
  return {
    streams: page.map((s) => s.info),
    ...(rest.length > req.limit && last && { nextToken: encodeKeyToken({ name: last.name, key: last.key }) }),
  };
}

/** Byte order, as AWS sorts names (not locale order). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function encodeKeyToken(k: { name: string; key?: number }): string {
  return Buffer.from(JSON.stringify({ v: 1, ...k })).toString('base64url');
}

function decodeKeyToken(token: string): { name: string; key?: number } {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error('not base64url');
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (v.v !== 1 || typeof v.name !== 'string' || (v.key !== undefined && typeof v.key !== 'number')) throw new Error('shape');
    return { name: v.name, ...(typeof v.key === 'number' && { key: v.key }) };
  } catch {
    throw invalidToken();
  }
}
