// End to end over real HTTP: the AWS SDK for JavaScript and botocore call a node:http server
// that verifies what arrives (IncomingMessage's url, headersDistinct and body), so the wire
// format itself (encoding, content-length, user-agent, retries' headers) is covered.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { GetFunctionCommand, InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ApiError } from '../model/index.js';
import { type VerifiedCaller, createVerifier } from './index.js';

const CREDS = { accessKeyId: 'AKIDLAMINATEST', secretAccessKey: 'lamina/secret+KEY/0123456789' };
const REGION = 'us-east-1';

const BOTOCORE_SKIP = ((): string | false => {
  const probe = spawnSync('python3', ['-c', 'import botocore'], { stdio: 'ignore' });
  if (probe.status === 0) return false;
  if (process.env.LAMINA_REQUIRE_ALL === '1') throw new Error('CI must not skip: python3 with botocore is required by the sigv4 round-trip tests');
  return 'python3 with botocore is not installed';
})();

const verify = createVerifier({
  region: REGION,
  services: ['lambda', 'logs'],
  secretFor: (id) => (id === CREDS.accessKeyId ? CREDS.secretAccessKey : undefined),
});

/** What the server saw: the request line and who signed it. */
interface Seen {
  method: string;
  url: string;
  caller: VerifiedCaller;
}

let server: Server;
let endpoint = '';
const seen: Seen[] = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      try {
        const caller = verify({
          method: req.method ?? 'GET',
          rawPath: q < 0 ? url : url.slice(0, q),
          rawQuery: q < 0 ? '' : url.slice(q + 1),
          headers: req.headersDistinct,
          body: Buffer.concat(chunks),
        });
        seen.push({ method: req.method ?? '', url, caller });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        res.writeHead(e.status, { 'content-type': 'application/json', 'x-amzn-errortype': e.code }).end(JSON.stringify(e.toBody()));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const client = (credentials = CREDS): LambdaClient =>
  new LambdaClient({ region: REGION, endpoint, credentials, maxAttempts: 1 });

describe('@aws-sdk/client-lambda over HTTP', () => {
  it('is verified for GET with query, qualified ARNs and JSON/binary Invoke bodies', async () => {
    const lambda = client();
    const before = seen.length;
    await lambda.send(new ListFunctionsCommand({ MaxItems: 10, Marker: 'a b$c/d+e', FunctionVersion: 'ALL' }));
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:my-fn';
    await lambda.send(new GetFunctionCommand({ FunctionName: arn, Qualifier: '$LATEST' }));
    const json = Buffer.from(JSON.stringify({ hello: 'wörld 日本' }));
    await lambda.send(new InvokeCommand({ FunctionName: 'my-fn:prod', Payload: json }));
    const binary = Uint8Array.from([0, 255, 13, 10, 128]);
    await lambda.send(new InvokeCommand({ FunctionName: 'my-fn', InvocationType: 'Event', Payload: binary }));
    const urls = seen.slice(before).map((s) => `${s.method} ${s.url}`);
    assert.equal(urls.length, 4);
    assert.match(urls[1]!, /functions\/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn\?Qualifier=%24LATEST$/);
    assert.match(urls[2]!, /^POST \/2015-03-31\/functions\/my-fn%3Aprod\/invocations$/);
    assert.ok(seen.slice(before).every((s) => s.caller.accessKeyId === CREDS.accessKeyId && s.caller.service === 'lambda'));
  });

  it('surfaces our errors as the SDK\'s typed exceptions', async () => {
    await assert.rejects(client({ ...CREDS, secretAccessKey: 'wrong' }).send(new ListFunctionsCommand({})), (e: Error) => {
      assert.equal(e.name, 'InvalidSignatureException');
      assert.match(e.message, /^The request signature we calculated does not match/);
      return true;
    });
    await assert.rejects(client({ ...CREDS, accessKeyId: 'AKIDUNKNOWN' }).send(new ListFunctionsCommand({})), (e: Error) => {
      assert.equal(e.name, 'UnrecognizedClientException');
      return true;
    });
  });
});

describe('botocore over HTTP', { skip: BOTOCORE_SKIP }, () => {
  const script = `
import sys, botocore.session
from botocore.config import Config
s = botocore.session.get_session()
kw = dict(region_name='${REGION}', endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2],
          aws_secret_access_key=sys.argv[3], config=Config(retries={'max_attempts': 0}))
lam = s.create_client('lambda', **kw)
lam.list_functions(MaxItems=10, Marker='a b$c/d+e', FunctionVersion='ALL')
lam.get_function(FunctionName='arn:aws:lambda:us-east-1:123456789012:function:my-fn', Qualifier='$LATEST')
lam.invoke(FunctionName='my-fn:prod', Payload='{"hello": "w\\u00f6rld"}'.encode('utf-8'))
logs = s.create_client('logs', **kw)
logs.describe_log_groups(logGroupNamePrefix='/aws/lambda/')
try:
    s.create_client('lambda', **dict(kw, aws_secret_access_key='wrong')).list_functions()
    print('accepted')
except lam.exceptions.ClientError as e:
    print(e.response['Error']['Code'])
`;

  it('is verified for the lambda (rest-json) and logs (JSON 1.1) protocols', async () => {
    const before = seen.length;
    const { stdout } = await promisify(execFile)('python3', ['-c', script, endpoint, CREDS.accessKeyId, CREDS.secretAccessKey], {
      env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    assert.equal(stdout.trim(), 'InvalidSignatureException');
    const got = seen.slice(before);
    assert.deepEqual(
      got.map((s) => s.caller.service),
      ['lambda', 'lambda', 'lambda', 'logs'],
    );
    assert.match(got[1]!.url, /functions\/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn\?Qualifier=%24LATEST$/);
  });
});
