// Every line of every environment goes through here on its way to the log repository:
// buffered in memory and written in one transaction per batch, off the invoke path.

import type { LogEventInput, LogRepository } from '../store/index.js';

export interface LogWriter {
  write(group: string, stream: string, timestamp: number, message: string): void;
  /** Writes out what is buffered. */
  flush(): Promise<void>;
}

/** Largest single log event CloudWatch keeps (longer lines are truncated, as AWS does). */
const MAX_EVENT_BYTES = 256 * 1024;
const FLUSH_DELAY_MS = 25;
const FLUSH_AT = 2000;

export function createLogWriter(repo: LogRepository, onError: (err: unknown) => void): LogWriter {
  let buffer: LogEventInput[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (buffer.length === 0) return writing;
    const batch = buffer;
    buffer = [];
    writing = writing.then(() => repo.append(batch)).catch(onError);
    return writing;
  };

  return {
    write(group, stream, timestamp, message) {
      if (message.length > MAX_EVENT_BYTES / 4 && Buffer.byteLength(message) > MAX_EVENT_BYTES) {
        message = Buffer.from(message).subarray(0, MAX_EVENT_BYTES).toString('utf8');
      }
      buffer.push({ group, stream, timestamp, message });
      if (buffer.length >= FLUSH_AT) void flush();
      else timer ??= setTimeout(() => void flush(), FLUSH_DELAY_MS);
    },
    flush,
  };
}
