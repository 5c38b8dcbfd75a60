// CloudWatch Logs on Lamina's port (AWS JSON 1.1, routed by X-Amz-Target): FilterLogEvents,
// GetLogEvents, DescribeLogGroups, DescribeLogStreams, DeleteLogGroup over the log repository,
// with the members, limits and error wording of the logs 2014-03-28 model.

import { LogQueryError, filterEvents, listGroups, listStreams, readStream } from '../logs/index.js';
import { type AccountContext, ApiError } from '../model/index.js';
import type { LogGroupInfo, LogRepository, LogStreamInfo } from '../store/index.js';
import { type ApiRequest, type ApiResponse, jsonBody, type Route } from './http.js';
import { Members, Violations } from './input.js';

const TARGET_PREFIX = 'Logs_20140328';
const JSON_11 = 'application/x-amz-json-1.1';

const LOG_GROUP_NAME = '[\\.\\-_/#A-Za-z0-9]+';
const LOG_GROUP_IDENTIFIER = '[\\w#+=/:,.@-]*';
const LOG_STREAM_NAME = '[^:*]*';
const EVENTS_LIMIT = 10_000;
const DESCRIBE_LIMIT = 50;

type Json = Record<string, unknown>;

export function logsRoutes(logs: LogRepository, account: AccountContext): Route[] {
  const arns = new LogArns(account);
  const route = (operation: string, handle: (body: Members) => Promise<Json | undefined>): Route => ({
    method: 'POST',
    path: '/',
    target: `${TARGET_PREFIX}.${operation}`,
    operation,
    handle: (req) => answer(req, handle),
  });

  return [
    route('FilterLogEvents', async (body) => {
      const v = new Violations();
      const group = readGroup(body, v, arns);
      const streams = body.stringList('logStreamNames');
      const streamPrefix = body.str('logStreamNamePrefix');
      const startTime = body.int('startTime');
      const endTime = body.int('endTime');
      const filterPattern = body.str('filterPattern');
      const nextToken = body.str('nextToken');
      const limit = body.int('limit');
      body.bool('interleaved');
      body.bool('unmask');
      v.length('logStreamNames', streams, 1, 100);
      streams?.forEach((s, i) => {
        v.length(`logStreamNames.${i + 1}.member`, s, 1, 512).pattern(`logStreamNames.${i + 1}.member`, s, LOG_STREAM_NAME);
      });
      v.length('logStreamNamePrefix', streamPrefix, 1, 512).pattern('logStreamNamePrefix', streamPrefix, LOG_STREAM_NAME);
      v.range('startTime', startTime, 0).range('endTime', endTime, 0);
      v.length('filterPattern', filterPattern, 0, 1024);
      v.length('nextToken', nextToken, 1);
      v.range('limit', limit, 1, EVENTS_LIMIT);
      v.check(); // as InvalidParameterException, see toLogsError
      if (streams !== undefined && streamPrefix !== undefined) {
        throw invalidParameter('logStreamNames and logStreamNamePrefix are mutually exclusive');
      }
      const page = await filterEvents(logs, {
        group: group!,
        ...(streams !== undefined && { streams }),
        ...(streamPrefix !== undefined && { streamPrefix }),
        ...(startTime !== undefined && { startTime }),
        ...(endTime !== undefined && { endTime }),
        ...(filterPattern !== undefined && { filterPattern }),
        limit: limit ?? EVENTS_LIMIT,
        ...(nextToken !== undefined && { nextToken }),
      });
      return {
        events: page.events.map((e) => ({
          logStreamName: e.stream,
          timestamp: e.timestamp,
          message: e.message,
          ingestionTime: e.ingestionTime,
          eventId: String(e.id),
        })),
        searchedLogStreams: page.searchedStreams.map((s) => ({ logStreamName: s.name, searchedCompletely: s.complete })),
        ...(page.nextToken !== undefined && { nextToken: page.nextToken }),
      };
    }),

    route('GetLogEvents', async (body) => {
      const v = new Violations();
      const group = readGroup(body, v, arns);
      const stream = body.str('logStreamName');
      const startTime = body.int('startTime');
      const endTime = body.int('endTime');
      const nextToken = body.str('nextToken');
      const limit = body.int('limit');
      const startFromHead = body.bool('startFromHead');
      body.bool('unmask');
      if (v.required('logStreamName', stream)) {
        v.length('logStreamName', stream, 1, 512).pattern('logStreamName', stream, LOG_STREAM_NAME);
      }
      v.range('startTime', startTime, 0).range('endTime', endTime, 0);
      v.length('nextToken', nextToken, 1);
      v.range('limit', limit, 1, EVENTS_LIMIT);
      v.check(); // as InvalidParameterException, see toLogsError
      const page = await readStream(logs, {
        group: group!,
        stream: stream!,
        ...(startTime !== undefined && { startTime }),
        ...(endTime !== undefined && { endTime }),
        ...(startFromHead !== undefined && { startFromHead }),
        limit: limit ?? EVENTS_LIMIT,
        ...(nextToken !== undefined && { nextToken }),
      });
      return {
        events: page.events.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime })),
        nextForwardToken: page.nextForwardToken,
        nextBackwardToken: page.nextBackwardToken,
      };
    }),

    route('DescribeLogGroups', async (body) => {
      const v = new Violations();
      const prefix = body.str('logGroupNamePrefix');
      const pattern = body.str('logGroupNamePattern');
      const nextToken = body.str('nextToken');
      const limit = body.int('limit');
      const logGroupClass = body.str('logGroupClass');
      const identifiers = body.stringList('logGroupIdentifiers');
      body.stringList('accountIdentifiers');
      body.bool('includeLinkedAccounts');
      v.length('logGroupNamePrefix', prefix, 1, 512).pattern('logGroupNamePrefix', prefix, LOG_GROUP_NAME);
      v.length('logGroupNamePattern', pattern, 0, 512).pattern('logGroupNamePattern', pattern, '[\\.\\-_/#A-Za-z0-9]*');
      v.length('nextToken', nextToken, 1);
      v.range('limit', limit, 1, DESCRIBE_LIMIT);
      v.oneOf('logGroupClass', logGroupClass, ['STANDARD', 'INFREQUENT_ACCESS', 'DELIVERY']);
      v.length('logGroupIdentifiers', identifiers, 1, 50);
      v.check(); // as InvalidParameterException, see toLogsError
      if (prefix !== undefined && pattern !== undefined) {
        throw invalidParameter('LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.');
      }
      const wanted = identifiers && new Set(identifiers.map((id) => arns.groupName(id)));
      const page =
        logGroupClass !== undefined && logGroupClass !== 'STANDARD'
          ? { groups: [] as LogGroupInfo[] }
          : await listGroups(logs, {
              ...(prefix !== undefined && { prefix }),
              ...(pattern !== undefined && pattern !== '' && { pattern }),
              limit: wanted ? Number.MAX_SAFE_INTEGER : (limit ?? DESCRIBE_LIMIT),
              ...(nextToken !== undefined && { nextToken }),
            });
      const groups = wanted ? page.groups.filter((g) => wanted.has(g.name)) : page.groups;
      return {
        logGroups: groups.map((g) => arns.renderGroup(g)),
        ...('nextToken' in page && page.nextToken !== undefined && { nextToken: page.nextToken }),
      };
    }),

    route('DescribeLogStreams', async (body) => {
      const v = new Violations();
      const group = readGroup(body, v, arns);
      const prefix = body.str('logStreamNamePrefix');
      const orderBy = body.str('orderBy');
      const descending = body.bool('descending');
      const nextToken = body.str('nextToken');
      const limit = body.int('limit');
      v.length('logStreamNamePrefix', prefix, 1, 512).pattern('logStreamNamePrefix', prefix, LOG_STREAM_NAME);
      v.oneOf('orderBy', orderBy, ['LogStreamName', 'LastEventTime']);
      v.length('nextToken', nextToken, 1);
      v.range('limit', limit, 1, DESCRIBE_LIMIT);
      v.check(); // as InvalidParameterException, see toLogsError
      const page = await listStreams(logs, {
        group: group!,
        ...(prefix !== undefined && { prefix }),
        orderBy: (orderBy ?? 'LogStreamName') as 'LogStreamName' | 'LastEventTime',
        descending: descending ?? false,
        limit: limit ?? DESCRIBE_LIMIT,
        ...(nextToken !== undefined && { nextToken }),
      });
      return {
        logStreams: page.streams.map((s) => arns.renderStream(group!, s)),
        ...(page.nextToken !== undefined && { nextToken: page.nextToken }),
      };
    }),

    route('DeleteLogGroup', async (body) => {
      const v = new Violations();
      const name = body.str('logGroupName');
      if (v.required('logGroupName', name)) {
        v.length('logGroupName', name, 1, 512).pattern('logGroupName', name, LOG_GROUP_NAME);
      }
      v.check(); // as InvalidParameterException, see toLogsError
      if (!(await logs.deleteGroup(name!))) throw notFound('The specified log group does not exist.');
      return undefined;
    }),
  ];
}

