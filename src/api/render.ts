// Lamina's records in AWS's wire shapes (PascalCase members, AWS's optional-member rules).

import { createHash } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import type { FunctionView } from '../control/index.js';
import { type AccountContext, functionArn, LATEST } from '../model/index.js';

const runtimeVersionArns = new Map<string, string>();

/** A stable RuntimeVersionArn per (region, runtime). */
function runtimeVersionArn(ctx: AccountContext, runtime: string): string {
  const key = `${ctx.region}/${runtime}`;
  let arn = runtimeVersionArns.get(key);
  if (!arn) {
    const hash = createHash('sha256').update(`lamina:${runtime}`).digest('hex');
    arn = `arn:aws:lambda:${ctx.region}::runtime:${hash}`;
    runtimeVersionArns.set(key, arn);
  }
  return arn;
}

/**
 * FunctionConfiguration. `list`: the form of ListFunctions / ListVersionsByFunction items,
 * which carry no state members.
 */
export function renderConfiguration(ctx: AccountContext, view: FunctionView, list = false): Record<string, unknown> {
  const v = view.version;
  const c = v.config;
  const out: Record<string, unknown> = {
    FunctionName: v.functionName,
    FunctionArn: functionArn(ctx, v.functionName, view.arnQualifier),
    Runtime: c.runtime,
    Role: c.role,
    Handler: c.handler,
    CodeSize: v.code.size,
    Description: v.version === LATEST ? c.description : (v.versionDescription ?? c.description),
    Timeout: c.timeout,
    MemorySize: c.memorySize,
    LastModified: v.lastModified,
    CodeSha256: v.code.sha256,
    Version: v.version,
    ...(c.environment !== undefined && { Environment: { Variables: c.environment } }),
    TracingConfig: { Mode: c.tracingMode },
    RevisionId: v.revisionId,
    PackageType: 'Zip',
    Architectures: c.architectures,
    EphemeralStorage: { Size: c.ephemeralStorage },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: {
      LogFormat: c.loggingConfig.logFormat,
      ...(c.loggingConfig.applicationLogLevel && { ApplicationLogLevel: c.loggingConfig.applicationLogLevel }),
      ...(c.loggingConfig.systemLogLevel && { SystemLogLevel: c.loggingConfig.systemLogLevel }),
      LogGroup: c.loggingConfig.logGroup,
    },
    ...(c.deadLetterTargetArn !== undefined && { DeadLetterConfig: { TargetArn: c.deadLetterTargetArn } }),
  };
  if (list) return out;
  out.RuntimeVersionConfig = { RuntimeVersionArn: runtimeVersionArn(ctx, c.runtime) };
  switch (view.phase) {
    case 'creating':
      // The write's own answer shows the function as AWS shows it mid-creation, under a
      // revision that the settled function no longer carries.
      Object.assign(out, {
        State: 'Pending',
        StateReason: 'The function is being created.',
        StateReasonCode: 'Creating',
        RevisionId: randomUUID(),
      });
      break;
    case 'publishing':
      Object.assign(out, {
        State: 'Pending',
        StateReason: 'The function is being created.',
        StateReasonCode: 'Creating',
      });
      break;
    case 'updating':
      Object.assign(out, {
        State: 'Active',
        LastUpdateStatus: 'InProgress',
        LastUpdateStatusReason: 'The function is being created.',
        LastUpdateStatusReasonCode: 'Creating',
        RevisionId: randomUUID(),
      });
      break;
    case 'settled':
      Object.assign(out, { State: 'Active', LastUpdateStatus: 'Successful' });
      break;
  }
  return out;
}
