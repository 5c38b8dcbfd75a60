// Tags through real clients (AWS SDK for JavaScript v3, aws CLI, boto3): tagging, retagging
// and untagging a function by its ARN, the limit of 50, the refusals of version and alias
// ARNs and of unknown resources (AWS's recorded messages), raw responses against the botocore
// model, and tags surviving a crash of the server.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DeleteFunctionCommand,
  GetFunctionCommand,
  type LambdaClient,
  ListTagsCommand,
  PublishVersionCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-lambda';
import { expectAwsError } from '../helpers/aws-errors.js';
import { createZipFunction } from '../helpers/functions.js';
import { ACCOUNT, type LaminaProcess, REGION, startLamina } from '../helpers/lamina.js';
import { checkedRequest, rawRequest } from '../helpers/raw.js';
import { missing } from '../helpers/requirements.js';

const PREFIX = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:`;
const FN = 'tag-fn';
const ARN = `${PREFIX}${FN}`;
const NOT_ON_QUALIFIED = 'Tags on function aliases and versions are not supported. Please specify a function ARN.';
const RESOURCE_PATTERN =
  'arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)';
const NO_AWS = missing('aws', ['--version'], 'awscli');
const NO_BOTO3 = missing('python3', ['-c', 'import boto3'], 'python3-boto3');
const NO_MODEL = missing('python3', ['-c', 'import botocore'], 'python3-botocore');

let lamina: LaminaProcess;
let sdk: LambdaClient;

const listTags = async (resource = ARN) => (await sdk.send(new ListTagsCommand({ Resource: resource }))).Tags;
const tag = (Tags: Record<string, string>, resource = ARN) => sdk.send(new TagResourceCommand({ Resource: resource, Tags }));
const untag = (TagKeys: string[], resource = ARN) => sdk.send(new UntagResourceCommand({ Resource: resource, TagKeys }));

const createFunction = (name: string, tags?: Record<string, string>) =>
  createZipFunction(sdk, name, 'exports.handler = async () => 1;', { ...(tags && { Tags: tags }) });

describe('tags', () => {
  before(async () => {
    lamina = await startLamina();
    sdk = lamina.sdk();
    await createFunction(FN, { key_a: 'value_a' });
  });
  after(async () => {
    await lamina.dispose();
  });

  test('lifecycle: tags from CreateFunction, add, overwrite, untag, untag what is absent', async () => {
    assert.deepEqual(await listTags(), { key_a: 'value_a' });
    const added = await tag({ key_b: 'value_b', key_c: 'value_c', key_d: 'value_d' });
    assert.equal(added.$metadata.httpStatusCode, 204);
    await tag({ key_b: 'value_b', key_c: 'value_x' });
    assert.deepEqual(await listTags(), { key_a: 'value_a', key_b: 'value_b', key_c: 'value_x', key_d: 'value_d' });

    const removed = await untag(['key_c', 'key_d']);
    assert.equal(removed.$metadata.httpStatusCode, 204);
    assert.deepEqual(await listTags(), { key_a: 'value_a', key_b: 'value_b' });
    const fn = await sdk.send(new GetFunctionCommand({ FunctionName: FN }));
    assert.deepEqual(fn.Tags, { key_a: 'value_a', key_b: 'value_b' });

    // Keys the function does not have are no error, alone or mixed with ones it has.
    assert.equal((await untag(['F'])).$metadata.httpStatusCode, 204);
    await untag(['key_a', 'key_b', 'F']);
    assert.deepEqual(await listTags(), {});
    const untagged = await sdk.send(new GetFunctionCommand({ FunctionName: FN }));
    assert.equal(untagged.Tags, undefined);
  });

  test('at most 50 tags, counting those already there', async () => {
    await createFunction('tag-limits');
    const arn = `${PREFIX}tag-limits`;
    const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, k) => [`${k}_key`, `${k}_value`]));
    await expectAwsError(tag(many(51), arn), 'InvalidParameterValueException', 400, 'Number of tags exceeds resource tag limit.');
    await tag(many(50), arn);
    assert.equal(Object.keys((await listTags(arn)) ?? {}).length, 50);
    await expectAwsError(tag({ a_key: 'a_value' }, arn), 'InvalidParameterValueException', 400, 'Number of tags exceeds resource tag limit.');
    // Overwriting an existing key does not add to the count.
    await tag({ '0_key': 'changed' }, arn);
    assert.equal((await listTags(arn))?.['0_key'], 'changed');
  });

  test('refusals: versions, aliases, $LATEST, unknown resources, bad ARNs, empty input', async () => {
    await sdk.send(new PublishVersionCommand({ FunctionName: FN }));
    for (const qualified of [`${ARN}:1`, `${ARN}:$LATEST`, `${ARN}:v1`]) {
      await expectAwsError(tag({ k: 'v' }, qualified), 'InvalidParameterValueException', 400, NOT_ON_QUALIFIED);
    }
    await expectAwsError(listTags(`${PREFIX}doesnotexist:alias`), 'InvalidParameterValueException', 400, NOT_ON_QUALIFIED);
    for (const op of [() => tag({ A: 'B' }, `${PREFIX}doesnotexist`), () => untag(['A'], `${PREFIX}doesnotexist`), () => listTags(`${PREFIX}doesnotexist`)]) {
      await expectAwsError(op(), 'ResourceNotFoundException', 404, `Function not found: ${PREFIX}doesnotexist`);
    }
    const esm = `arn:aws:lambda:${REGION}:${ACCOUNT}:event-source-mapping:8e0c3b76-3c32-4a4c-9a5b-2b3c9b0e1f00`;
    await expectAwsError(listTags(esm), 'ResourceNotFoundException', 404, `Event source mapping not found: ${esm}`);
    await expectAwsError(
      tag({ key_a: 'value_a' }, 'arn:aws:something'),
      'ValidationException',
      400,
      `1 validation error detected: Value 'arn:aws:something' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: ${RESOURCE_PATTERN}`,
    );
    await expectAwsError(
      untag([]),
      'ValidationException',
      400,
      "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
    );
    await expectAwsError(tag({}), 'InvalidParameterValueException', 400, 'An error occurred and the request cannot be processed.');

    await createFunction('tag-deleted', { k: 'v' });
    await sdk.send(new DeleteFunctionCommand({ FunctionName: 'tag-deleted' }));
    await expectAwsError(listTags(`${PREFIX}tag-deleted`), 'ResourceNotFoundException', 404, `Function not found: ${PREFIX}tag-deleted`);
  });

  test('the aws CLI tags, lists and untags', { skip: NO_AWS }, async () => {
    const tagged = await lamina.aws(['lambda', 'tag-resource', '--resource', ARN, '--tags', 'team=core,env=dev']);
    assert.equal(tagged.code, 0, tagged.stderr);
    const listed = await lamina.aws(['lambda', 'list-tags', '--resource', ARN]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout), { Tags: { team: 'core', env: 'dev' } });
    const untagged = await lamina.aws(['lambda', 'untag-resource', '--resource', ARN, '--tag-keys', 'team', 'nope']);
    assert.equal(untagged.code, 0, untagged.stderr);
    assert.deepEqual(await listTags(), { env: 'dev' });
    const refused = await lamina.aws(['lambda', 'tag-resource', '--resource', `${ARN}:1`, '--tags', 'a=b']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /InvalidParameterValueException/);
  });

  test('boto3 lists tags and reads a refusal', { skip: NO_BOTO3 }, async () => {
    const r = await lamina.boto3(`
