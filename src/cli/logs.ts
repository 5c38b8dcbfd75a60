// `lamina logs <function>`: prints a function's log lines, oldest first, like `aws logs tail`;
// --follow keeps polling FilterLogEvents (inclusive startTime, repeats dropped by eventId).

import { ClientError, type FilteredLogEvent, type LaminaClient } from '../client/index.js';
import type { CommandArgs, Out } from './invoke.js';

export const LOGS_USAGE =
  'Usage: lamina logs <function> [--since <10m|1h|2d|ISO time>] [--follow] [--qualifier <version|alias>] [--filter-pattern <pattern>]\n';

const POLL_MS = 1000;
/**
 * How far back each --follow poll looks before the newest event seen: lines reach the store a
 * little after their timestamp, so one stamped just before the newest may arrive later.
 */
const FOLLOW_LOOKBACK_MS = 5000;
const DEFAULT_SINCE_MS = 10 * 60_000;

export async function logsCommand(client: LaminaClient, args: CommandArgs, out: Out, err: Out): Promise<number> {
  const [name, ...extra] = args.positional;
  const usage = (problem: string): number => {
    err(`lamina logs: ${problem}\n${LOGS_USAGE}`);
    return 2;
  };
  if (name === undefined) return usage('which function? Name it.');
  if (extra.length > 0) return usage(`unexpected argument '${extra[0]}'`);
  const sinceOpt = args.options.get('since');
  const qualifier = args.options.get('qualifier');
  const pattern = args.options.get('filter-pattern');
  if (sinceOpt === true) return usage('--since needs a duration such as 10m');
  if (qualifier === true) return usage('--qualifier needs a version or alias');
  if (pattern === true) return usage('--filter-pattern needs a pattern');
  const since = sinceOpt === undefined ? Date.now() - DEFAULT_SINCE_MS : parseSince(sinceOpt, Date.now());
  if (since === undefined) return usage(`cannot read --since '${sinceOpt}' (e.g. 30s, 10m, 1h, 2d, or an ISO time)`);

  const target = await resolveTarget(client, name, qualifier);
  const follow = args.options.has('follow');
  const print = (e: FilteredLogEvent): void => {
    if (target.version !== undefined && !e.logStreamName.includes(`[${target.version}]`)) return;
    out(formatEvent(e));
  };

  /** Every matching event from `startTime` on, page by page; false when the group does not exist. */
  const readAll = async (startTime: number, onEvent: (e: FilteredLogEvent) => void): Promise<boolean> => {
    let nextToken: string | undefined;
    do {
      let page;
      try {
        page = await client.filterLogEvents({
          logGroupName: target.group,
          startTime,
          interleaved: true,
          ...(pattern !== undefined && { filterPattern: pattern }),
          ...(nextToken !== undefined && { nextToken }),
        });
      } catch (e) {
        // A function that has not run yet has no log group; that is no error while it exists.
        if (e instanceof ClientError && e.code === 'ResourceNotFoundException' && target.exists) return false;
        throw e;
      }
      page.events.forEach(onEvent);
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    return true;
  };

  if (!follow) {
    await readAll(since, print);
    return 0;
  }

  // --follow: until SIGINT/SIGTERM.
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = (): void => {
    stopped = true;
    wake?.();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    /** eventId => timestamp, of the events printed within the look-back window */
    const seen = new Map<string, number>();
    let newest = since;
    while (!stopped) {
      const from = Math.max(since, newest - FOLLOW_LOOKBACK_MS);
      await readAll(from, (e) => {
        if (seen.has(e.eventId)) return;
        seen.set(e.eventId, e.timestamp);
        newest = Math.max(newest, e.timestamp);
        print(e);
      });
      const horizon = Math.max(since, newest - FOLLOW_LOOKBACK_MS);
      for (const [id, ts] of seen) if (ts < horizon) seen.delete(id);
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return 0;
}

interface Target {
  readonly group: string;
  /** Only streams of this version (from --qualifier). */
  readonly version?: string;
  /** Whether the function exists (its group may not, before its first invocation). */
  readonly exists: boolean;
}

/** The function's log group (LoggingConfig.LogGroup) and, for a qualifier, its version. */
async function resolveTarget(client: LaminaClient, name: string, qualifier: string | undefined): Promise<Target> {
  try {
    const config = await client.getFunctionConfiguration(name, qualifier);
    const logging = config.LoggingConfig as { LogGroup?: string } | undefined;
    const fn = String(config.FunctionName ?? name);
    return {
      group: logging?.LogGroup ?? `/aws/lambda/${fn}`,
      ...(qualifier !== undefined && { version: String(config.Version) }),
      exists: true,
    };
  } catch (e) {
    // A deleted function's logs stay readable under the default group.
    if (e instanceof ClientError && e.code === 'ResourceNotFoundException' && qualifier === undefined) {
      return { group: `/aws/lambda/${name}`, exists: false };
    }
    throw e;
  }
}

/** `<ISO time> <stream short id> <message>`, one line per event. */
export function formatEvent(e: FilteredLogEvent): string {
  const id = /\]([0-9a-f]{8})[0-9a-f]*$/.exec(e.logStreamName)?.[1] ?? e.logStreamName;
  const message = e.message.replace(/\n$/, '').replace(/\r/g, '\n');
  return `${new Date(e.timestamp).toISOString()} ${id} ${message}\n`;
}

/** `30s`, `10m`, `1h`, `2d`, `1w` before `now`, or an absolute time; undefined if unreadable. */
export function parseSince(text: string, now: number): number | undefined {
  const m = /^(\d+)\s*(s|m|h|d|w)$/.exec(text.trim());
  if (m) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
    return now - Number(m[1]) * unit;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}
