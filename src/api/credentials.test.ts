import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../model/index.js';
import { authorize, CredentialRegistry } from './credentials.js';

const ACCOUNT = { region: 'us-east-1', accountId: '000000000000' };
const ROLE_A = 'arn:aws:iam::000000000000:role/service/role-a';
const ROLE_B = 'arn:aws:iam::000000000000:role/role-b';

test('a role keeps its credentials; versions with another role get theirs; deleting the function revokes all', () => {
  const registry = new CredentialRegistry({ accessKeyId: 'root', secretAccessKey: 'root-secret' }, ACCOUNT);
  const a = registry.forFunction('fn', ROLE_A);
  assert.deepEqual(registry.forFunction('fn', ROLE_A), a);
  const b = registry.forFunction('fn', ROLE_B);
  assert.notEqual(b.accessKeyId, a.accessKeyId);
  assert.equal(registry.secretFor(a.accessKeyId), a.secretAccessKey, 'an older version keeps working');
  assert.deepEqual(registry.principalOf(a.accessKeyId), {
    kind: 'role',
    arn: 'arn:aws:sts::000000000000:assumed-role/role-a/fn',
    sessionToken: a.sessionToken,
  });
  assert.deepEqual(registry.principalOf('root'), { kind: 'root' });
  const other = registry.forFunction('other', ROLE_A);

  registry.revoke('fn');
  assert.equal(registry.secretFor(a.accessKeyId), undefined);
  assert.equal(registry.secretFor(b.accessKeyId), undefined);
  assert.equal(registry.secretFor(other.accessKeyId), other.secretAccessKey);
  assert.equal(registry.secretFor('root'), 'root-secret');
});

test('roles may invoke, with their token, and nothing else', () => {
  const registry = new CredentialRegistry({ accessKeyId: 'root', secretAccessKey: 's' }, ACCOUNT);
  const c = registry.forFunction('fn', ROLE_A);
  const principal = registry.principalOf(c.accessKeyId)!;
  const request = { principal, sessionToken: c.sessionToken, service: 'lambda', functionName: 'target' };
  authorize({ ...request, operation: 'Invoke' }, ACCOUNT);
  authorize({ ...request, operation: 'InvokeAsync' }, ACCOUNT);
  authorize({ ...request, principal: { kind: 'root' }, sessionToken: undefined, operation: 'DeleteFunction' }, ACCOUNT);

  const fails = (change: Partial<typeof request> & { operation: string }, code: string, message?: string): void => {
    assert.throws(
      () => authorize({ ...request, ...change }, ACCOUNT),
      (err: unknown) => err instanceof ApiError && err.code === code && (message === undefined || err.message === message),
    );
  };
  fails({ operation: 'Invoke', sessionToken: undefined }, 'UnrecognizedClientException');
  fails({ operation: 'Invoke', sessionToken: `${c.sessionToken}x` }, 'UnrecognizedClientException');
  fails(
    { operation: 'GetFunction' },
    'AccessDeniedException',
    'User: arn:aws:sts::000000000000:assumed-role/role-a/fn is not authorized to perform: lambda:GetFunction on resource: arn:aws:lambda:us-east-1:000000000000:function:target because no identity-based policy allows the lambda:GetFunction action',
  );
  fails({ operation: 'ListFunctions', functionName: undefined }, 'AccessDeniedException');
  fails({ operation: 'FilterLogEvents', service: 'logs', functionName: undefined }, 'AccessDeniedException');
});
