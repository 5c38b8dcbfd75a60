// Resource-based policies: one per function, published version and alias, built from
// AddPermission statements the way Lambda builds them. Each policy has its own RevisionId.

import { randomUUID } from 'node:crypto';
import {
  ApiError,
  conflict,
  functionArn,
  functionNotFound,
  invalidParameter,
  isVersionNumber,
  LATEST,
  notFound,
  type PolicyRecord,
  type PolicyStatement,
  revisionMismatch,
} from '../model/index.js';
import type { ControlDeps } from './deps.js';

export interface PermissionInput {
  readonly statementId: string;
  readonly action: string;
  readonly principal: string;
  readonly sourceArn?: string;
  readonly sourceAccount?: string;
  readonly eventSourceToken?: string;
  readonly principalOrgId?: string;
  readonly functionUrlAuthType?: string;
  readonly invokedViaFunctionUrl?: boolean;
  readonly revisionId?: string;
}

/** The policy document as GetPolicy returns it (a JSON string on the wire). */
export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Id: 'default';
  readonly Statement: readonly PolicyStatement[];
}

/** Resource policies are limited to 20 KB. */
export const POLICY_SIZE_LIMIT = 20_480;

const ALIAS_NAME = /^(?!^[0-9]+$)[a-zA-Z0-9\-_]+$/;

/** What a qualifier names, for policies: the function itself, a version or an alias. */
type PolicyTarget = { readonly qualifier: string; readonly revisionId: string };

/** Finds the resource a policy belongs to; `missing` words the errors of each operation. */
async function findTarget(
  deps: ControlDeps,
  name: string,
  qualifier: string | undefined,
  missing: { function: () => ApiError; version: () => ApiError; alias: () => ApiError },
): Promise<PolicyTarget> {
  if (qualifier === undefined || qualifier === LATEST) {
    const latest = await deps.store.versions.get(name, LATEST);
    if (!latest) throw missing.function();
    return { qualifier: '', revisionId: latest.revisionId };
  }
  if (isVersionNumber(qualifier) || !ALIAS_NAME.test(qualifier)) {
    const version = await deps.store.versions.get(name, qualifier);
    if (!version) throw (await deps.store.functions.get(name)) ? missing.version() : missing.function();
    return { qualifier, revisionId: version.revisionId };
  }
  const alias = await deps.store.aliases.get(name, qualifier);
  if (!alias) throw (await deps.store.functions.get(name)) ? missing.alias() : missing.function();
  return { qualifier, revisionId: alias.revisionId };
}

