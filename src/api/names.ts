// The FunctionName and Qualifier members of a request, checked the way Lambda checks them
// (which errors, in which order, with which messages) and reduced to a plain name + qualifier.

import {
  type AccountContext,
  ApiError,
  FUNCTION_NAME_PATTERN,
  FUNCTION_NAME_READ_PATTERN,
  functionArn,
  functionNotFound,
  invalidParameter,
  parseFunctionName,
  UNQUALIFIED_FUNCTION_NAME_PATTERN,
} from '../model/index.js';
import { Violations } from './input.js';

export interface Target {
  readonly name: string;
  readonly qualifier?: string;
}

const QUALIFIER_PATTERN = '\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+';
const MAX_NAME = 64;

/**
 * - `read`: operations on an existing function (Get*, Delete*, Invoke, …): a too-long name
 *   is simply not found.
 * - `write`: CreateFunction: the name is the new function's, so it is validated.
 * - `unqualified`: operations that take an UnqualifiedFunctionName.
 */
export type NameMode = 'read' | 'write' | 'unqualified';

export function parseTarget(
  ctx: AccountContext,
  rawName: string | undefined,
  qualifierParam: string | null | undefined,
  mode: NameMode,
): Target {
  const v = new Violations();
  const qualifier = qualifierParam ?? undefined;
  if (qualifier !== undefined) v.length('qualifier', qualifier, 1, 128).pattern('qualifier', qualifier, QUALIFIER_PATTERN);
  if (!v.required('functionName', rawName)) v.check();
  const raw = rawName!;
  const pattern =
    mode === 'read' ? FUNCTION_NAME_READ_PATTERN : mode === 'write' ? FUNCTION_NAME_PATTERN : UNQUALIFIED_FUNCTION_NAME_PATTERN;
  v.length('functionName', raw, 1, mode === 'read' ? 256 : 140);
  const ref = parseFunctionName(raw);
  // The pattern alone admits a few forms that are no function name (an ARN without an account):
  // those fail with the same one violation.
  if (!ref || !new RegExp(`^(?:${pattern})$`).test(raw)) {
    v.add('functionName', raw, `Member must satisfy regular expression pattern: ${pattern}`);
  }
  v.check();

  if (ref!.region !== undefined && ref!.region !== ctx.region) {
    throw new ApiError(
      'ResourceNotFoundException',
      `Functions from '${ref!.region}' are not reachable in this region ('${ctx.region}')`,
    );
  }
  if (ref!.accountId !== undefined && ref!.accountId !== ctx.accountId) {
    throw new ApiError('AccessDeniedException', `User is not authorized to access function ${raw}`);
  }
  if (ref!.qualifier !== undefined && qualifier !== undefined && ref!.qualifier !== qualifier) {
    throw invalidParameter('The derived qualifier from the function name does not match the specified qualifier.');
  }
  const name = ref!.name;
  const q = ref!.qualifier ?? qualifier;
  if (name.length > MAX_NAME) {
    if (mode === 'write') {
      new Violations().length('functionName', name, 1, MAX_NAME).check('InvalidParameterValueException');
    }
    throw functionNotFound(functionArn(ctx, name, q));
  }
  return { name, ...(q !== undefined && { qualifier: q }) };
}

/** For operations that act on the function as a whole and refuse a qualified name. */
export function requireUnqualified(target: Target): string {
  if (target.qualifier !== undefined) {
    throw invalidParameter(
      'This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. ' +
        'Please specify either a function name or an unqualified function ARN.',
    );
  }
  return target.name;
}
