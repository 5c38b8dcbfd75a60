// Tests for the botocore-model response checker: each rule against small inline models, then
// a few hand-written responses against the real Lambda, CloudWatch Logs and EventBridge models.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertExchangeMatchesModel,
  assertResponseMatchesModel,
  checkExchange,
  checkResponse,
  loadAwsModel,
  modelUnavailableReason,
  operationFor,
  BOTOCORE_PACKAGE,
  type AwsModel,
  type CheckOptions,
  type ModelProblem,
  type RawResponse,
} from './aws-model.js';

// ---------------------------------------------------------------------------------------------
// A synthetic restJson service exercising every rule.

const restModel: AwsModel = {
  metadata: { protocol: 'rest-json', apiVersion: '2020-01-01', endpointPrefix: 'things' },
  operations: {
    GetThing: { http: { method: 'GET', requestUri: '/2020-01-01/things/{Name}', responseCode: 200 }, output: { shape: 'GetThingOutput' } },
    CreateThing: { http: { method: 'POST', requestUri: '/2020-01-01/things', responseCode: 201 }, output: { shape: 'Thing' } },
    ListThings: { http: { method: 'GET', requestUri: '/2020-01-01/things/' }, output: { shape: 'ListThingsOutput' } },
    DeleteThing: { http: { method: 'DELETE', requestUri: '/2020-01-01/things/{Name}', responseCode: 200 }, output: { shape: 'DeleteThingOutput' } },
    RemoveThing: { http: { method: 'DELETE', requestUri: '/2020-01-01/things/{Name}/owner', responseCode: 204 } },
    GetBlob: { http: { method: 'GET', requestUri: '/2020-01-01/blobs/{Key+}' }, output: { shape: 'GetBlobOutput' } },
    GetBlobMeta: { http: { method: 'GET', requestUri: '/2020-01-01/blobs/{Key+}/meta' }, output: { shape: 'Thing' } },
    GetConfig: { http: { method: 'GET', requestUri: '/2020-01-01/config?find=Config' }, output: { shape: 'GetConfigOutput' } },
    ListConfigs: { http: { method: 'GET', requestUri: '/2020-01-01/config' }, output: { shape: 'ListThingsOutput' } },
    ListAllConfigs: { http: { method: 'GET', requestUri: '/2020-01-01/config?List=ALL' }, output: { shape: 'ListThingsOutput' } },
    GetChoice: { http: { method: 'GET', requestUri: '/2020-01-01/choice' }, output: { shape: 'GetChoiceOutput' } },
  },
  shapes: {
    String: { type: 'string' },
    Integer: { type: 'integer' },
    Long: { type: 'long' },
    Double: { type: 'double' },
    Boolean: { type: 'boolean' },
    Epoch: { type: 'timestamp' },
    IsoTime: { type: 'timestamp', timestampFormat: 'iso8601' },
    Blob: { type: 'blob' },
    BlobStream: { type: 'blob', streaming: true },
    State: { type: 'string', enum: ['Active', 'Pending'] },
    Runtime: { type: 'string', enum: ['nodejs20.x'] },
    Name: { type: 'string', min: 1, max: 8, pattern: '^[a-z]+$' },
    Memory: { type: 'integer', min: 128, max: 1024 },
    TagKey: { type: 'string', max: 5 },
    TagMap: { type: 'map', key: { shape: 'TagKey' }, value: { shape: 'String' } },
    Item: { type: 'structure', required: ['Id'], members: { Id: { shape: 'String' }, Size: { shape: 'Long' } } },
    ItemList: { type: 'list', member: { shape: 'Item' }, min: 1, max: 2 },
    Thing: { type: 'structure', members: { Name: { shape: 'Name' } } },
    GetThingOutput: {
      type: 'structure',
      required: ['Name', 'Version'],
      members: {
        Name: { shape: 'Name' },
        Count: { shape: 'Integer' },
        Memory: { shape: 'Memory' },
        Ratio: { shape: 'Double' },
        Enabled: { shape: 'Boolean' },
        State: { shape: 'State' },
        Runtime: { shape: 'Runtime' },
        Created: { shape: 'Epoch' },
        Updated: { shape: 'IsoTime' },
        Data: { shape: 'Blob' },
        Tags: { shape: 'TagMap' },
        Items: { shape: 'ItemList' },
        Renamed: { shape: 'String', locationName: 'renamed_field' },
        Version: { shape: 'Integer', location: 'header', locationName: 'X-Thing-Version' },
        Cached: { shape: 'Boolean', location: 'header', locationName: 'X-Thing-Cached' },
        Expires: { shape: 'Epoch', location: 'header', locationName: 'X-Thing-Expires' },
        Ignored: { shape: 'String', location: 'querystring', locationName: 'ignored' },
      },
    },
    ListThingsOutput: { type: 'structure', members: { Names: { shape: 'NameList' }, NextMarker: { shape: 'String' } } },
    NameList: { type: 'list', member: { shape: 'String' } },
    DeleteThingOutput: { type: 'structure', members: { StatusCode: { shape: 'Integer', location: 'statusCode' } } },
    GetBlobOutput: {
      type: 'structure',
      required: ['Body'],
      members: {
        Body: { shape: 'BlobStream' },
        ContentType: { shape: 'String', location: 'header', locationName: 'Content-Type' },
      },
      payload: 'Body',
    },
    GetConfigOutput: { type: 'structure', members: { Config: { shape: 'Item' } }, payload: 'Config' },
    Choice: { type: 'structure', union: true, members: { A: { shape: 'String' }, B: { shape: 'Integer' } } },
    GetChoiceOutput: { type: 'structure', members: { Choice: { shape: 'Choice' } } },
    NotFoundException: {
      type: 'structure',
      members: { Type: { shape: 'String' }, Message: { shape: 'String' } },
      error: { httpStatusCode: 404, senderFault: true },
      exception: true,
    },
    ConflictException: {
      type: 'structure',
      members: { Type: { shape: 'String' }, message: { shape: 'String' } },
      error: { httpStatusCode: 409, senderFault: true },
      exception: true,
    },
    TooManyRequestsException: {
      type: 'structure',
      members: {
        retryAfterSeconds: { shape: 'Integer', location: 'header', locationName: 'Retry-After' },
        Type: { shape: 'String' },
        message: { shape: 'String' },
        Reason: { shape: 'State' },
      },
      error: { httpStatusCode: 429, senderFault: true },
      exception: true,
    },
    RequestTooLargeException: {
      type: 'structure',
      members: { Type: { shape: 'String' }, message: { shape: 'String' } },
      error: { httpStatusCode: 413, senderFault: true },
      exception: true,
    },
    BrokenException: { type: 'structure', members: {}, exception: true, fault: true },
  },
};

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
const res = (status: number, body: unknown = '', headers: RawResponse['headers'] = {}): RawResponse => ({
  status,
  headers,
  body: Buffer.isBuffer(body) ? body : typeof body === 'string' ? Buffer.from(body) : json(body),
});
const goodThing = {
  Name: 'widget',
  Count: 3,
  Memory: 256,
  Ratio: 0.5,
  Enabled: true,
  State: 'Active',
  Runtime: 'nodejs20.x',
  Created: 1700000000.25,
  Updated: '2024-01-02T03:04:05.000Z',
  Data: Buffer.from('hello').toString('base64'),
  Tags: { env: 'dev' },
  Items: [{ Id: 'a', Size: 10 }],
  renamed_field: 'x',
};
const goodHeaders = {
  'x-thing-version': '7',
  'x-thing-cached': 'false',
  'x-thing-expires': 'Tue, 02 Jan 2024 03:04:05 GMT',
  'content-type': 'application/json',
};