/** Runs a handler on the parsed body and renders its output (or AWS JSON's error for a refusal). */
async function answer(req: ApiRequest, handle: (body: Members) => Promise<Json | undefined>): Promise<ApiResponse> {
  let output: Json | undefined;
  try {
    output = await handle(new Members(jsonBody(req)));
  } catch (err) {
    throw toLogsError(err);
  }
  return { status: 200, headers: { 'Content-Type': JSON_11 }, ...(output !== undefined && { body: output }) };
}

function toLogsError(err: unknown): unknown {
  if (err instanceof LogQueryError) {
    return err.reason === 'group-not-found' || err.reason === 'stream-not-found'
      ? notFound(err.message)
      : invalidParameter(err.message);
  }
  if (err instanceof ApiError) {
    // A member of the wrong JSON type, or a body that is no JSON: AWS JSON's SerializationException.
    if (err.code === 'InvalidRequestContentException') return new ApiError('SerializationException', err.message);
    if (err.code === 'ValidationException') return invalidParameter(err.message);
  }
  return err;
}

const notFound = (message: string): ApiError => new ApiError('ResourceNotFoundException', message);

/** CloudWatch Logs' InvalidParameterException. */
const invalidParameter = (message: string): ApiError => new ApiError('InvalidParameterException', message);

