// The platform's own words, exactly as AWS Lambda says them: its log lines (TAB separated;
// durations with two decimals; Billed Duration whole milliseconds, rounded up; memory in MB)
// and the error payloads it answers in a function's place (timeouts, crashes, oversize).

import { RUNTIME_ERROR } from '../model/index.js';
import type { ExitInfo } from '../sandbox/index.js';

export interface ReportFields {
  readonly requestId: string;
  readonly durationMs: number;
  readonly memoryMB: number;
  readonly maxMemoryUsedMB: number;
  readonly initDurationMs?: number;
  readonly status?: 'timeout' | 'error';
  readonly errorType?: string;
}

const ms = (n: number): string => n.toFixed(2);

export function initStartLine(runtimeVersion: string, runtimeVersionArn: string): string {
  return `INIT_START Runtime Version: ${runtimeVersion}\tRuntime Version ARN: ${runtimeVersionArn}`;
}

export function startLine(requestId: string, version: string): string {
  return `START RequestId: ${requestId} Version: ${version}`;
}

export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

export function reportLine(f: ReportFields): string {
  let line =
    `REPORT RequestId: ${f.requestId}\tDuration: ${ms(f.durationMs)} ms\tBilled Duration: ${Math.ceil(f.durationMs)} ms\t` +
    `Memory Size: ${f.memoryMB} MB\tMax Memory Used: ${f.maxMemoryUsedMB} MB\t`;
  if (f.initDurationMs !== undefined) line += `Init Duration: ${ms(f.initDurationMs)} ms\t`;
  if (f.status) line += `Status: ${f.status}\t`;
  if (f.errorType) line += `Error Type: ${f.errorType}\t`;
  return line;
}

export function initReportLine(durationMs: number, phase: 'init' | 'invoke', status: 'error' | 'timeout', errorType?: string): string {
  let line = `INIT_REPORT Init Duration: ${ms(durationMs)} ms\tPhase: ${phase}\tStatus: ${status}`;
  if (errorType) line += `\tError Type: ${errorType}`;
  return line;
}

export function timeoutLine(requestId: string, timeoutSeconds: number, at: number = Date.now()): string {
  return `${new Date(at).toISOString()} ${requestId} Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;
}

/** A payload the platform answers with when the function could not (HTTP 200, Unhandled). */
export interface PlatformFailure {
  readonly payload: Buffer;
  readonly functionError: 'Unhandled';
}

function failure(body: object): PlatformFailure {
  return { payload: Buffer.from(JSON.stringify(body)), functionError: 'Unhandled' };
}

/** `{"errorType", "errorMessage": "RequestId: <id> Error: <what>"}` */
export function platformFailure(requestId: string, errorType: string, what: string): PlatformFailure {
  return failure({ errorType, errorMessage: `RequestId: ${requestId} Error: ${what}` });
}

export function responseTooLarge(): PlatformFailure {
  return failure({
    errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    errorType: RUNTIME_ERROR.ResponseSizeTooLarge,
  });
}

/** How a runtime's end is told: `exit status 1`, `signal: killed`, or nothing (exit 0). */
export function exitReason(info: ExitInfo): string | undefined {
  if (info.outOfMemory || info.signal === 'SIGKILL') return 'signal: killed';
  if (info.signal) return `signal: ${info.signal.toLowerCase().replace(/^sig/, '')}`;
  return info.code === 0 ? undefined : `exit status ${info.code}`;
}

/** The message of a runtime that ended during an invocation (or its Init). */
export function exitMessage(requestId: string, info: ExitInfo): string {
  const reason = exitReason(info);
  return reason
    ? `RequestId: ${requestId} Error: Runtime exited with error: ${reason}`
    : `RequestId: ${requestId} Error: Runtime exited without providing a reason`;
}
