// FunctionName and Qualifier validation, case by case as AWS answered them (the matrix of
// LocalStack's parity test `test_function_name_and_qualifier_validation`, recorded against
// AWS): GetFunction, DeleteFunction and CreateFunction through the AWS SDK for JavaScript v3.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { ACCOUNT, type LaminaProcess, REGION, ROLE, startLamina } from '../helpers/lamina.js';
import { makeZip } from '../helpers/zip.js';

// The patterns exactly as AWS quotes them in its messages.
const READ_PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?';
const WRITE_PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?';
const QUALIFIER_PATTERN = '\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+';
const ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:`;

const pattern = (field: string, value: string, p: string): string =>
  `Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${p}`;
const maxLength = (field: string, value: string, max: number): string =>
  `Value '${value}' at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${max}`;

/** What AWS answered: a code with either its constraint violations (any order) or its message. */
type Outcome =
  | { readonly code: string; readonly status: number; readonly errors: readonly string[] }
  | { readonly code: string; readonly status: number; readonly message: string }
  | 'created';

const invalid = (...errors: string[]): Outcome => ({ code: 'ValidationException', status: 400, errors });
const notFound = (arn: string): Outcome => ({ code: 'ResourceNotFoundException', status: 404, message: `Function not found: ${arn}` });
const badParameter = (message: string): Outcome => ({ code: 'InvalidParameterValueException', status: 400, message });

interface Case {
  readonly id: string;
  readonly functionName: string;
  readonly qualifier?: string;
  readonly get: Outcome;
  readonly delete: Outcome;
  /** CreateFunction is called with `name:qualifier` as its FunctionName. */
  readonly create: Outcome | undefined;
}

const a = (n: number): string => 'a'.repeat(n);
const nameReadPattern = (v: string): Outcome => invalid(pattern('functionName', v, READ_PATTERN));
const nameWritePattern = (v: string): Outcome => invalid(pattern('functionName', v, WRITE_PATTERN));
const longBadRegion = `arn:aws:lambda:invalid-region:${ACCOUNT}:function:my-function${a(170)}`;
const longBadRegion2 = `arn:aws:lambda:invalid-region:${ACCOUNT}:function:my-function-${a(170)}`;

const CASES: readonly Case[] = [
  {
    id: 'invalid_characters_in_function_name',
    functionName: 'my-function!',
    get: nameReadPattern('my-function!'),
    delete: nameReadPattern('my-function!'),
    create: nameWritePattern('my-function!'),
  },
  { id: 'function_name_is_single_invalid', functionName: '*', get: nameReadPattern('*'), delete: nameReadPattern('*'), create: nameWritePattern('*') },
  {
    id: 'invalid_characters_in_qualifier',
    functionName: 'my-function',
    qualifier: 'invalid!',
    get: invalid(pattern('qualifier', 'invalid!', QUALIFIER_PATTERN)),
    delete: invalid(pattern('qualifier', 'invalid!', QUALIFIER_PATTERN)),
    create: nameWritePattern('my-function:invalid!'),
  },
  {
    id: 'qualifier_too_long',
    functionName: 'my-function',
    qualifier: a(129),
    get: invalid(maxLength('qualifier', a(129), 128)),
    delete: invalid(maxLength('qualifier', a(129), 128)),
    create: invalid(maxLength('functionName', `my-function:${a(129)}`, 140)),
  },
  {
    id: 'invalid_account_id_in_partial_arn',
    functionName: 'invalid-account:function:my-function',
    get: nameReadPattern('invalid-account:function:my-function'),
    delete: nameReadPattern('invalid-account:function:my-function'),
    create: nameWritePattern('invalid-account:function:my-function'),
  },
  {
    id: 'invalid_region_in_arn',
    functionName: `arn:aws:lambda:invalid-region:${ACCOUNT}:function:my-function`,
    get: nameReadPattern(`arn:aws:lambda:invalid-region:${ACCOUNT}:function:my-function`),
    delete: nameReadPattern(`arn:aws:lambda:invalid-region:${ACCOUNT}:function:my-function`),
    create: nameWritePattern(`arn:aws:lambda:invalid-region:${ACCOUNT}:function:my-function`),
  },
  {
    id: 'non_lambda_arn',
    functionName: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance:i-1234567890abcdef0`,
    get: nameReadPattern(`arn:aws:ec2:${REGION}:${ACCOUNT}:instance:i-1234567890abcdef0`),
    delete: nameReadPattern(`arn:aws:ec2:${REGION}:${ACCOUNT}:instance:i-1234567890abcdef0`),
    create: nameWritePattern(`arn:aws:ec2:${REGION}:${ACCOUNT}:instance:i-1234567890abcdef0`),
  },
  {
    id: 'function_name_too_long',
    functionName: a(65),
    get: notFound(`${ARN}${a(65)}`),
    delete: notFound(`${ARN}${a(65)}`),
    create: { code: 'InvalidParameterValueException', status: 400, errors: [maxLength('functionName', a(65), 64)] },
  },
  {
    id: 'function_name_too_long_and_invalid_region',
    functionName: longBadRegion,
    get: nameReadPattern(longBadRegion),
    delete: nameReadPattern(longBadRegion),
    create: invalid(maxLength('functionName', longBadRegion, 140), pattern('functionName', longBadRegion, WRITE_PATTERN)),
  },
  {
    id: 'full_arn_and_qualifier_too_long_and_invalid_region',
    functionName: longBadRegion2,
    qualifier: a(129),
    get: invalid(maxLength('qualifier', a(129), 128), pattern('functionName', longBadRegion2, READ_PATTERN)),
    delete: invalid(maxLength('qualifier', a(129), 128), pattern('functionName', longBadRegion2, READ_PATTERN)),
    create: invalid(
      maxLength('functionName', `${longBadRegion2}:${a(129)}`, 140),
      pattern('functionName', `${longBadRegion2}:${a(129)}`, WRITE_PATTERN),
    ),
  },
  {
    id: 'full_arn_with_multiple_qualifiers',
    functionName: `${ARN}my-function:1:2`,
    get: nameReadPattern(`${ARN}my-function:1:2`),
    delete: nameReadPattern(`${ARN}my-function:1:2`),
    create: nameWritePattern(`${ARN}my-function:1:2`),
  },
  {
    id: 'incomplete_arn',
    functionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function`,
    get: notFound(`${ARN}function`),
    delete: notFound(`${ARN}function`),
    // Valid on AWS: it creates a function named "function".
    create: 'created',
  },
  {
    id: 'partial_arn_with_extra_qualifier',
    functionName: 'function:my-function:$LATEST:extra',
    get: nameReadPattern('function:my-function:$LATEST:extra'),
    delete: nameReadPattern('function:my-function:$LATEST:extra'),
    create: nameWritePattern('function:my-function:$LATEST:extra'),
  },
  {
    id: 'latest_version_with_additional_qualifier',
    functionName: `${ARN}my-function:$LATEST`,
    qualifier: '1',
    get: badParameter('The derived qualifier from the function name does not match the specified qualifier.'),
    delete: badParameter('The derived qualifier from the function name does not match the specified qualifier.'),
    create: nameWritePattern(`${ARN}my-function:$LATEST:1`),
  },
  {
    id: 'lowercase_latest_qualifier',
    functionName: `${ARN}my-function`,
    qualifier: '$latest',
    get: notFound(`${ARN}my-function:$latest`),
    delete: notFound(`${ARN}my-function`),
    create: nameWritePattern(`${ARN}my-function:$latest`),
  },
  {
    id: 'missing_region_in_arn',
    functionName: `arn:aws:lambda::${ACCOUNT}:function:my-function`,
    get: nameReadPattern(`arn:aws:lambda::${ACCOUNT}:function:my-function`),
    delete: nameReadPattern(`arn:aws:lambda::${ACCOUNT}:function:my-function`),
    create: nameWritePattern(`arn:aws:lambda::${ACCOUNT}:function:my-function`),
  },
  {
    id: 'missing_account_id_in_arn',
    functionName: `arn:aws:lambda:${REGION}::function:my-function`,
    get: nameReadPattern(`arn:aws:lambda:${REGION}::function:my-function`),
    delete: nameReadPattern(`arn:aws:lambda:${REGION}::function:my-function`),
    create: nameWritePattern(`arn:aws:lambda:${REGION}::function:my-function`),
  },
  {
    id: 'misspelled_latest_in_arn',
    functionName: `${ARN}my-function:$LATES`,
    get: nameReadPattern(`${ARN}my-function:$LATES`),
    delete: nameReadPattern(`${ARN}my-function:$LATES`),
    create: nameWritePattern(`${ARN}my-function:$LATES`),
  },
  {
    // An older revision of the same AWS recording: an alias-like qualifier on a missing function.
    id: 'alias_qualifier_on_missing_function',
    functionName: 'my-function',
    qualifier: a(65),
    get: notFound(`${ARN}my-function:${a(65)}`),
    delete: badParameter('Deletion of aliases is not currently supported.'),
    create: undefined,
  },
];

let lamina: LaminaProcess;
let sdk: LambdaClient;

/** Violations in an AWS validation message, the way the recording extracted them. */
function violations(message: string): string[] {
  return [...message.matchAll(/(Value '.*?' at '.*?' failed to satisfy constraint: .+?(?=; Value '|$))/gs)].map((m) => m[1]!);
}

async function outcome(call: Promise<unknown>): Promise<{ code: string; status: number | undefined; message: string } | 'created'> {
  try {
    await call;
    return 'created';
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    return { code: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
}

function check(actual: Awaited<ReturnType<typeof outcome>>, expected: Outcome): void {
  if (expected === 'created') {
    assert.equal(actual, 'created', typeof actual === 'string' ? actual : `${actual.code}: ${actual.message}`);
    return;
  }
  assert.notEqual(actual, 'created', 'expected the call to fail');
  if (actual === 'created') return;
  assert.equal(actual.code, expected.code, actual.message);
  assert.equal(actual.status, expected.status);
  if ('message' in expected) {
    assert.equal(actual.message, expected.message);
    return;
  }
  const n = expected.errors.length;
  assert.ok(
    actual.message.startsWith(`${n} validation error${n === 1 ? '' : 's'} detected: `),
    `count in: ${actual.message}`,
  );
  assert.deepEqual(violations(actual.message).sort(), [...expected.errors].sort());
}

describe('function name and qualifier validation', () => {
  before(async () => {
    lamina = await startLamina();
    sdk = lamina.sdk();
  });
  after(async () => {
    await lamina.dispose();
  });

  for (const c of CASES) {
    const input = { FunctionName: c.functionName, ...(c.qualifier !== undefined && { Qualifier: c.qualifier }) };

    test(`${c.id}: GetFunction`, async () => {
      check(await outcome(sdk.send(new GetFunctionCommand(input))), c.get);
    });

    test(`${c.id}: DeleteFunction`, async () => {
      check(await outcome(sdk.send(new DeleteFunctionCommand(input))), c.delete);
    });

    if (c.create === undefined) continue;
    const expectedCreate = c.create;
    test(`${c.id}: CreateFunction`, async () => {
      const name = c.qualifier !== undefined ? `${c.functionName}:${c.qualifier}` : c.functionName;
      const created = await outcome(
        sdk.send(
          new CreateFunctionCommand({
            FunctionName: name,
            Runtime: 'python3.12',
            Role: ROLE,
            Handler: 'index.handler',
            Code: { ZipFile: makeZip({ 'index.py': 'def handler(e, c):\n    return e\n' }) },
          }),
        ),
      );
      check(created, expectedCreate);
      if (created === 'created') await sdk.send(new DeleteFunctionCommand({ FunctionName: name }));
    });
  }

  test('an existing function answers to every form of its name', async () => {
    await sdk.send(
      new CreateFunctionCommand({
        FunctionName: 'named',
        Runtime: 'python3.12',
        Role: ROLE,
        Handler: 'index.handler',
        Code: { ZipFile: makeZip({ 'index.py': 'def handler(e, c):\n    return e\n' }) },
      }),
    );
    const forms = ['named', 'named:$LATEST', `${ACCOUNT}:function:named`, `${ACCOUNT}:function:named:$LATEST`, `${ARN}named`, `${ARN}named:$LATEST`];
    for (const FunctionName of forms) {
      const out = await sdk.send(new GetFunctionCommand({ FunctionName }));
      assert.equal(out.Configuration?.FunctionName, 'named', FunctionName);
    }
    check(await outcome(sdk.send(new GetFunctionCommand({ FunctionName: 'named', Qualifier: '$LATEST' }))), 'created');
    check(
      await outcome(sdk.send(new GetFunctionCommand({ FunctionName: 'named:$LATEST', Qualifier: '1' }))),
      badParameter('The derived qualifier from the function name does not match the specified qualifier.'),
    );
    check(
      await outcome(sdk.send(new GetFunctionCommand({ FunctionName: `arn:aws:lambda:eu-central-1:${ACCOUNT}:function:named` }))),
      { code: 'ResourceNotFoundException', status: 404, message: `Functions from 'eu-central-1' are not reachable in this region ('${REGION}')` },
    );
    check(
      await outcome(sdk.send(new DeleteFunctionCommand({ FunctionName: `arn:aws:lambda:eu-central-1:${ACCOUNT}:function:named` }))),
      { code: 'ResourceNotFoundException', status: 404, message: `Functions from 'eu-central-1' are not reachable in this region ('${REGION}')` },
    );
    const other = await outcome(sdk.send(new GetFunctionCommand({ FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:named' })));
    assert.ok(other !== 'created' && other.code === 'AccessDeniedException' && other.status === 403);
  });
});