/** The log group a request names by logGroupName or logGroupIdentifier (exactly one). */
function readGroup(body: Members, v: Violations, arns: LogArns): string | undefined {
  const name = body.str('logGroupName');
  const identifier = body.str('logGroupIdentifier');
  v.length('logGroupName', name, 1, 512).pattern('logGroupName', name, LOG_GROUP_NAME);
  v.length('logGroupIdentifier', identifier, 1, 2048).pattern('logGroupIdentifier', identifier, LOG_GROUP_IDENTIFIER);
  if (!v.empty) return undefined;
  if (name !== undefined && identifier !== undefined) {
    throw invalidParameter('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  }
  if (name === undefined && identifier === undefined) {
    throw invalidParameter('Either logGroupName or logGroupIdentifier must be specified.');
  }
  return name ?? arns.groupName(identifier!);
}

/** ARNs of this account's log groups and streams, and the wire shapes that carry them. */
class LogArns {
  constructor(private readonly account: AccountContext) {}

  private base(): string {
    return `arn:aws:logs:${this.account.region}:${this.account.accountId}:log-group:`;
  }

  /** The group an identifier names: a plain name, or an ARN (with or without the `:*` suffix). */
  groupName(identifier: string): string {
    if (!identifier.startsWith('arn:')) return identifier;
    const m = /^arn:[\w-]+:logs:([\w-]*):(\d*):log-group:([^:]+)(?::\*)?$/.exec(identifier);
    if (!m || m[1] !== this.account.region || m[2] !== this.account.accountId) {
      throw notFound('The specified log group does not exist.');
    }
    return m[3]!;
  }

  renderGroup(g: LogGroupInfo): Json {
    return {
      logGroupName: g.name,
      creationTime: g.creationTime,
      ...(g.retentionInDays !== undefined && { retentionInDays: g.retentionInDays }),
      metricFilterCount: 0,
      arn: `${this.base()}${g.name}:*`,
      storedBytes: g.storedBytes,
      logGroupClass: 'STANDARD',
      logGroupArn: `${this.base()}${g.name}`,
    };
  }

  renderStream(group: string, s: LogStreamInfo): Json {
    return {
      logStreamName: s.name,
      creationTime: s.creationTime,
      ...(s.firstEventTimestamp !== undefined && { firstEventTimestamp: s.firstEventTimestamp }),
      ...(s.lastEventTimestamp !== undefined && { lastEventTimestamp: s.lastEventTimestamp }),
      ...(s.lastIngestionTime !== undefined && { lastIngestionTime: s.lastIngestionTime }),
      arn: `${this.base()}${group}:log-stream:${s.name}`,
      // Deprecated for streams since 2019: AWS always reports 0.
      storedBytes: 0,
    };
  }
}