function getThing(body: unknown, headers: RawResponse['headers'] = goodHeaders, options?: CheckOptions): ModelProblem[] {
  return checkResponse(restModel, 'GetThing', res(200, body, headers), options);
}
/** [kind, path] of each problem, for compact assertions. */
const kp = (problems: readonly ModelProblem[]): string[][] => problems.map((p) => [p.kind, p.path]);

describe('success responses', () => {
  test('a conforming response has no problems', () => {
    assert.deepEqual(getThing(goodThing), []);
  });

  test('the status must be the modelled responseCode unless allowed', () => {
    assert.deepEqual(kp(checkResponse(restModel, 'CreateThing', res(200, { Name: 'a' }))), [['status', 'status']]);
    assert.deepEqual(checkResponse(restModel, 'CreateThing', res(201, { Name: 'a' })), []);
    assert.deepEqual(checkResponse(restModel, 'CreateThing', res(200, { Name: 'a' }), { allowStatus: [200] }), []);
    assert.deepEqual(checkResponse(restModel, 'ListThings', res(200, {})), [], 'responseCode defaults to 200');
    assert.deepEqual(kp(checkResponse(restModel, 'RemoveThing', res(200))), [['status', 'status']]);
    assert.deepEqual(kp(checkResponse(restModel, 'GetThing', res(302))), [['status', 'status']]);
  });

  test('a statusCode-bound output member makes any 2xx acceptable', () => {
    assert.deepEqual(checkResponse(restModel, 'DeleteThing', res(204)), []);
    assert.deepEqual(checkResponse(restModel, 'DeleteThing', res(200)), []);
    assert.deepEqual(kp(checkResponse(restModel, 'DeleteThing', res(204, { StatusCode: 204 }))), [['unknown-member', '$.StatusCode']]);
  });

  test('an operation without output needs an empty body', () => {
    assert.deepEqual(checkResponse(restModel, 'RemoveThing', res(204)), []);
    assert.deepEqual(checkResponse(restModel, 'RemoveThing', res(204, {})), []);
    assert.deepEqual(kp(checkResponse(restModel, 'RemoveThing', res(204, { a: 1 }))), [['unknown-member', '$.a']]);
    assert.deepEqual(kp(checkResponse(restModel, 'RemoveThing', res(204, 'ok'))), [['json', '$']]);
  });

  test('unknown members are reported with their path, locationName is the wire name', () => {
    const problems = getThing({ ...goodThing, Extra: 1, Items: [{ Id: 'a', Oops: true }], Renamed: 'y' });
    assert.deepEqual(kp(problems), [
      ['unknown-member', '$.Items[0].Oops'],
      ['unknown-member', '$.Extra'],
      ['unknown-member', '$.Renamed'],
    ]);
  });

  test('header-bound members may not appear in the body', () => {
    assert.deepEqual(kp(getThing({ ...goodThing, Version: 7 })), [['unknown-member', '$.Version']]);
  });

  test('types of every scalar and container are checked', () => {
    const problems = getThing({
      ...goodThing,
      Count: '3',
      Memory: 256.5,
      Ratio: 'half',
      Enabled: 'true',
      State: 1,
      Created: '2024-01-02T03:04:05Z',
      Updated: 1700000000,
      Data: 'not base64!',
      Tags: ['env'],
      Items: { Id: 'a' },
      renamed_field: 5,
    });
    assert.deepEqual(kp(problems), [
      ['type', '$.Count'],
      ['type', '$.Memory'],
      ['type', '$.Ratio'],
      ['type', '$.Enabled'],
      ['type', '$.State'],
      ['type', '$.Created'],
      ['type', '$.Updated'],
      ['type', '$.Data'],
      ['type', '$.Tags'],
      ['type', '$.Items'],
      ['type', '$.renamed_field'],
    ]);
    assert.match(problems[0]?.message ?? '', /integer/);
  });

  test('numbers: integer range, NaN/Infinity strings for doubles', () => {
    assert.deepEqual(kp(getThing({ ...goodThing, Count: 2 ** 31 })), [['type', '$.Count']]);
    assert.deepEqual(getThing({ ...goodThing, Ratio: 'NaN' }), []);
    assert.deepEqual(getThing({ ...goodThing, Ratio: 2 }), []);
  });

  test('the body root must be a JSON object', () => {
    assert.deepEqual(kp(getThing([goodThing])), [['type', '$']]);
    assert.deepEqual(kp(getThing('{"Name":')), [['json', '$']]);
  });

  test('required members, in the body and in headers', () => {
    const { Name: _name, ...noName } = goodThing;
    const { 'x-thing-version': _v, ...noVersion } = goodHeaders;
    assert.deepEqual(kp(getThing({ ...noName, Items: [{ Size: 1 }] }, noVersion)), [
      ['missing-required', 'headers["x-thing-version"]'],
      ['missing-required', '$.Items[0].Id'],
      ['missing-required', '$.Name'],
    ]);
  });

  test('null values are reported', () => {
    assert.deepEqual(kp(getThing({ ...goodThing, Count: null, Tags: { a: null }, Items: [null] })), [
      ['null', '$.Count'],
      ['null', '$.Tags.a'],
      ['null', '$.Items[0]'],
    ]);
  });

  test('enum violations have their own kind and can be turned off; Runtime is open', () => {
    const problems = getThing({ ...goodThing, State: 'Bogus', Runtime: 'bun1.x' });
    assert.deepEqual(kp(problems), [['enum', '$.State']]);
    assert.match(problems[0]?.message ?? '', /"Bogus" is not in enum State \(Active, Pending\)/);
    assert.deepEqual(getThing({ ...goodThing, State: 'Bogus' }, goodHeaders, { enums: false }), []);
    assert.deepEqual(kp(getThing({ ...goodThing, Runtime: 'bun1.x' }, goodHeaders, { openEnums: [] })), [['enum', '$.Runtime']]);
  });

  test('constraints: lengths, ranges, patterns, map keys; can be turned off', () => {
    const bad = { ...goodThing, Name: 'Widget9', Memory: 64, Items: [], Tags: { toolongkey: 'v' } };
    assert.deepEqual(kp(getThing(bad)), [
      ['pattern', '$.Name'],
      ['range', '$.Memory'],
      ['length', '$.Tags.toolongkey'],
      ['length', '$.Items'],
    ]);
    assert.deepEqual(kp(getThing({ ...goodThing, Name: 'abcdefghi', Items: [{ Id: 'a' }, { Id: 'b' }, { Id: 'c' }] })), [
      ['length', '$.Name'],
      ['length', '$.Items'],
    ]);
    assert.deepEqual(getThing(bad, goodHeaders, { constraints: false }), []);
  });

  test('paths quote keys that are not identifiers', () => {
    assert.deepEqual(kp(getThing({ ...goodThing, Tags: { 'a b': 1 } })), [['type', '$.Tags["a b"]']]);
  });

  test('header members are parsed by type (node headers or fetch Headers)', () => {
    const bad = { 'x-thing-version': 'seven', 'x-thing-cached': 'yes', 'x-thing-expires': '2024-01-02' };
    assert.deepEqual(kp(getThing(goodThing, bad)), [
      ['type', 'headers["x-thing-version"]'],
      ['type', 'headers["x-thing-cached"]'],
      ['type', 'headers["x-thing-expires"]'],
    ]);
    assert.deepEqual(getThing(goodThing, new Headers(goodHeaders)), []);
    assert.deepEqual(getThing(goodThing, { ...goodHeaders, 'x-thing-version': ['7'] }), []);
  });

  test('a blob payload takes any bytes; a required one must be present', () => {
    const bytes = Buffer.from([0xff, 0x00, 0x10]);
    assert.deepEqual(checkResponse(restModel, 'GetBlob', res(200, bytes, { 'content-type': 'application/octet-stream' })), []);
    assert.deepEqual(kp(checkResponse(restModel, 'GetBlob', res(200, Buffer.alloc(0)))), [['missing-required', '$']]);
  });

  test('a structure payload is the whole JSON body', () => {
    assert.deepEqual(checkResponse(restModel, 'GetConfig', res(200, { Id: 'x', Size: 1 })), []);
    assert.deepEqual(kp(checkResponse(restModel, 'GetConfig', res(200, { Config: { Id: 'x' } }))), [
      ['unknown-member', '$.Config'],
      ['missing-required', '$.Id'],
    ]);
    assert.deepEqual(kp(checkResponse(restModel, 'GetConfig', res(200, 'nope'))), [['json', '$']]);
  });

  test('a union has exactly one member set', () => {
    assert.deepEqual(checkResponse(restModel, 'GetChoice', res(200, { Choice: { A: 'x' } })), []);
    assert.deepEqual(kp(checkResponse(restModel, 'GetChoice', res(200, { Choice: { A: 'x', B: 1 } }))), [['union', '$.Choice']]);
    assert.deepEqual(kp(checkResponse(restModel, 'GetChoice', res(200, { Choice: {} }))), [['union', '$.Choice']]);
  });

  test('an unknown operation name is a usage error', () => {
    assert.throws(() => checkResponse(restModel, 'Nope', res(200)), /no operation Nope/);
  });
});

