// The nouns the pool shares with its callers: a job (one invocation to run), its outcome,
// and the sink that receives every log line.

import type { Invocation } from '../runtime-api/index.js';

export interface InvocationOutcome {
  /** The runtime's response or error body, verbatim; or the platform's error JSON. */
  readonly payload: Buffer;
  /** AWS's X-Amz-Function-Error: set when the function failed. */
  readonly functionError?: 'Unhandled';
  /** This invocation's log lines (START … REPORT), newline-terminated. */
  readonly logTail: string;
  readonly durationMs: number;
  /** Set on a cold start. */
  readonly initDurationMs?: number;
}

/** One invocation handed to an environment. */
export interface Job {
  readonly invocation: Invocation;
  /** Log lines of this invocation, collected when the caller wants them (LogType Tail). */
  readonly tail?: string[];
  readonly finish: (outcome: InvocationOutcome) => void;
}

/** Receives every log line of every environment, in order per stream. */
export interface LogSink {
  write(group: string, stream: string, timestamp: number, message: string): void;
}

/** A lifecycle rule was broken: a bug in Lamina, never the function's fault. */
export class IllegalTransition extends Error {
  override readonly name = 'IllegalTransition';
}
