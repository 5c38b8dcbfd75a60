// Resource-based policies through real clients (AWS SDK for JavaScript v3, aws CLI, boto3):
// AddPermission with every condition type, per qualifier (function, version, alias),
// GetPolicy, RemovePermission, the policy RevisionId, AWS's recorded errors, raw responses
// against the botocore model, and policies surviving a crash of the server.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AddPermissionCommand,
  type AddPermissionCommandInput,
  CreateAliasCommand,
  DeleteAliasCommand,
  GetPolicyCommand,
  type LambdaClient,
  PublishVersionCommand,
  RemovePermissionCommand,
} from '@aws-sdk/client-lambda';
import { expectAwsError } from '../helpers/aws-errors.js';
import { createZipFunction } from '../helpers/functions.js';
import { ACCOUNT, type LaminaProcess, REGION, startLamina } from '../helpers/lamina.js';
import { checkedRequest } from '../helpers/raw.js';
import { missing } from '../helpers/requirements.js';

const FN = 'perm-fn';
const ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FN}`;
const BUCKET = 'arn:aws:s3:::test-bucket';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const GET_POLICY_412 =
  'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id';
const NO_AWS = missing('aws', ['--version'], 'awscli');
const NO_BOTO3 = missing('python3', ['-c', 'import boto3'], 'python3-boto3');
const NO_MODEL = missing('python3', ['-c', 'import botocore'], 'python3-botocore');

let lamina: LaminaProcess;
let sdk: LambdaClient;

const add = (input: Partial<AddPermissionCommandInput>) =>
  sdk.send(
    new AddPermissionCommand({
      FunctionName: FN,
      Action: 'lambda:InvokeFunction',
      StatementId: 's3',
      Principal: 's3.amazonaws.com',
      ...input,
    }),
  );

async function policy(qualifier?: string): Promise<{ doc: Record<string, unknown>; revisionId: string }> {
  const out = await sdk.send(new GetPolicyCommand({ FunctionName: FN, ...(qualifier && { Qualifier: qualifier }) }));
  return { doc: JSON.parse(out.Policy ?? '') as Record<string, unknown>, revisionId: out.RevisionId ?? '' };
}

describe('permissions', () => {
  before(async () => {
    lamina = await startLamina();
    sdk = lamina.sdk();
    await createZipFunction(sdk, FN, 'exports.handler = async () => 1;');
    await sdk.send(new PublishVersionCommand({ FunctionName: FN }));
    await sdk.send(new CreateAliasCommand({ FunctionName: FN, Name: 'live', FunctionVersion: '1' }));
  });
  after(async () => {
    await lamina.dispose();
  });

  test('lifecycle on the function: add, get, remove until no policy is left', async () => {
    const first = await add({ SourceArn: BUCKET });
    assert.equal(first.$metadata.httpStatusCode, 201);
    const statement = {
      Sid: 's3',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: ARN,
      Condition: { ArnLike: { 'AWS:SourceArn': BUCKET } },
    };
    assert.deepEqual(JSON.parse(first.Statement ?? ''), statement);

    const got = await policy();
    assert.deepEqual(got.doc, { Version: '2012-10-17', Id: 'default', Statement: [statement] });
    assert.match(got.revisionId, UUID);

    await add({ StatementId: 'sqs', Principal: 'sqs.amazonaws.com' });
    const two = await policy();
    assert.deepEqual(
      (two.doc.Statement as { Sid: string }[]).map((s) => s.Sid),
      ['s3', 'sqs'],
    );
    assert.notEqual(two.revisionId, got.revisionId);

    await expectAwsError(
      add({ SourceArn: BUCKET }),
      'ResourceConflictException',
      409,
      'The statement id (s3) provided already exists. Please provide a new statement id, or remove the existing statement.',
    );
    await expectAwsError(
      sdk.send(new RemovePermissionCommand({ FunctionName: FN, StatementId: 'non-existent' })),
      'ResourceNotFoundException',
      404,
      'Statement non-existent is not found in resource policy.',
    );

    const removed = await sdk.send(new RemovePermissionCommand({ FunctionName: FN, StatementId: 'sqs' }));
    assert.equal(removed.$metadata.httpStatusCode, 204);
    const one = await policy();
    assert.deepEqual(one.doc.Statement, [statement]);
    await sdk.send(new RemovePermissionCommand({ FunctionName: FN, StatementId: 's3', RevisionId: one.revisionId }));
    await expectAwsError(
      sdk.send(new GetPolicyCommand({ FunctionName: FN })),
      'ResourceNotFoundException',
      404,
      'The resource you requested does not exist.',
    );
    await expectAwsError(
      sdk.send(new RemovePermissionCommand({ FunctionName: FN, StatementId: 's3' })),
      'ResourceNotFoundException',
      404,
      'No policy is associated with the given resource.',
    );
  });

  test('principals and conditions, as AWS writes them', async () => {
    const stmt = async (input: Partial<AddPermissionCommandInput>) =>
      JSON.parse((await add({ FunctionName: `${FN}:1`, ...input })).Statement ?? '') as Record<string, unknown>;
    const resource = `${ARN}:1`;

    assert.deepEqual(await stmt({ StatementId: 'wildcard', Principal: '*', SourceAccount: ACCOUNT }), {
      Sid: 'wildcard',
      Effect: 'Allow',
      Principal: '*',
      Action: 'lambda:InvokeFunction',
      Resource: resource,
      Condition: { StringEquals: { 'AWS:SourceAccount': ACCOUNT } },
    });
    assert.deepEqual((await stmt({ StatementId: 'account', Principal: '111122223333' })).Principal, {
      AWS: 'arn:aws:iam::111122223333:root',
    });
    const user = 'arn:aws:iam::111122223333:user/alice';
    assert.deepEqual((await stmt({ StatementId: 'user', Principal: user })).Principal, { AWS: user });
    assert.deepEqual(
      await stmt({
        StatementId: 'url',
        Action: 'lambda:InvokeFunctionUrl',
        Principal: '*',
        SourceArn: BUCKET,
        SourceAccount: ACCOUNT,
        PrincipalOrgID: 'o-1234567890',
        FunctionUrlAuthType: 'NONE',
      }),
      {
        Sid: 'url',
        Effect: 'Allow',
        Principal: '*',
        Action: 'lambda:InvokeFunctionUrl',
        Resource: resource,
        Condition: {
          StringEquals: {
            'AWS:SourceAccount': ACCOUNT,
            'lambda:FunctionUrlAuthType': 'NONE',
            'aws:PrincipalOrgID': 'o-1234567890',
          },
          ArnLike: { 'AWS:SourceArn': BUCKET },
        },
      },
    );
    const token = 'amzn1.ask.skill.xxxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx';
    assert.deepEqual((await stmt({ StatementId: 'alexa', Principal: '*', EventSourceToken: token })).Condition, {
      StringEquals: { 'lambda:EventSourceToken': token },
    });
    await expectAwsError(
      add({ StatementId: 'lambda', Principal: 'invalid.nonaws.com', SourceAccount: ACCOUNT }),
      'InvalidParameterValueException',
      400,
      'The provided principal was invalid. Please check the principal and try again.',
    );
    const v1 = await policy('1');
    assert.equal((v1.doc.Statement as unknown[]).length, 5);
  });

  test('per-qualifier policies: version and alias are separate from the function', async () => {
    await add({ StatementId: 'fn-wide' });
    await add({ StatementId: 'alias-only', Qualifier: 'live' });
    const viaName = await add({ FunctionName: `${FN}:live`, StatementId: 'alias-2' });
    assert.equal((JSON.parse(viaName.Statement ?? '') as { Resource: string }).Resource, `${ARN}:live`);

    const fnPolicy = await policy();
    assert.deepEqual((fnPolicy.doc.Statement as { Sid: string }[]).map((s) => s.Sid), ['fn-wide']);
    const aliasPolicy = await policy('live');
    assert.deepEqual(
      (aliasPolicy.doc.Statement as { Sid: string; Resource: string }[]).map((s) => [s.Sid, s.Resource]),
      [
        ['alias-only', `${ARN}:live`],
        ['alias-2', `${ARN}:live`],
      ],
    );
    // The function's own ARN with a qualifier works as well as ?Qualifier.
    const byArn = await sdk.send(new GetPolicyCommand({ FunctionName: `${ARN}:live` }));
    assert.equal(byArn.RevisionId, aliasPolicy.revisionId);

    // A deleted alias takes its policy along: a new alias of that name starts without one.
    await sdk.send(new DeleteAliasCommand({ FunctionName: FN, Name: 'live' }));
    await sdk.send(new CreateAliasCommand({ FunctionName: FN, Name: 'live', FunctionVersion: '1' }));
    await expectAwsError(
      sdk.send(new GetPolicyCommand({ FunctionName: FN, Qualifier: 'live' })),
      'ResourceNotFoundException',
      404,
      'The resource you requested does not exist.',
    );
  });

  test('RevisionId preconditions', async () => {
    const current = await policy();
    await expectAwsError(add({ StatementId: 'late', RevisionId: 'wrong' }), 'PreconditionFailedException', 412, GET_POLICY_412);
    await add({ StatementId: 'late', RevisionId: current.revisionId });
    const next = await policy();
    assert.notEqual(next.revisionId, current.revisionId);
    await expectAwsError(
      sdk.send(new RemovePermissionCommand({ FunctionName: FN, StatementId: 'late', RevisionId: current.revisionId })),
      'PreconditionFailedException',
      412,
      GET_POLICY_412,
    );
    await sdk.send(new RemovePermissionCommand({ FunctionName: FN, StatementId: 'late', RevisionId: next.revisionId }));

    // Before an alias has a policy, its own RevisionId is the one to match.
    const alias = await sdk.send(new CreateAliasCommand({ FunctionName: FN, Name: 'rev-alias', FunctionVersion: '1' }));
    await expectAwsError(
      add({ Qualifier: 'rev-alias', RevisionId: 'wrong' }),
      'PreconditionFailedException',
      412,
      GET_POLICY_412,
    );
    await add({ FunctionName: `${FN}:rev-alias`, Qualifier: 'rev-alias', RevisionId: alias.RevisionId });
    const aliasPolicy = await policy('rev-alias');
    assert.notEqual(aliasPolicy.revisionId, alias.RevisionId);
  });

  test('errors of names and qualifiers, with AWS messages', async () => {
    await expectAwsError(
      add({ StatementId: 'example.com' }),
      'ValidationException',
      400,
      "1 validation error detected: Value 'example.com' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
    );
    await expectAwsError(
      add({ FunctionName: `${FN}:alias-not-42`, Qualifier: '42' }),
      'InvalidParameterValueException',
      400,
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
    await expectAwsError(
      add({ FunctionName: `${FN}:$LATEST`, Qualifier: '$LATEST' }),
      'InvalidParameterValueException',
      400,
      'We currently do not support adding policies for $LATEST.',
    );
    await expectAwsError(
      add({ FunctionName: 'doesnotexist' }),
      'ResourceNotFoundException',
      404,
      `Function not found: arn:aws:lambda:${REGION}:${ACCOUNT}:function:doesnotexist`,
    );
    await expectAwsError(
      add({ FunctionName: `${FN}:alias-doesnotexist` }),
      'ResourceNotFoundException',
      404,
      `Cannot find alias arn: ${ARN}:alias-doesnotexist`,
    );
    await expectAwsError(add({ Qualifier: '42' }), 'ResourceNotFoundException', 404, `Function not found: ${ARN}:42`);
    await expectAwsError(
      add({ Qualifier: 'invalid-qualifier-with-?-char' }),
      'ValidationException',
      400,
      "1 validation error detected: Value 'invalid-qualifier-with-?-char' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: \\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+",
    );
    await expectAwsError(
      add({ Qualifier: 'valid-with-$-but-doesnotexist' }),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN}:valid-with-$-but-doesnotexist`,
    );
    await expectAwsError(
      sdk.send(new GetPolicyCommand({ FunctionName: 'doesnotexist' })),
      'ResourceNotFoundException',
      404,
      'The resource you requested does not exist.',
    );
    await expectAwsError(
      sdk.send(new GetPolicyCommand({ FunctionName: FN, Qualifier: '77' })),
      'ResourceNotFoundException',
      404,
      'The resource you requested does not exist.',
    );
    await expectAwsError(
      sdk.send(new RemovePermissionCommand({ FunctionName: 'doesnotexist', StatementId: 's3' })),
      'ResourceNotFoundException',
      404,
      `No policy found for: arn:aws:lambda:${REGION}:${ACCOUNT}:function:doesnotexist`,
    );
    await expectAwsError(
      sdk.send(new RemovePermissionCommand({ FunctionName: FN, StatementId: 's3', Qualifier: 'alias-doesnotexist' })),
      'ResourceNotFoundException',
      404,
      `Cannot find alias arn: ${ARN}:alias-doesnotexist`,
    );
  });

  test('the aws CLI adds, reads and removes a permission', { skip: NO_AWS }, async () => {
    const added = await lamina.aws([
      'lambda',
      'add-permission',
      '--function-name',
      FN,
      '--statement-id',
      'cli-events',
      '--action',
      'lambda:InvokeFunction',
      '--principal',
      'events.amazonaws.com',
      '--source-arn',
      `arn:aws:events:${REGION}:${ACCOUNT}:rule/nightly`,
      '--qualifier',
      '1',
    ]);
    assert.equal(added.code, 0, added.stderr);
    const statement = JSON.parse((JSON.parse(added.stdout) as { Statement: string }).Statement) as Record<string, unknown>;
    assert.equal(statement.Resource, `${ARN}:1`);
    assert.deepEqual(statement.Principal, { Service: 'events.amazonaws.com' });

    const got = await lamina.aws(['lambda', 'get-policy', '--function-name', FN, '--qualifier', '1']);
    assert.equal(got.code, 0, got.stderr);
    const out = JSON.parse(got.stdout) as { Policy: string; RevisionId: string };
    const sids = (JSON.parse(out.Policy) as { Statement: { Sid: string }[] }).Statement.map((s) => s.Sid);
    assert.ok(sids.includes('cli-events'), sids.join());
    assert.match(out.RevisionId, UUID);

    const removed = await lamina.aws([
      'lambda',
      'remove-permission',
      '--function-name',
      FN,
      '--statement-id',
      'cli-events',
      '--qualifier',
      '1',
      '--revision-id',
      out.RevisionId,
    ]);
    assert.equal(removed.code, 0, removed.stderr);
    const again = await lamina.aws(['lambda', 'remove-permission', '--function-name', FN, '--statement-id', 'cli-events', '--qualifier', '1']);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /ResourceNotFoundException/);
    assert.match(again.stderr, /Statement cli-events is not found in resource policy\./);
  });

  test('boto3 reads the policy document and its errors', { skip: NO_BOTO3 }, async () => {
    const r = await lamina.boto3(`
lambda_client.add_permission(FunctionName=${JSON.stringify(FN)}, StatementId="py", Action="lambda:InvokeFunction",
    Principal="sns.amazonaws.com", SourceArn="arn:aws:sns:${REGION}:${ACCOUNT}:topic")
p = lambda_client.get_policy(FunctionName=${JSON.stringify(FN)})
try:
    lambda_client.add_permission(FunctionName=${JSON.stringify(FN)}, StatementId="py2", Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com", RevisionId="stale")
    err = None
except lambda_client.exceptions.PreconditionFailedException as e:
    err = e.response["Error"]
print(json.dumps({"policy": json.loads(p["Policy"]), "rev": p["RevisionId"], "err": err}))
`);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { policy: { Statement: { Sid: string }[] }; rev: string; err: unknown };
    assert.ok(out.policy.Statement.some((s) => s.Sid === 'py'));
    assert.match(out.rev, UUID);
    assert.deepEqual(out.err, { Code: 'PreconditionFailedException', Message: GET_POLICY_412 });
  });

  test('raw answers match the botocore model', { skip: NO_MODEL }, async () => {
    const base = `/2015-03-31/functions/${FN}/policy`;
    const add1 = await checkedRequest(lamina, 'POST', base, {
      StatementId: 'model',
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      SourceArn: BUCKET,
    });
    assert.equal(add1.status, 201);
    assert.equal(
      (await checkedRequest(lamina, 'POST', base, { StatementId: 'model', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com' }))
        .status,
      409,
    );
    assert.equal((await checkedRequest(lamina, 'POST', `${base}?Qualifier=%24LATEST`, { StatementId: 'x', Action: '*', Principal: '*' })).status, 400);
    assert.equal((await checkedRequest(lamina, 'GET', base)).status, 200);
    assert.equal((await checkedRequest(lamina, 'GET', `/2015-03-31/functions/nope/policy`)).status, 404);
    assert.equal((await checkedRequest(lamina, 'DELETE', `${base}/model?RevisionId=stale`)).status, 412);
    assert.equal((await checkedRequest(lamina, 'DELETE', `${base}/model`)).status, 204);
    assert.equal((await checkedRequest(lamina, 'DELETE', `${base}/model`)).status, 404);
  });

  test('policies survive a crash of the server', async () => {
    const previous = await policy();
    await lamina.kill9();
    lamina = await lamina.restart();
    sdk = lamina.sdk();
    assert.deepEqual(await policy(), previous);
  });
});
