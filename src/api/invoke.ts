// Routes that run functions: Invoke, and the deprecated InvokeAsync.

import { checkJsonPayload, type InvocationType, type Invoker } from '../invoke/index.js';
import { type AccountContext, ApiError } from '../model/index.js';
import type { ApiRequest, Route } from './http.js';
import { Violations } from './input.js';
import { parseTarget } from './names.js';

/** Lambda's limits on request payloads. */
const SYNC_LIMIT = 6_291_456;
const EVENT_LIMIT = 1_048_576;
const CLIENT_CONTEXT_LIMIT = 3583;

const INVOCATION_TYPES: readonly InvocationType[] = ['Event', 'RequestResponse', 'DryRun'];

export function invokeRoutes(account: AccountContext, invoker: Invoker): Route[] {
  return [
    {
      method: 'POST',
      path: '/2015-03-31/functions/:FunctionName/invocations',
      operation: 'Invoke',
      bodyLimit: SYNC_LIMIT,
      tooLargeMessage: `Request must be smaller than ${SYNC_LIMIT} bytes for the InvokeFunction operation`,
      async handle(req) {
        const invocationType = (header(req, 'x-amz-invocation-type') ?? 'RequestResponse') as InvocationType;
        const logType = header(req, 'x-amz-log-type') ?? 'None';
        new Violations()
          .oneOf('invocationType', invocationType, INVOCATION_TYPES)
          .oneOf('logType', logType, ['None', 'Tail'])
          .check();
        const target = parseTarget(account, req.params.FunctionName, req.query.get('Qualifier'), 'read');
        if (invocationType === 'Event' && req.body.length > EVENT_LIMIT) {
          throw new ApiError(
            'RequestEntityTooLargeException',
            `${req.body.length} byte payload is too large for the Event invocation type (limit ${EVENT_LIMIT} bytes)`,
          );
        }
        checkJsonPayload(req.body);
        const clientContext = decodeClientContext(header(req, 'x-amz-client-context'));
        const traceId = header(req, 'x-amzn-trace-id');
        const result = await invoker.invoke({
          requestId: req.requestId,
          functionName: target.name,
          ...(target.qualifier !== undefined && { qualifier: target.qualifier }),
          invocationType,
          tailLogs: logType === 'Tail' && invocationType === 'RequestResponse',
          payload: req.body,
          ...(clientContext !== undefined && invocationType === 'RequestResponse' && { clientContext }),
          ...(traceId !== undefined && { traceId }),
        });
        const headers: Record<string, string> = {};
        if (result.executedVersion !== undefined) headers['X-Amz-Executed-Version'] = result.executedVersion;
        if (result.functionError) headers['X-Amz-Function-Error'] = result.functionError;
        if (result.logResult !== undefined) headers['X-Amz-Log-Result'] = result.logResult;
        if (result.payload !== undefined) headers['Content-Type'] = 'application/json';
        return { status: result.status, headers, ...(result.payload !== undefined && { body: result.payload }) };
      },
    },
    {
      method: 'POST',
      path: '/2014-11-13/functions/:FunctionName/invoke-async',
      operation: 'InvokeAsync',
      bodyLimit: SYNC_LIMIT,
      async handle(req) {
        const target = parseTarget(account, req.params.FunctionName, undefined, 'read');
        checkJsonPayload(req.body);
        await invoker.invoke({
          requestId: req.requestId,
          functionName: target.name,
          ...(target.qualifier !== undefined && { qualifier: target.qualifier }),
          invocationType: 'Event',
          tailLogs: false,
          payload: req.body,
        });
        return { status: 202, body: { Status: 202 } };
      },
    },
  ];
}

function header(req: ApiRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** X-Amz-Client-Context: base64 of a JSON object, at most 3583 bytes as sent. */
function decodeClientContext(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length > CLIENT_CONTEXT_LIMIT) {
    throw new ApiError(
      'ValidationException',
      `1 validation error detected: Value '${raw}' at 'clientContext' failed to satisfy constraint: Member must have length less than or equal to ${CLIENT_CONTEXT_LIMIT}`,
    );
  }
  const text = Buffer.from(raw, 'base64').toString('utf8');
  try {
    JSON.parse(text);
  } catch {
    throw new ApiError('InvalidRequestContentException', 'Client context must be a valid Base64-encoded JSON object.');
  }
  return text;
}