describe('error responses', () => {
  const err = (status: number, code: string | undefined, body: unknown, headers: Record<string, string> = {}): ModelProblem[] =>
    checkResponse(restModel, 'GetThing', res(status, body, code === undefined ? headers : { 'x-amzn-errortype': code, ...headers }));

  test('a modelled exception with its status and members passes', () => {
    assert.deepEqual(err(404, 'NotFoundException', { Type: 'User', Message: 'gone' }), []);
    assert.deepEqual(err(404, 'NotFoundException:http://internal.amazon.com/coral/com.amazonaws.things/', { Type: 'User', Message: 'gone' }), []);
    assert.deepEqual(err(409, undefined, { __type: 'com.amazonaws.things#ConflictException', Type: 'User', message: 'busy' }), []);
    assert.deepEqual(err(409, undefined, { code: 'ConflictException', message: 'busy' }), []);
  });

  test('the status must be the shape’s httpStatusCode (or allowed)', () => {
    assert.deepEqual(kp(err(400, 'NotFoundException', { Message: 'gone' })), [['status', 'status']]);
    assert.deepEqual(checkResponse(restModel, 'GetThing', res(400, { Message: 'gone' }, { 'x-amzn-errortype': 'NotFoundException' }), { allowStatus: [400] }), []);
    assert.deepEqual(kp(err(400, 'BrokenException', {})), [['status', 'status']]);
    assert.deepEqual(err(503, 'BrokenException', { message: 'down' }), [], 'no declared message member: either casing is fine');
  });

  test('members follow the shape, including the casing of message', () => {
    const problems = err(409, 'ConflictException', { Type: 'User', Message: 'busy', Extra: 1 });
    assert.deepEqual(kp(problems), [
      ['unknown-member', '$.Message'],
      ['unknown-member', '$.Extra'],
    ]);
    assert.match(problems[0]?.message ?? '', /did you mean "message"/);
    assert.deepEqual(kp(err(429, 'TooManyRequestsException', { message: 'slow', Reason: 'Nope' }, { 'retry-after': 'soon' })), [
      ['type', 'headers["retry-after"]'],
      ['enum', '$.Reason'],
    ]);
    assert.deepEqual(err(429, 'TooManyRequestsException', { Type: 'User', message: 'slow' }, { 'retry-after': '3' }), []);
  });

  test('the error code must be present, consistent and known', () => {
    assert.deepEqual(kp(err(404, undefined, { Message: 'gone' })), [['error-code', 'headers["x-amzn-errortype"]']]);
    assert.deepEqual(kp(err(404, 'NotFoundException', { __type: 'ConflictException', Message: 'x' })), [
      ['error-code', 'headers["x-amzn-errortype"]'],
    ]);
    assert.deepEqual(kp(err(400, 'MadeUpException', { message: 'x' })), [['error-code', 'headers["x-amzn-errortype"]']]);
    assert.deepEqual(kp(err(404, 'String', { message: 'x' })), [['error-code', 'headers["x-amzn-errortype"]']], 'not an exception shape');
  });

  test('RequestEntityTooLargeException is the model’s RequestTooLargeException (413)', () => {
    assert.deepEqual(err(413, 'RequestEntityTooLargeException', { message: 'too big' }), []);
    assert.deepEqual(kp(err(400, 'RequestEntityTooLargeException', { message: 'too big' })), [['status', 'status']]);
  });

  test('generic AWS errors: known statuses, message-only bodies', () => {
    assert.deepEqual(err(403, 'UnrecognizedClientException', { message: 'bad token' }), []);
    assert.deepEqual(err(403, 'AccessDeniedException', { Message: 'no' }), []);
    assert.deepEqual(err(404, 'UnknownOperationException', {}), []);
    assert.deepEqual(kp(err(500, 'ValidationException', { message: 'x' })), [['status', 'status']]);
    assert.deepEqual(kp(err(400, 'SerializationException', { message: 1, Type: 'User' })), [
      ['type', '$.message'],
      ['unknown-member', '$.Type'],
    ]);
  });

  test('error bodies must be JSON', () => {
    assert.deepEqual(kp(err(404, 'NotFoundException', '<html>')), [['json', '$']]);
  });
});

