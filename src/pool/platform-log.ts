// The platform's own log lines, in AWS Lambda's exact format (TAB separated; durations with
// two decimals; Billed Duration whole milliseconds, rounded up; memory in MB).

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
