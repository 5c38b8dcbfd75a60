// The errors AWS SDK for JavaScript v3 calls reject with, as tests check them: the exception's
// name (AWS's error code), the HTTP status, the message and modelled members such as Type.

import assert from 'node:assert/strict';

export interface AwsFailure {
  /** The exception name, i.e. AWS's error code (`ResourceNotFoundException`, …). */
  readonly name: string;
  readonly status: number | undefined;
  readonly message: string;
  /** The error object itself, for the members the model gives the error (`Type`, `Reason`, …). */
  readonly fields: Record<string, unknown>;
}

/**
 * The AWS error `call` rejects with; fails the test (with `expectation` as its message) when
 * the call succeeds instead.
 */
export async function awsFailure(call: Promise<unknown>, expectation = 'expected the call to fail'): Promise<AwsFailure> {
  try {
    await call;
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } } & Record<string, unknown>;
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message, fields: e };
  }
  assert.fail(expectation);
}

/**
 * Asserts that `call` fails with the AWS error `name` and HTTP `status`, and, when `message` is
 * given, with that message (a string must be equal, a RegExp must match). Returns the failure
 * for further checks of its members.
 */
export async function expectAwsError(
  call: Promise<unknown>,
  name: string,
  status: number,
  message?: string | RegExp,
): Promise<AwsFailure> {
  const f = await awsFailure(call, `expected ${name}`);
  assert.equal(f.name, name, `${f.name}: ${f.message}`);
  assert.equal(f.status, status);
  if (typeof message === 'string') assert.equal(f.message, message);
  else if (message) assert.match(f.message, message);
  return f;
}
