// Every route Lamina answers, checked against botocore's model of the Lambda API: one table row
// per operation with a request that succeeds and one that fails, sent raw (signed with SigV4)
// so that status, headers and body are seen exactly as the SDKs see them. A last test probes
// every operation of the model and fails for any the server implements that the table lacks.
//
// To cover a new operation: add a row to STEPS (order matters: rows run top to bottom on one
// server, so a row may use what earlier rows created).

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { signRequest } from '../../src/sigv4/index.js';
import {
  assertExchangeMatchesModel,
  type AwsModel,
  loadAwsModel,
  modelUnavailableReason,
  operationFor,
} from '../helpers/aws-model.js';
import { ACCOUNT, CREDENTIALS, type LaminaProcess, REGION, ROLE, startLamina } from '../helpers/lamina.js';
import { makeZip } from '../helpers/zip.js';

const FN = 'shapes-fn';
const FN_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FN}`;
const MISSING = 'shapes-missing';
const F = `/2015-03-31/functions/${FN}`;
const NOPE = `/2015-03-31/functions/${MISSING}`;
const zip = (tag: string): string =>
  makeZip({ 'index.py': `def handler(event, context):\n    return {"tag": ${JSON.stringify(tag)}, "event": event}\n` }).toString('base64');

interface Example {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Send it without a signature (an error example for routes that have no other). */
  readonly unsigned?: boolean;
  /** Statuses beyond the model's that AWS is known to send (DeleteFunction: 204). */
  readonly allowStatus?: readonly number[];
  /** The exact status expected, when it matters. */
  readonly status?: number;
  /**
   * Body members AWS is documented to send although the model binds them elsewhere (InvokeAsync's
   * `Status` is the HTTP status in the model; AWS also echoes it in the body). Checked for
   * equality here, then removed before the model check.
   */
  readonly offModelBody?: Readonly<Record<string, unknown>>;
}

/**
 * Enums whose values AWS sends beyond the model's list: FunctionConfiguration's
 * LastUpdateStatusReasonCode is "Creating" in every update response recorded from AWS
 * (test_lambda_api.snapshot.json, e.g. test_function_lifecycle), which the model lacks.
 */
const OPEN_ENUMS = ['Runtime', 'LastUpdateStatusReasonCode'];

interface Step {
  readonly operation: string;
  readonly ok: readonly Example[];
  readonly error: readonly Example[];
}

const STEPS: readonly Step[] = [
  {
    operation: 'CreateFunction',
    ok: [
      {
        method: 'POST',
        path: '/2015-03-31/functions',
        status: 201,
        body: {
          FunctionName: FN,
          Runtime: 'python3.12',
          Role: ROLE,
          Handler: 'index.handler',
          Code: { ZipFile: zip('v1') },
          Description: 'shapes',
          Environment: { Variables: { KEY: 'value' } },
          Tags: { team: 'lamina' },
          Publish: true,
        },
      },
      {
        method: 'POST',
        path: '/2015-03-31/functions',
        status: 201,
        body: {
          FunctionName: `${FN}-json-logs`,
          Runtime: 'nodejs20.x',
          Role: ROLE,
          Handler: 'index.handler',
          Code: { ZipFile: zip('json') },
          LoggingConfig: { LogFormat: 'JSON' },
          Architectures: ['arm64'],
          EphemeralStorage: { Size: 1024 },
          TracingConfig: { Mode: 'Active' },
        },
      },
    ],
    error: [
      { method: 'POST', path: '/2015-03-31/functions', body: { FunctionName: FN, Runtime: 'python3.12', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: zip('v1') } }, status: 409 },
      { method: 'POST', path: '/2015-03-31/functions', body: { FunctionName: 'x', Runtime: 'cobol', Role: ROLE, Handler: 'h', Code: { ZipFile: zip('x') } }, status: 400 },
      { method: 'POST', path: '/2015-03-31/functions', body: { FunctionName: 'x', Runtime: 'python3.12', Role: ROLE, Handler: 'h', Timeout: 9000, Code: { ZipFile: zip('x') } }, status: 400 },
      { method: 'POST', path: '/2015-03-31/functions', body: { FunctionName: 'x', Runtime: 'python3.12', Role: ROLE, Handler: 'h', Code: { ZipFile: 'bm90IGEgemlw' } }, status: 400 },
      { method: 'POST', path: '/2015-03-31/functions', body: '{"FunctionName":', status: 400 },
    ],
  },
  {
    operation: 'GetFunction',
    ok: [
      { method: 'GET', path: F },
      { method: 'GET', path: `${F}?Qualifier=1` },
      { method: 'GET', path: `/2015-03-31/functions/${encodeURIComponent(FN_ARN)}` },
    ],
    error: [
      { method: 'GET', path: NOPE, status: 404 },
      { method: 'GET', path: `/2015-03-31/functions/${encodeURIComponent('arn:aws:lambda:eu-west-1:000000000000:function:x')}`, status: 404 },
      { method: 'GET', path: '/2015-03-31/functions/bad!name', status: 400 },
    ],
  },
  {
    operation: 'GetFunctionConfiguration',
    ok: [
      { method: 'GET', path: `${F}/configuration` },
      { method: 'GET', path: `${F}/configuration?Qualifier=%24LATEST` },
    ],
    error: [
      { method: 'GET', path: `${F}/configuration?Qualifier=99`, status: 404 },
      { method: 'GET', path: `${F}/configuration?Qualifier=bad!`, status: 400 },
    ],
  },
  {
    operation: 'ListFunctions',
    ok: [
      { method: 'GET', path: '/2015-03-31/functions' },
      { method: 'GET', path: '/2015-03-31/functions?MaxItems=1' },
      { method: 'GET', path: '/2015-03-31/functions?FunctionVersion=ALL' },
    ],
    error: [
      { method: 'GET', path: '/2015-03-31/functions?FunctionVersion=invalid', status: 400 },
      { method: 'GET', path: '/2015-03-31/functions?MaxItems=0', status: 400 },
    ],
  },
  {
    operation: 'UpdateFunctionConfiguration',
    ok: [{ method: 'PUT', path: `${F}/configuration`, body: { Description: 'updated', Timeout: 5, Environment: { Variables: { KEY: 'v2' } } } }],
    error: [
      { method: 'PUT', path: `${F}/configuration`, body: { Timeout: 9000 }, status: 400 },
      { method: 'PUT', path: `${F}/configuration`, body: { Description: 'x', RevisionId: 'stale' }, status: 412 },
      { method: 'PUT', path: `${NOPE}/configuration`, body: { Timeout: 5 }, status: 404 },
    ],
  },
  {
    operation: 'UpdateFunctionCode',
    ok: [
      { method: 'PUT', path: `${F}/code`, body: { ZipFile: zip('v2') } },
      { method: 'PUT', path: `${F}/code`, body: { ZipFile: zip('v3'), DryRun: true } },
    ],
    error: [
      { method: 'PUT', path: `${F}/code`, body: { ZipFile: 'bm90IGEgemlw' }, status: 400 },
      { method: 'PUT', path: `${F}/code`, body: { ZipFile: zip('v2'), RevisionId: 'stale' }, status: 412 },
    ],
  },
  {
    operation: 'PublishVersion',
    ok: [
      { method: 'POST', path: `${F}/versions`, body: { Description: 'second' }, status: 201 },
      { method: 'POST', path: `${F}/versions`, body: {}, status: 201 },
    ],
    error: [
      { method: 'POST', path: `${F}/versions`, body: { CodeSha256: 'wrong' }, status: 400 },
      { method: 'POST', path: `${F}/versions`, body: { RevisionId: 'stale' }, status: 412 },
      { method: 'POST', path: `${NOPE}/versions`, body: {}, status: 404 },
    ],
  },
  {
    operation: 'ListVersionsByFunction',
    ok: [
      { method: 'GET', path: `${F}/versions` },
      { method: 'GET', path: `${F}/versions?MaxItems=1` },
    ],
    error: [
      { method: 'GET', path: `${NOPE}/versions`, status: 404 },
      { method: 'GET', path: `${F}/versions?MaxItems=0`, status: 400 },
    ],
  },
  {
    operation: 'CreateAlias',
    ok: [
      { method: 'POST', path: `${F}/aliases`, body: { Name: 'live', FunctionVersion: '1', Description: 'live' }, status: 201 },
      { method: 'POST', path: `${F}/aliases`, body: { Name: 'canary', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } } }, status: 201 },
    ],
    error: [
      { method: 'POST', path: `${F}/aliases`, body: { Name: 'live', FunctionVersion: '1' }, status: 409 },
      { method: 'POST', path: `${F}/aliases`, body: { Name: 'ghost', FunctionVersion: '42' }, status: 404 },
    ],
  },
  {
    operation: 'GetAlias',
    ok: [{ method: 'GET', path: `${F}/aliases/live` }],
    error: [{ method: 'GET', path: `${F}/aliases/none`, status: 404 }],
  },
  {
    operation: 'ListAliases',
    ok: [
      { method: 'GET', path: `${F}/aliases` },
      { method: 'GET', path: `${F}/aliases?FunctionVersion=1&MaxItems=1` },
    ],
    error: [{ method: 'GET', path: `${NOPE}/aliases`, status: 404 }],
  },
  {
    operation: 'UpdateAlias',
    ok: [{ method: 'PUT', path: `${F}/aliases/live`, body: { Description: 'still live', FunctionVersion: '2' } }],
    error: [
      { method: 'PUT', path: `${F}/aliases/none`, body: { Description: 'x' }, status: 404 },
      { method: 'PUT', path: `${F}/aliases/live`, body: { Description: 'x', RevisionId: 'stale' }, status: 412 },
    ],
  },
  {
    operation: 'AddPermission',
    ok: [
      {
        method: 'POST',
        path: `${F}/policy`,
        body: { StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: 'arn:aws:s3:::bucket' },
        status: 201,
      },
    ],
    error: [
      { method: 'POST', path: `${F}/policy`, body: { StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com' }, status: 409 },
      { method: 'POST', path: `${NOPE}/policy`, body: { StatementId: 's', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com' }, status: 404 },
    ],
  },
  {
    operation: 'GetPolicy',
    ok: [{ method: 'GET', path: `${F}/policy` }],
    error: [
      { method: 'GET', path: `${NOPE}/policy`, status: 404 },
      { method: 'GET', path: `/2015-03-31/functions/${FN}-json-logs/policy`, status: 404 },
    ],
  },
  {
    operation: 'RemovePermission',
    ok: [{ method: 'DELETE', path: `${F}/policy/s3`, status: 204 }],
    error: [{ method: 'DELETE', path: `${F}/policy/s3`, status: 404 }],
  },
  {
    operation: 'TagResource',
    ok: [{ method: 'POST', path: `/2017-03-31/tags/${encodeURIComponent(FN_ARN)}`, body: { Tags: { env: 'test', owner: 'me' } }, status: 204 }],
    error: [
      { method: 'POST', path: `/2017-03-31/tags/${encodeURIComponent(`${FN_ARN}-missing`)}`, body: { Tags: { a: 'b' } }, status: 404 },
      { method: 'POST', path: `/2017-03-31/tags/${encodeURIComponent(`${FN_ARN}:1`)}`, body: { Tags: { a: 'b' } }, status: 400 },
    ],
  },
  {
    operation: 'ListTags',
    ok: [{ method: 'GET', path: `/2017-03-31/tags/${encodeURIComponent(FN_ARN)}` }],
    error: [{ method: 'GET', path: `/2017-03-31/tags/${encodeURIComponent(`${FN_ARN}-missing`)}`, status: 404 }],
  },
  {
    operation: 'UntagResource',
    ok: [{ method: 'DELETE', path: `/2017-03-31/tags/${encodeURIComponent(FN_ARN)}?tagKeys=owner&tagKeys=absent`, status: 204 }],
    error: [{ method: 'DELETE', path: `/2017-03-31/tags/${encodeURIComponent(`${FN_ARN}-missing`)}?tagKeys=a`, status: 404 }],
  },
  {
    operation: 'PutFunctionConcurrency',
    ok: [{ method: 'PUT', path: `/2017-10-31/functions/${FN}/concurrency`, body: { ReservedConcurrentExecutions: 5 } }],
    error: [
      { method: 'PUT', path: `/2017-10-31/functions/${FN}/concurrency`, body: { ReservedConcurrentExecutions: -1 }, status: 400 },
      { method: 'PUT', path: `/2017-10-31/functions/${MISSING}/concurrency`, body: { ReservedConcurrentExecutions: 1 }, status: 404 },
    ],
  },
  {
    operation: 'GetFunctionConcurrency',
    ok: [
      { method: 'GET', path: `/2019-09-30/functions/${FN}/concurrency` },
      { method: 'GET', path: `/2019-09-30/functions/${FN}-json-logs/concurrency` },
    ],
    error: [{ method: 'GET', path: `/2019-09-30/functions/${MISSING}/concurrency`, status: 404 }],
  },
  {
    operation: 'DeleteFunctionConcurrency',
    ok: [{ method: 'DELETE', path: `/2017-10-31/functions/${FN}/concurrency`, status: 204 }],
    error: [{ method: 'DELETE', path: `/2017-10-31/functions/${MISSING}/concurrency`, status: 404 }],
  },
  {
    operation: 'GetAccountSettings',
    ok: [{ method: 'GET', path: '/2016-08-19/account-settings' }],
    error: [{ method: 'GET', path: '/2016-08-19/account-settings', unsigned: true, status: 403 }],
  },
  {
    operation: 'PutProvisionedConcurrencyConfig',
    ok: [{ method: 'PUT', path: `/2019-09-30/functions/${FN}/provisioned-concurrency?Qualifier=live`, body: { ProvisionedConcurrentExecutions: 1 }, status: 202 }],
    error: [
      { method: 'PUT', path: `/2019-09-30/functions/${FN}/provisioned-concurrency?Qualifier=%24LATEST`, body: { ProvisionedConcurrentExecutions: 1 }, status: 400 },
      // live points at version 2 now.
      { method: 'PUT', path: `/2019-09-30/functions/${FN}/provisioned-concurrency?Qualifier=2`, body: { ProvisionedConcurrentExecutions: 1 }, status: 409 },
      { method: 'PUT', path: `/2019-09-30/functions/${FN}/provisioned-concurrency?Qualifier=live`, body: { ProvisionedConcurrentExecutions: 0 }, status: 400 },
      { method: 'PUT', path: `/2019-09-30/functions/${MISSING}/provisioned-concurrency?Qualifier=1`, body: { ProvisionedConcurrentExecutions: 1 }, status: 404 },
    ],
  },
  {
    operation: 'GetProvisionedConcurrencyConfig',
    ok: [{ method: 'GET', path: `/2019-09-30/functions/${FN}/provisioned-concurrency?Qualifier=live` }],
    error: [
      { method: 'GET', path: `/2019-09-30/functions/${FN}/provisioned-concurrency?Qualifier=1`, status: 404 },
      { method: 'GET', path: `/2019-09-30/functions/${FN}/provisioned-concurrency?Qualifier=%24LATEST`, status: 400 },
    ],
  },
  {
    operation: 'ListProvisionedConcurrencyConfigs',
    ok: [
      { method: 'GET', path: `/2019-09-30/functions/${FN}/provisioned-concurrency?List=ALL` },
      { method: 'GET', path: `/2019-09-30/functions/${FN}/provisioned-concurrency?List=ALL&MaxItems=1` },
    ],
    error: [
      { method: 'GET', path: `/2019-09-30/functions/${MISSING}/provisioned-concurrency?List=ALL`, status: 404 },
      { method: 'GET', path: `/2019-09-30/functions/${FN}/provisioned-concurrency?List=ALL&MaxItems=0`, status: 400 },
    ],
  },
  {
    operation: 'DeleteProvisionedConcurrencyConfig',
    ok: [{ method: 'DELETE', path: `/2019-09-30/functions/${FN}/provisioned-concurrency?Qualifier=live`, status: 204 }],
    error: [
      { method: 'DELETE', path: `/2019-09-30/functions/${FN}/provisioned-concurrency?Qualifier=none`, status: 404 },
      { method: 'DELETE', path: `/2019-09-30/functions/${FN}/provisioned-concurrency?Qualifier=%24LATEST`, status: 400 },
    ],
  },
  {
    operation: 'Invoke',
    ok: [
      { method: 'POST', path: `${F}/invocations`, body: { hello: 'world' } },
      { method: 'POST', path: `${F}/invocations?Qualifier=1`, body: {}, headers: { 'x-amz-log-type': 'Tail' } },
      { method: 'POST', path: `${F}/invocations`, body: {}, headers: { 'x-amz-invocation-type': 'Event' }, status: 202 },
      { method: 'POST', path: `${F}/invocations`, body: {}, headers: { 'x-amz-invocation-type': 'DryRun' }, status: 204 },
    ],
    error: [
      { method: 'POST', path: `${NOPE}/invocations`, body: {}, status: 404 },
      { method: 'POST', path: `${F}/invocations`, body: '{not json', status: 400 },
    ],
  },
  {
    operation: 'InvokeAsync',
    ok: [{ method: 'POST', path: `/2014-11-13/functions/${FN}/invoke-async/`, body: { a: 1 }, status: 202, offModelBody: { Status: 202 } }],
    error: [{ method: 'POST', path: `/2014-11-13/functions/${MISSING}/invoke-async/`, body: {}, status: 404 }],
  },
  {
    operation: 'DeleteAlias',
    ok: [
      { method: 'DELETE', path: `${F}/aliases/canary`, status: 204 },
      { method: 'DELETE', path: `${F}/aliases/live`, status: 204 },
    ],
    error: [{ method: 'DELETE', path: `${NOPE}/aliases/live`, status: 404 }],
  },
  {
    operation: 'DeleteFunction',
    ok: [
      // AWS answers 204 where the model says 200.
      { method: 'DELETE', path: `${F}?Qualifier=1`, status: 204, allowStatus: [204] },
      { method: 'DELETE', path: F, status: 204, allowStatus: [204] },
    ],
    error: [
      { method: 'DELETE', path: F, status: 404 },
      { method: 'DELETE', path: `/2015-03-31/functions/${FN}-json-logs?Qualifier=%24LATEST`, status: 400 },
    ],
  },
];

let lamina: LaminaProcess;
let model: AwsModel | undefined;

interface Exchange {
  readonly request: { method: string; path: string; headers: Record<string, string> };
  readonly response: { status: number; headers: http.IncomingHttpHeaders; body: Buffer };
}

function send(ex: Example): Promise<Exchange> {
  const url = new URL(ex.path, lamina.url);
  const body = ex.body === undefined ? Buffer.alloc(0) : Buffer.from(typeof ex.body === 'string' ? ex.body : JSON.stringify(ex.body));
  const base = { ...(body.length > 0 && { 'content-type': 'application/json' }), ...ex.headers };
  const headers = ex.unsigned
    ? { ...base, host: url.host }
    : signRequest({ method: ex.method, url, headers: base, body }, CREDENTIALS, { region: REGION, service: 'lambda' });
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: ex.method, headers: { ...headers, 'content-length': String(body.length) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          request: { method: ex.method, path: ex.path, headers },
          response: { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) },
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const notImplemented = (r: Exchange['response']): boolean =>
  r.status === 404 && String(r.headers['x-amzn-errortype'] ?? '').startsWith('UnknownOperationException');

const describeEx = (ex: Example, r: Exchange['response']): string =>
  `${ex.method} ${ex.path} → ${r.status} ${r.body.toString('utf8').slice(0, 300)}`;

const skipReason = modelUnavailableReason('lambda') ?? false;

describe('API responses match the botocore model', { skip: skipReason }, () => {
  before(async () => {
    model = loadAwsModel('lambda');
    lamina = await startLamina();
  });
  after(async () => {
    await lamina?.dispose();
  });

  for (const step of STEPS) {
    test(step.operation, async (t) => {
      const m = model!;
      for (const ex of [...step.ok, ...step.error]) {
        const isError = step.error.includes(ex);
        if (!ex.unsigned) assert.equal(operationFor(m, ex.method, ex.path), step.operation, `${ex.method} ${ex.path} addresses ${step.operation}`);
        const { request, response } = await send(ex);
        if (notImplemented(response)) {
          t.skip(`${step.operation} is not implemented yet (UnknownOperationException)`);
          return;
        }
        if (isError) assert.ok(response.status >= 400, describeEx(ex, response));
        else assert.ok(response.status >= 200 && response.status < 300, describeEx(ex, response));
        if (ex.status !== undefined) assert.equal(response.status, ex.status, describeEx(ex, response));
        assert.ok(response.headers['x-amzn-requestid'], 'x-amzn-RequestId on every answer');
        if (isError) assert.ok(response.headers['x-amzn-errortype'], 'x-amzn-ErrorType on every error');
        let checked = response;
        if (ex.offModelBody) {
          const body = JSON.parse(response.body.toString('utf8')) as Record<string, unknown>;
          for (const [k, v] of Object.entries(ex.offModelBody)) {
            assert.deepEqual(body[k], v, k);
            delete body[k];
          }
          checked = { ...response, body: Buffer.from(JSON.stringify(body)) };
        }
        assertExchangeMatchesModel(m, request, checked, { openEnums: OPEN_ENUMS, ...(ex.allowStatus && { allowStatus: ex.allowStatus }) });
      }
    });
  }

  test('an unknown path is an UnknownOperationException the model accepts as an error', async () => {
    const { request, response } = await send({ method: 'GET', path: '/2015-03-31/nothing-here' });
    assert.equal(response.status, 404);
    assert.equal(response.headers['x-amzn-errortype'], 'UnknownOperationException');
    assertExchangeMatchesModel(model!, request, response);
  });

  test('every operation the server implements is in the table', async () => {
    const m = model!;
    const covered = new Set(STEPS.map((s) => s.operation));
    const uncovered: string[] = [];
    for (const [name, op] of Object.entries(m.operations)) {
      if (covered.has(name)) continue;
      const [pathPart, query] = op.http.requestUri.split('?');
      const target =
        pathPart!.replace(/\{([^}]+)\}/g, (_, label: string) =>
          label === 'Resource' ? encodeURIComponent(`${FN_ARN}-probe`) : `${label.replace(/\+$/, '').toLowerCase()}-probe`,
        ) + (query ? `?${query}` : '');
      const { response } = await send({ method: op.http.method, path: target, body: op.http.method === 'GET' || op.http.method === 'DELETE' ? undefined : {} });
      if (!notImplemented(response)) uncovered.push(`${name} (${op.http.method} ${target} → ${response.status})`);
    }
    assert.deepEqual(uncovered, [], `implemented but missing from STEPS:\n  ${uncovered.join('\n  ')}`);
  });
});