export async function addPermission(
  deps: ControlDeps,
  name: string,
  qualifier: string | undefined,
  input: PermissionInput,
): Promise<PolicyStatement> {
  if (qualifier === LATEST) throw invalidParameter('We currently do not support adding policies for $LATEST.');
  const arn = functionArn(deps.account, name, qualifier);
  const statement = buildStatement(input, arn);
  const target = await findTarget(deps, name, qualifier, {
    function: () => functionNotFound(arn),
    version: () => functionNotFound(arn),
    alias: () => notFound(`Cannot find alias arn: ${arn}`),
  });
  await deps.store.policies.update(name, target.qualifier, (policy) => {
    // Before the first statement, the resource's own revision stands for the policy's.
    const current = policy?.revisionId ?? target.revisionId;
    if (input.revisionId !== undefined && input.revisionId !== current) throw revisionMismatch('GetPolicy');
    const statements = policy?.statements ?? [];
    if (statements.some((s) => s.Sid === input.statementId)) {
      throw conflict(
        `The statement id (${input.statementId}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
      );
    }
    const next: PolicyRecord = {
      functionName: name,
      qualifier: target.qualifier,
      statements: [...statements, statement],
      revisionId: randomUUID(),
    };
    const size = JSON.stringify(policyDocument(next)).length;
    if (size > POLICY_SIZE_LIMIT) {
      throw new ApiError(
        'PolicyLengthExceededException',
        `The final policy size (${size}) is bigger than the limit (${POLICY_SIZE_LIMIT}).`,
      );
    }
    return next;
  });
  deps.onChange({ kind: 'function-changed', functionName: name });
  return statement;
}

export async function getPolicy(deps: ControlDeps, name: string, qualifier: string | undefined): Promise<PolicyRecord> {
  const gone = () => notFound('The resource you requested does not exist.');
  const target = await findTarget(deps, name, qualifier, { function: gone, version: gone, alias: gone });
  const policy = await deps.store.policies.get(name, target.qualifier);
  if (!policy || policy.statements.length === 0) throw gone();
  return policy;
}

export async function removePermission(
  deps: ControlDeps,
  name: string,
  qualifier: string | undefined,
  statementId: string,
  revisionId?: string,
): Promise<void> {
  const arn = functionArn(deps.account, name, qualifier);
  const target = await findTarget(deps, name, qualifier, {
    function: () => notFound(`No policy found for: ${arn}`),
    version: () => functionNotFound(arn),
    alias: () => notFound(`Cannot find alias arn: ${arn}`),
  });
  await deps.store.policies.update(name, target.qualifier, (policy) => {
    if (!policy) throw notFound('No policy is associated with the given resource.');
    if (revisionId !== undefined && revisionId !== policy.revisionId) throw revisionMismatch('GetPolicy');
    const statements = policy.statements.filter((s) => s.Sid !== statementId);
    if (statements.length === policy.statements.length) {
      throw notFound(`Statement ${statementId} is not found in resource policy.`);
    }
    // The last statement gone, the policy is gone: GetPolicy answers 404 again.
    return statements.length === 0 ? undefined : { ...policy, statements, revisionId: randomUUID() };
  });
  deps.onChange({ kind: 'function-changed', functionName: name });
}

export function policyDocument(policy: PolicyRecord): PolicyDocument {
  return { Version: '2012-10-17', Id: 'default', Statement: policy.statements };
}

/** One statement, with members and conditions in the order Lambda writes them. */
function buildStatement(input: PermissionInput, resource: string): PolicyStatement {
  const stringEquals: Record<string, string> = {};
  if (input.sourceAccount !== undefined) stringEquals['AWS:SourceAccount'] = input.sourceAccount;
  if (input.eventSourceToken !== undefined) stringEquals['lambda:EventSourceToken'] = input.eventSourceToken;
  if (input.functionUrlAuthType !== undefined) stringEquals['lambda:FunctionUrlAuthType'] = input.functionUrlAuthType;
  if (input.principalOrgId !== undefined) stringEquals['aws:PrincipalOrgID'] = input.principalOrgId;
  const condition: Record<string, Record<string, string>> = {};
  if (Object.keys(stringEquals).length > 0) condition.StringEquals = stringEquals;
  if (input.sourceArn !== undefined) condition.ArnLike = { 'AWS:SourceArn': input.sourceArn };
  if (input.invokedViaFunctionUrl) condition.Bool = { 'lambda:InvokedViaFunctionUrl': 'true' };
  return {
    Sid: input.statementId,
    Effect: 'Allow',
    Principal: principalOf(input.principal),
    Action: input.action,
    Resource: resource,
    ...(Object.keys(condition).length > 0 && { Condition: condition }),
  };
}

/**
 * The Principal element for what the client named: `*`, an account ID (its root), an IAM or
 * STS ARN, or a service principal (`s3.amazonaws.com`).
 */
function principalOf(principal: string): string | Record<string, string> {
  if (principal === '*') return '*';
  if (/^\d{12}$/.test(principal)) return { AWS: `arn:aws:iam::${principal}:root` };
  if (/^arn:aws[a-zA-Z-]*:(iam|sts)::\d{12}:\S+$/.test(principal)) return { AWS: principal };
  if (/^[a-z0-9][a-z0-9.-]*\.(amazonaws\.com(\.cn)?|amazon\.com)$/.test(principal)) return { Service: principal };
  throw invalidParameter('The provided principal was invalid. Please check the principal and try again.');
}
