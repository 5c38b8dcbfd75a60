// Who may sign requests to Lamina: its root credentials, and the execution-role credentials
// that each function's environments get, as AWS hands a function its role's temporary
// credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). There is no IAM
// here to say what a role may do, so a role may do what functions most often do with the
// Lambda API, invoke functions, and nothing else: a function must not read another's code,
// configuration or logs, nor change anything.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type AccountContext, ApiError } from '../model/index.js';

export interface KeyPair {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** What a function's environments are given. */
export interface RoleCredentials extends KeyPair {
  readonly sessionToken: string;
}

/** The one who signed a request. */
export type Principal = { readonly kind: 'root' } | { readonly kind: 'role'; readonly arn: string; readonly sessionToken: string };

interface Session {
  readonly credentials: RoleCredentials;
  readonly principal: Principal;
}

/** The operations role credentials may call (their IAM actions are lambda:InvokeFunction). */
const ROLE_OPERATIONS: ReadonlySet<string> = new Set(['Invoke', 'InvokeAsync']);

const ROOT: Principal = { kind: 'root' };
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** scope: one per server. */
export class CredentialRegistry {
  /** access key id => session */
  private readonly sessions = new Map<string, Session>();
  /** function name => role => session (published versions may keep an older role) */
  private readonly byFunction = new Map<string, Map<string, Session>>();

  constructor(
    private readonly root: KeyPair,
    private readonly account: AccountContext,
  ) {}

  /** The secret of a known access key id. */
  secretFor(accessKeyId: string): string | undefined {
    if (accessKeyId === this.root.accessKeyId) return this.root.secretAccessKey;
    return this.sessions.get(accessKeyId)?.credentials.secretAccessKey;
  }

  principalOf(accessKeyId: string): Principal | undefined {
    if (accessKeyId === this.root.accessKeyId) return ROOT;
    return this.sessions.get(accessKeyId)?.principal;
  }

  /**
   * The credentials of a function's execution role: the same for all the environments of
   * the function's versions that have this role, until the function is deleted.
   */
  forFunction(functionName: string, role: string): RoleCredentials {
    const roles = this.byFunction.get(functionName) ?? new Map<string, Session>();
    this.byFunction.set(functionName, roles);
    const current = roles.get(role);
    if (current) return current.credentials;
    const credentials: RoleCredentials = {
      accessKeyId: `ASIA${base32(16)}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(96).toString('base64'),
    };
    const roleName = role.slice(role.lastIndexOf('/') + 1);
    const arn = `arn:aws:sts::${this.account.accountId}:assumed-role/${roleName}/${functionName}`;
    const session: Session = { credentials, principal: { kind: 'role', arn, sessionToken: credentials.sessionToken } };
    this.sessions.set(credentials.accessKeyId, session);
    roles.set(role, session);
    return credentials;
  }

  /** A function was deleted: its credentials stop working. */
  revoke(functionName: string): void {
    for (const session of this.byFunction.get(functionName)?.values() ?? []) this.sessions.delete(session.credentials.accessKeyId);
    this.byFunction.delete(functionName);
  }
}

/** What one request's signer may do, once its signature holds. */
export interface Authorization {
  readonly principal: Principal;
  /** The session token the request carried (header or presigned query), if any. */
  readonly sessionToken: string | undefined;
  /** The operation, e.g. `GetFunction`, and the service of the signature's scope. */
  readonly operation: string;
  readonly service: string;
  /** The function the request names, as a name or an ARN. */
  readonly functionName: string | undefined;
}

/**
 * Throws AWS's error when a role may not make the request: a missing or wrong session token
 * (UnrecognizedClientException), or an operation outside what roles may do (AccessDenied).
 */
export function authorize(a: Authorization, account: AccountContext): void {
  const { principal } = a;
  if (principal.kind === 'root') return;
  if (a.sessionToken === undefined || !sameText(a.sessionToken, principal.sessionToken)) {
    throw new ApiError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }
  if (ROLE_OPERATIONS.has(a.operation)) return;
  const action = `${a.service}:${a.operation === 'Invoke' ? 'InvokeFunction' : a.operation}`;
  const resource = a.functionName === undefined ? '*' : functionResource(a.functionName, account);
  throw new ApiError(
    'AccessDeniedException',
    `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
  );
}

function functionResource(name: string, account: AccountContext): string {
  return name.startsWith('arn:') ? name : `arn:aws:lambda:${account.region}:${account.accountId}:function:${name}`;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function base32(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += BASE32[byte & 31];
  return out;
}
