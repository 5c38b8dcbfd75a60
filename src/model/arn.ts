// Function names, qualifiers and ARNs: parsing what a client sends as FunctionName and
// building the ARNs Lamina returns. Pure functions; the account context is passed in.

export const LATEST = '$LATEST';

/** Where this Lamina answers: the region and account of every ARN it makes. */
export interface AccountContext {
  readonly region: string;
  readonly accountId: string;
}

/** A FunctionName as a client sent it, taken apart. */
export interface FunctionRef {
  readonly name: string;
  readonly qualifier?: string;
  /** Present when the client sent a full ARN. */
  readonly region?: string;
  /** Present when the client sent a full or partial ARN. */
  readonly accountId?: string;
}

// The model's FunctionName pattern (as Lambda reports it in ValidationException messages),
// with capture groups to take the parts out. Group 1: region, 2: account, 3: name, 4: qualifier.
export const FUNCTION_NAME_PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?';
/** The pattern of read operations, which also accept `.` in names and `$LATEST.PUBLISHED`. */
export const FUNCTION_NAME_READ_PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?';
export const UNQUALIFIED_FUNCTION_NAME_PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)';

const FUNCTION_NAME_PARTS =
  /^(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?(?:((?:eusc-)?[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?(?:(\d{12}):)?(?:function:)?([a-zA-Z0-9\-_.]+)(?::(\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9\-_]+))?$/;

/**
 * Takes a FunctionName apart: `name`, `name:qualifier`, `123456789012:function:name[:q]` or
 * `arn:aws:lambda:<region>:<account>:function:name[:q]`. Undefined when it matches no form.
 */
export function parseFunctionName(input: string): FunctionRef | undefined {
  const m = FUNCTION_NAME_PARTS.exec(input);
  if (!m) return undefined;
  const [, region, accountId, name, qualifier] = m;
  // An ARN needs its region and account; like AWS, "arn:aws:lambda:<region>:<account>:function"
  // (no "function:" segment) names the function "function".
  if (input.startsWith('arn:') && !(region && accountId)) return undefined;
  if (region && !accountId) return undefined;
  return {
    name: name!,
    ...(qualifier !== undefined && { qualifier }),
    ...(region !== undefined && { region }),
    ...(accountId !== undefined && { accountId }),
  };
}

export function functionArn(ctx: AccountContext, name: string, qualifier?: string): string {
  const base = `arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${name}`;
  return qualifier === undefined ? base : `${base}:${qualifier}`;
}

export function roleArnIsValid(role: string): boolean {
  return /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/.test(role);
}

/** A published version number ("1", "2", …); `$LATEST` and alias names are not. */
export function isVersionNumber(qualifier: string): boolean {
  return /^[0-9]+$/.test(qualifier);
}

/** What a qualifier names: the unpublished head, a published version, or an alias. */
export type QualifierKind = 'latest' | 'version' | 'alias';

export function qualifierKind(qualifier: string | undefined): QualifierKind {
  if (qualifier === undefined || qualifier === LATEST) return 'latest';
  return isVersionNumber(qualifier) ? 'version' : 'alias';
}