describe('assertResponseMatchesModel', () => {
  test('passes silently on a conforming response', () => {
    assertResponseMatchesModel(restModel, 'GetThing', res(200, goodThing, goodHeaders));
  });

  test('throws an AssertionError listing every problem with its path', () => {
    assert.throws(
      () => assertResponseMatchesModel(restModel, 'GetThing', res(200, { ...goodThing, Count: 'x', Bogus: 1 }, goodHeaders)),
      (e: unknown) => {
        assert.ok(e instanceof assert.AssertionError);
        assert.match(e.message, /^GetThing: HTTP 200 response does not match the botocore model things 2020-01-01 \(2 problems\)/);
        assert.match(e.message, /\$\.Count \[type\]/);
        assert.match(e.message, /\$\.Bogus \[unknown-member\]/);
        return true;
      },
    );
  });
});

describe('operationFor', () => {
  const cases: [string, string, string | undefined][] = [
    ['GET', '/2020-01-01/things/widget', 'GetThing'],
    ['get', '/2020-01-01/things/widget?x=1', 'GetThing'],
    ['GET', '/2020-01-01/things', 'ListThings'],
    ['GET', '/2020-01-01/things/', 'ListThings'],
    ['POST', '/2020-01-01/things', 'CreateThing'],
    ['DELETE', '/2020-01-01/things/widget', 'DeleteThing'],
    ['DELETE', '/2020-01-01/things/widget/owner', 'RemoveThing'],
    ['GET', '/2020-01-01/blobs/a/b/c.txt', 'GetBlob'],
    ['GET', '/2020-01-01/blobs/a/b/meta', 'GetBlobMeta'],
    ['GET', '/2020-01-01/config', 'ListConfigs'],
    ['GET', '/2020-01-01/config?find=Config&x=1', 'GetConfig'],
    ['GET', '/2020-01-01/config?find=Other', 'ListConfigs'],
    ['GET', '/2020-01-01/config?List=ALL', 'ListAllConfigs'],
    ['GET', 'http://127.0.0.1:9001/2020-01-01/things/w', 'GetThing'],
    ['PUT', '/2020-01-01/things/widget', undefined],
    ['GET', '/2020-01-01/things/a/b', undefined],
    ['GET', '/elsewhere', undefined],
  ];
  for (const [method, path, expected] of cases) {
    test(`${method} ${path} → ${expected ?? 'none'}`, () => {
      assert.equal(operationFor(restModel, method, path), expected);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// A synthetic awsJson service: operations by X-Amz-Target, everything in the body.

const jsonModel: AwsModel = {
  metadata: { protocol: 'json', apiVersion: '2014-03-28', endpointPrefix: 'stuff', targetPrefix: 'Stuff_20140328' },
  operations: {
    DescribeStuff: { http: { method: 'POST', requestUri: '/' }, output: { shape: 'DescribeStuffResponse' } },
    DeleteStuff: { http: { method: 'POST', requestUri: '/' } },
  },
  shapes: {
    String: { type: 'string' },
    Timestamp: { type: 'long', min: 0 },
    DescribeStuffResponse: { type: 'structure', members: { names: { shape: 'String' }, creationTime: { shape: 'Timestamp' } } },
    ResourceNotFoundException: { type: 'structure', members: {}, exception: true },
  },
};

describe('awsJson protocol', () => {
  const target = (op: string) => ({ 'x-amz-target': `Stuff_20140328.${op}`, 'content-type': 'application/x-amz-json-1.1' });

  test('operations are found by X-Amz-Target', () => {
    assert.equal(operationFor(jsonModel, 'POST', '/', target('DescribeStuff')), 'DescribeStuff');
    assert.equal(operationFor(jsonModel, 'POST', '/', { 'x-amz-target': 'Other_1.DescribeStuff' }), undefined);
    assert.equal(operationFor(jsonModel, 'POST', '/', target('Nope')), undefined);
    assert.equal(operationFor(jsonModel, 'POST', '/'), undefined);
  });

  test('the whole output is the body', () => {
    assert.deepEqual(checkResponse(jsonModel, 'DescribeStuff', res(200, { names: 'a', creationTime: 1 })), []);
    assert.deepEqual(kp(checkResponse(jsonModel, 'DescribeStuff', res(200, { names: 'a', creationTime: -1, x: 1 }))), [
      ['range', '$.creationTime'],
      ['unknown-member', '$.x'],
    ]);
    assert.deepEqual(checkResponse(jsonModel, 'DeleteStuff', res(200)), []);
  });

  test('errors: __type in the body, message accepted when the shape has none, 4xx', () => {
    const e = (status: number, body: unknown) => checkResponse(jsonModel, 'DescribeStuff', res(status, body));
    assert.deepEqual(e(400, { __type: 'com.amazonaws.stuff#ResourceNotFoundException', message: 'gone' }), []);
    assert.deepEqual(kp(e(500, { __type: 'ResourceNotFoundException' })), [['status', 'status']]);
    assert.deepEqual(kp(e(400, { __type: 'ResourceNotFoundException', detail: 1 })), [['unknown-member', '$.detail']]);
  });
});

describe('checkExchange', () => {
  test('finds the operation from the request', () => {
    const req = { method: 'GET', path: '/2020-01-01/things/widget' };
    assert.deepEqual(checkExchange(restModel, req, res(200, goodThing, goodHeaders)), []);
    assert.deepEqual(kp(checkExchange(restModel, req, res(200, { ...goodThing, X: 1 }, goodHeaders))), [['unknown-member', '$.X']]);
    assertExchangeMatchesModel(restModel, req, res(200, goodThing, goodHeaders));
  });

  test('an error to an unmatched request is still checked; a success to it is a problem', () => {
    const req = { method: 'GET', path: '/nowhere' };
    assert.deepEqual(checkExchange(restModel, req, res(404, { message: 'x' }, { 'x-amzn-errortype': 'UnknownOperationException' })), []);
    assert.deepEqual(kp(checkExchange(restModel, req, res(200, {}))), [['operation', 'request']]);
    assert.throws(() => assertExchangeMatchesModel(restModel, req, res(200, {})), /no operation \(GET \/nowhere\)/);
  });
});

describe('model loading', () => {
  test('an unknown service yields undefined and a reason naming the package', () => {
    assert.equal(loadAwsModel('no-such-service-xyz'), undefined);
    const reason = modelUnavailableReason('no-such-service-xyz');
    assert.ok(reason?.includes(BOTOCORE_PACKAGE) && reason.includes('pip install botocore'), reason);
  });
});

// ---------------------------------------------------------------------------------------------
// The real botocore models. Skipped (with the package to install) when botocore is missing,
// except in CI (LAMINA_REQUIRE_ALL=1, as test/helpers/requirements.ts), where nothing may be skipped.

const unavailable = modelUnavailableReason('lambda');
if (unavailable !== undefined && process.env.LAMINA_REQUIRE_ALL === '1') {
  throw new Error(`${unavailable}: nothing may be skipped in CI`);
}
const skip = unavailable ?? false;

function lambda(): AwsModel {
  const model = loadAwsModel('lambda');
  assert.ok(model);
  return model;
}

describe('the real Lambda model', { skip }, () => {
  const settings = {
    AccountLimit: {
      TotalCodeSize: 80530636800,
      CodeSizeUnzipped: 262144000,
      CodeSizeZipped: 52428800,
      ConcurrentExecutions: 1000,
      UnreservedConcurrentExecutions: 1000,
    },
    AccountUsage: { TotalCodeSize: 1234, FunctionCount: 2 },
  };
  const okHeaders = { 'content-type': 'application/json', 'x-amzn-requestid': 'abc' };

  test('is the 2015-03-31 restJson model, cached per process', () => {
    const model = lambda();
    assert.equal(model.metadata.apiVersion, '2015-03-31');
    assert.equal(model.metadata.protocol, 'rest-json');
    assert.equal(loadAwsModel('lambda'), model);
    assert.equal(modelUnavailableReason('lambda'), undefined);
  });

  test('a correct GetAccountSettings response passes', () => {
    assertResponseMatchesModel(lambda(), 'GetAccountSettings', res(200, settings, okHeaders));
  });

  test('an extra field, a string for an integer, a bad enum and a missing member fail precisely', () => {
    const model = lambda();
    const extra = { ...settings, AccountLimit: { ...settings.AccountLimit, Bogus: 1 } };
    assert.deepEqual(kp(checkResponse(model, 'GetAccountSettings', res(200, extra))), [['unknown-member', '$.AccountLimit.Bogus']]);
    const str = { ...settings, AccountLimit: { ...settings.AccountLimit, ConcurrentExecutions: '1000' } };
    assert.deepEqual(kp(checkResponse(model, 'GetAccountSettings', res(200, str))), [['type', '$.AccountLimit.ConcurrentExecutions']]);

    const config = {
      FunctionName: 'f',
      FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
      Runtime: 'bun1.x', // not in the enum, but Runtime is open
      Role: 'arn:aws:iam::123456789012:role/r',
      Handler: 'index.handler',
      CodeSize: 300,
      Description: '',
      Timeout: 3,
      MemorySize: 128,
      LastModified: '2024-01-02T03:04:05.000+0000', // a string shape in the model, not a timestamp
      CodeSha256: 'abc=',
      Version: '$LATEST',
      State: 'Active',
      PackageType: 'Zip',
      Architectures: ['x86_64'],
      EphemeralStorage: { Size: 512 },
    };
    assert.deepEqual(checkResponse(model, 'GetFunctionConfiguration', res(200, config)), []);
    assert.deepEqual(kp(checkResponse(model, 'GetFunctionConfiguration', res(200, { ...config, State: 'Running' }))), [['enum', '$.State']]);
    assert.deepEqual(kp(checkResponse(model, 'GetFunctionConfiguration', res(200, { ...config, LastModified: 1700000000 }))), [
      ['type', '$.LastModified'],
    ]);
    assert.deepEqual(kp(checkResponse(model, 'GetFunctionConfiguration', res(200, { ...config, Architectures: ['x86_64', 'arm64'] }))), [
      ['length', '$.Architectures'],
    ]);

    const url = {
      FunctionUrl: 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws/',
      FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
      AuthType: 'NONE',
      CreationTime: '2024-01-02T03:04:05.000Z',
      LastModifiedTime: '2024-01-02T03:04:05.000Z',
    };
    assert.deepEqual(checkResponse(model, 'GetFunctionUrlConfig', res(200, url)), []);
    const { AuthType: _a, ...noAuth } = url;
    assert.deepEqual(kp(checkResponse(model, 'GetFunctionUrlConfig', res(200, noAuth))), [['missing-required', '$.AuthType']]);
  });

  test('DeleteFunction’s 204, Invoke’s headers and payload, and Lambda errors', () => {
    const model = lambda();
    assert.deepEqual(checkResponse(model, 'DeleteFunction', res(204)), []);
    assert.deepEqual(kp(checkResponse(model, 'CreateFunction', res(200, { FunctionName: 'f' }))), [['status', 'status']]);
    const invoked = res(200, Buffer.from('not even json'), { 'x-amz-executed-version': '$LATEST', 'x-amz-function-error': 'Unhandled' });
    assert.deepEqual(checkResponse(model, 'Invoke', invoked), []);
    assert.deepEqual(checkResponse(model, 'Invoke', res(202, '', {})), []);
    assert.deepEqual(kp(checkResponse(model, 'Invoke', res(200, '', { 'x-amz-executed-version': 'latest' }))), [
      ['pattern', 'headers["x-amz-executed-version"]'],
    ]);
    const notFound = { Type: 'User', Message: 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:f' };
    assert.deepEqual(checkResponse(model, 'GetFunction', res(404, notFound, { 'x-amzn-errortype': 'ResourceNotFoundException' })), []);
    assert.deepEqual(kp(checkResponse(model, 'GetFunction', res(404, { Type: 'User', message: 'x' }, { 'x-amzn-errortype': 'ResourceNotFoundException' }))), [
      ['unknown-member', '$.message'],
    ]);
    assert.deepEqual(checkResponse(model, 'Invoke', res(413, { message: 'too big' }, { 'x-amzn-errortype': 'RequestEntityTooLargeException' })), []);
    assert.deepEqual(checkResponse(model, 'GetFunction', res(403, { message: 'bad sig' }, { 'x-amzn-errortype': 'InvalidSignatureException' })), []);
  });

  test('operationFor maps Lambda requests to operations', () => {
    const model = lambda();
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:f';
    const cases: [string, string, string][] = [
      ['GET', '/2015-03-31/functions/f/configuration', 'GetFunctionConfiguration'],
      ['GET', '/2015-03-31/functions/f/configuration?Qualifier=1', 'GetFunctionConfiguration'],
      ['POST', '/2015-03-31/functions/f/invocations', 'Invoke'],
      ['DELETE', `/2017-03-31/tags/${arn}?tagKeys=a&tagKeys=b`, 'UntagResource'],
      ['DELETE', `/2017-03-31/tags/${encodeURIComponent(arn)}?tagKeys=a`, 'UntagResource'],
      ['GET', `/2017-03-31/tags/${arn}`, 'ListTags'],
      ['GET', '/2015-03-31/functions/', 'ListFunctions'],
      ['GET', '/2015-03-31/functions/f', 'GetFunction'],
      ['DELETE', '/2015-03-31/functions/f', 'DeleteFunction'],
      ['GET', '/2019-09-30/functions/f/provisioned-concurrency?Qualifier=1', 'GetProvisionedConcurrencyConfig'],
      ['GET', '/2019-09-30/functions/f/provisioned-concurrency?List=ALL', 'ListProvisionedConcurrencyConfigs'],
      ['GET', '/2018-10-31/layers?find=LayerVersion&Arn=x', 'GetLayerVersionByArn'],
      ['GET', '/2018-10-31/layers', 'ListLayers'],
      ['GET', '/2016-08-19/account-settings/', 'GetAccountSettings'],
    ];
    for (const [method, path, expected] of cases) assert.equal(operationFor(model, method, path), expected, `${method} ${path}`);
  });

  test('checkExchange walks a Lambda exchange end to end', () => {
    const problems = checkExchange(lambda(), { method: 'GET', path: '/2016-08-19/account-settings' }, res(200, { AccountLimit: {}, Usage: {} }));
    assert.deepEqual(kp(problems), [['unknown-member', '$.Usage']]);
  });
});

describe('the real CloudWatch Logs, SQS and EventBridge models', { skip }, () => {
  test('load generically, newest API version first', () => {
    assert.equal(loadAwsModel('logs')?.metadata.apiVersion, '2014-03-28');
    assert.equal(loadAwsModel('sqs')?.metadata.apiVersion, '2012-11-05');
    assert.equal(loadAwsModel('events')?.metadata.apiVersion, '2015-10-07');
    assert.equal(loadAwsModel('events', '2014-02-03')?.metadata.apiVersion, '2014-02-03');
  });

  test('a DescribeLogGroups exchange is checked by X-Amz-Target', () => {
    const logs = loadAwsModel('logs');
    assert.ok(logs);
    const req = { method: 'POST', path: '/', headers: { 'x-amz-target': 'Logs_20140328.DescribeLogGroups' } };
    const body = { logGroups: [{ logGroupName: '/aws/lambda/f', creationTime: 1700000000000, storedBytes: 0, metricFilterCount: 0 }] };
    assertExchangeMatchesModel(logs, req, res(200, body));
    const bad = { logGroups: [{ logGroupName: '/aws/lambda/f', creationTime: '2024-01-01' }] };
    assert.deepEqual(kp(checkExchange(logs, req, res(200, bad))), [['type', '$.logGroups[0].creationTime']]);
    const missing = { __type: 'ResourceNotFoundException', message: 'The specified log group does not exist.' };
    assert.deepEqual(checkExchange(logs, req, res(400, missing)), []);
  });

  test('SQS errors are read from a namespaced __type', () => {
    const sqs = loadAwsModel('sqs');
    assert.ok(sqs);
    const body = { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' };
    assert.deepEqual(checkResponse(sqs, 'GetQueueUrl', res(400, body)), []);
  });
});