lambda_client.tag_resource(Resource=${JSON.stringify(ARN)}, Tags={"py": "yes"})
t = lambda_client.list_tags(Resource=${JSON.stringify(ARN)})
try:
    lambda_client.list_tags(Resource=${JSON.stringify(`${PREFIX}nope`)})
    err = None
except lambda_client.exceptions.ResourceNotFoundException as e:
    err = e.response["Error"]
print(json.dumps({"tags": t["Tags"], "err": err}))
`);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { tags: Record<string, string>; err: unknown };
    assert.equal(out.tags.py, 'yes');
    assert.deepEqual(out.err, { Code: 'ResourceNotFoundException', Message: `Function not found: ${PREFIX}nope` });
  });

  test('raw answers match the botocore model', { skip: NO_MODEL }, async () => {
    const path = `/2017-03-31/tags/${encodeURIComponent(ARN)}`;
    assert.equal((await checkedRequest(lamina, 'POST', path, { Tags: { raw: '1' } })).status, 204);
    assert.equal((await checkedRequest(lamina, 'POST', path, { Tags: {} })).status, 400);
    assert.equal((await checkedRequest(lamina, 'GET', path)).status, 200);
    assert.equal((await checkedRequest(lamina, 'GET', `/2017-03-31/tags/${encodeURIComponent(`${PREFIX}nope`)}`)).status, 404);
    assert.equal((await checkedRequest(lamina, 'DELETE', `${path}?tagKeys=raw&tagKeys=other`)).status, 204);
    assert.equal((await checkedRequest(lamina, 'DELETE', path)).status, 400);
    // Clients that do not encode the ARN's colons reach the same resource.
    const plain = await rawRequest(lamina, 'GET', `/2017-03-31/tags/${ARN}`);
    assert.equal(plain.status, 200);
  });

  test('tags survive a crash of the server', async () => {
    await tag({ durable: 'yes' });
    const previous = await listTags();
    await lamina.kill9();
    lamina = await lamina.restart();
    sdk = lamina.sdk();
    assert.deepEqual(await listTags(), previous);
  });
});
