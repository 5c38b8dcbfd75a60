// Execution-role credentials: a function gets temporary credentials of its own, as on AWS
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), and the endpoint of
// Lamina's API. With them it may invoke functions — boto3 inside the function, unchanged —
// and do nothing else; they die with the function.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DeleteFunctionCommand, GetFunctionCommand, InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { createZipFunction } from '../helpers/functions.js';
import { type LaminaProcess, REGION, startLamina } from '../helpers/lamina.js';

let lamina: LaminaProcess;

const json = (payload: Uint8Array | undefined): any => JSON.parse(Buffer.from(payload ?? []).toString('utf8'));

/**
 * boto3 and what it imports, from the site-packages of this machine's python3, as a user
 * vendors them into a zip (botocore's service models cut down to Lambda's). Undefined when
 * python3 has no boto3.
 */
function vendoredBoto3(): Record<string, Buffer> | undefined {
  let site: string;
  try {
    site = execFileSync('python3', ['-c', 'import boto3, os; print(os.path.dirname(os.path.dirname(boto3.__file__)))'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
  const files: Record<string, Buffer> = {};
  const add = (rel: string): void => {
    const full = path.join(site, rel);
    if (statSync(full).isDirectory()) {
      for (const name of readdirSync(full)) {
        if (name === '__pycache__') continue;
        if (rel === 'botocore/data' && !name.endsWith('.json') && name !== 'lambda') continue;
        add(path.join(rel, name));
      }
    } else files[rel] = readFileSync(full);
  };
  for (const rel of ['boto3', 'botocore', 'jmespath', 'dateutil', 's3transfer', 'urllib3', 'six.py']) add(rel);
  return files;
}

// The credentials and AWS_ENDPOINT_URL_LAMBDA come from the environment, as on AWS.
const CALLER = `
import json, os
import boto3, botocore.config, botocore.exceptions

def client(**extra):
    return boto3.client("lambda", config=botocore.config.Config(retries={"max_attempts": 0}), **extra)

def handler(event, context):
    out = {"key": os.environ["AWS_ACCESS_KEY_ID"], "has_token": bool(os.environ.get("AWS_SESSION_TOKEN"))}
    r = client().invoke(FunctionName="callee", Payload=json.dumps({"from": context.function_name}))
    out["invoked"] = json.loads(r["Payload"].read())
    for name, call in [
        ("get", lambda: client().get_function(FunctionName="callee")),
        ("list", lambda: client().list_functions()),
        ("bad_token", lambda: client(
            aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
            aws_session_token="forged",
        ).invoke(FunctionName="callee", Payload=b"{}")),
    ]:
        try:
            call()
            out[name] = "allowed"
        except botocore.exceptions.ClientError as e:
            out[name] = [e.response["Error"]["Code"], e.response["Error"]["Message"]]
    return out
`;

const boto3 = vendoredBoto3();

describe('execution-role credentials', () => {
  before(async () => {
    lamina = await startLamina();
    const sdk = lamina.sdk();
    await createZipFunction(sdk, 'callee', { 'index.js': 'exports.handler = async (e) => ({ got: e });' });
    if (boto3) {
      await createZipFunction(sdk, 'caller', { ...boto3, 'app.py': CALLER }, { Runtime: 'python3.11', Handler: 'app.handler', Timeout: 30 });
    }
  });
  after(async () => {
    await lamina?.dispose();
  });

  test('a function invokes another with boto3 and its own credentials, and may do nothing else', { skip: !boto3 && 'needs boto3 for python3 (it comes with the aws CLI)' }, async () => {
    const out = await lamina.sdk().send(new InvokeCommand({ FunctionName: 'caller' }));
    const body = json(out.Payload);
    assert.equal(out.FunctionError, undefined, JSON.stringify(body));
    assert.match(body.key, /^ASIA[A-Z2-7]{16}$/, 'temporary credentials, not the root ones');
    assert.equal(body.has_token, true);
    assert.deepEqual(body.invoked, { got: { from: 'caller' } });
    const principal = 'arn:aws:sts::000000000000:assumed-role/lambda-role/caller';
    assert.deepEqual(body.get, [
      'AccessDeniedException',
      `User: ${principal} is not authorized to perform: lambda:GetFunction on resource: arn:aws:lambda:${REGION}:000000000000:function:callee because no identity-based policy allows the lambda:GetFunction action`,
    ]);
    assert.equal(body.list[0], 'AccessDeniedException');
    assert.deepEqual(body.bad_token, ['UnrecognizedClientException', 'The security token included in the request is invalid.']);
  });

  test('the credentials stop working when their function is deleted', async () => {
    await createZipFunction(lamina.sdk(), 'leaker', {
      'index.js': 'exports.handler = async () => ({ id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY, token: process.env.AWS_SESSION_TOKEN, endpoint: process.env.AWS_ENDPOINT_URL_LAMBDA });',
    });
    const leaked = json((await lamina.sdk().send(new InvokeCommand({ FunctionName: 'leaker' }))).Payload);
    assert.equal(leaked.endpoint, lamina.url);
    const withRole = new LambdaClient({
      endpoint: lamina.url,
      region: REGION,
      maxAttempts: 1,
      credentials: { accessKeyId: leaked.id, secretAccessKey: leaked.secret, sessionToken: leaked.token },
    });
    try {
      const ok = await withRole.send(new InvokeCommand({ FunctionName: 'callee', Payload: Buffer.from('{"n":1}') }));
      assert.deepEqual(json(ok.Payload), { got: { n: 1 } });
      await assert.rejects(withRole.send(new ListFunctionsCommand({})), { name: 'AccessDeniedException' });
      await assert.rejects(withRole.send(new GetFunctionCommand({ FunctionName: 'leaker' })), { name: 'AccessDeniedException' });
      const noToken = new LambdaClient({ endpoint: lamina.url, region: REGION, maxAttempts: 1, credentials: { accessKeyId: leaked.id, secretAccessKey: leaked.secret } });
      await assert.rejects(noToken.send(new InvokeCommand({ FunctionName: 'callee' })), { name: 'UnrecognizedClientException' });
      noToken.destroy();

      await lamina.sdk().send(new DeleteFunctionCommand({ FunctionName: 'leaker' }));
      await assert.rejects(withRole.send(new InvokeCommand({ FunctionName: 'callee' })), {
        name: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
      });
    } finally {
      withRole.destroy();
    }
  });
});
