// The error vocabulary of Lamina, in AWS's wire names: API exceptions (what a client of the
// control plane sees) and the runtime/platform errorType strings (what an invoke returns).
// Rendering to the wire happens at the edges (api/, runtime-api/); this module only names.

/** How an API exception travels: HTTP status, the casing of its message member, fault side. */
interface ApiErrorSpec {
  readonly status: number;
  /** The model spells the message member `Message` for some shapes and `message` for others. */
  readonly messageKey: 'message' | 'Message';
  /** `Type` member: "User" for sender faults, "Service" for ours; absent for generic errors. */
  readonly type?: 'User' | 'Service';
}

export const API_ERRORS = {
  // Lambda's modelled exceptions (botocore lambda/2015-03-31).
  ResourceNotFoundException: { status: 404, messageKey: 'Message', type: 'User' },
  ResourceConflictException: { status: 409, messageKey: 'message', type: 'User' },
  ResourceInUseException: { status: 400, messageKey: 'Message', type: 'User' },
  InvalidParameterValueException: { status: 400, messageKey: 'message', type: 'User' },
  InvalidRequestContentException: { status: 400, messageKey: 'message', type: 'User' },
  PreconditionFailedException: { status: 412, messageKey: 'message', type: 'User' },
  PolicyLengthExceededException: { status: 400, messageKey: 'message', type: 'User' },
  ProvisionedConcurrencyConfigNotFoundException: { status: 404, messageKey: 'message', type: 'User' },
  TooManyRequestsException: { status: 429, messageKey: 'message', type: 'User' },
  UnsupportedMediaTypeException: { status: 415, messageKey: 'message', type: 'User' },
  CodeStorageExceededException: { status: 400, messageKey: 'message', type: 'User' },
  ResourceNotReadyException: { status: 502, messageKey: 'message', type: 'Service' },
  ServiceException: { status: 500, messageKey: 'Message', type: 'Service' },
  // The wire name for oversize requests (the model's shape is RequestTooLargeException).
  RequestEntityTooLargeException: { status: 413, messageKey: 'message' },
  // Generic AWS errors that every service may return.
  ValidationException: { status: 400, messageKey: 'message' },
  AccessDeniedException: { status: 403, messageKey: 'Message' },
  UnknownOperationException: { status: 404, messageKey: 'message' },
  SerializationException: { status: 400, messageKey: 'message' },
  // CloudWatch Logs' own (AWS JSON protocol: always 400 on the wire).
  InvalidParameterException: { status: 400, messageKey: 'message' },
  ResourceAlreadyExistsException: { status: 400, messageKey: 'message' },
  OperationAbortedException: { status: 400, messageKey: 'message' },
  ServiceUnavailableException: { status: 500, messageKey: 'message' },
  // Authentication (SigV4) failures.
  InvalidSignatureException: { status: 403, messageKey: 'message' },
  UnrecognizedClientException: { status: 403, messageKey: 'message' },
  MissingAuthenticationTokenException: { status: 403, messageKey: 'message' },
  IncompleteSignatureException: { status: 400, messageKey: 'message' },
} as const satisfies Record<string, ApiErrorSpec>;

export type ApiErrorCode = keyof typeof API_ERRORS;

/**
 * An AWS API exception. `fields` are extra members of the error shape (e.g. TooManyRequests'
 * `Reason`); `headers` are extra response headers (e.g. `Retry-After`).
 */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly fields: Readonly<Record<string, unknown>> = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = code;
    this.status = API_ERRORS[code].status;
  }

  /** The JSON body AWS sends for this error. */
  toBody(): Record<string, unknown> {
    const spec: ApiErrorSpec = API_ERRORS[this.code];
    const body: Record<string, unknown> = {};
    if (spec.type) body.Type = spec.type;
    body[spec.messageKey] = this.message;
    return Object.assign(body, this.fields);
  }
}

// Shorthands for the errors raised most often, with AWS's exact messages.

export const notFound = (message: string): ApiError => new ApiError('ResourceNotFoundException', message);
export const functionNotFound = (arn: string): ApiError => notFound(`Function not found: ${arn}`);
export const invalidParameter = (message: string): ApiError =>
  new ApiError('InvalidParameterValueException', message);
export const conflict = (message: string): ApiError => new ApiError('ResourceConflictException', message);
export const revisionMismatch = (api: 'GetFunction/GetAlias' | 'GetPolicy'): ApiError =>
  new ApiError(
    'PreconditionFailedException',
    `The Revision Id provided does not match the latest Revision Id. Call the ${api} API to retrieve the latest Revision Id`,
  );

/**
 * One failed constraint, in the words AWS's request validator uses:
 * `Value '<v>' at '<field>' failed to satisfy constraint: <rule>`.
 */
export interface ConstraintViolation {
  readonly field: string;
  /** Already rendered as AWS renders it: `'text'`, `null`, `[a, b]`, `{k=v}`. */
  readonly value: string;
  readonly rule: string;
}

export function validationError(
  violations: readonly ConstraintViolation[],
  code: 'ValidationException' | 'InvalidParameterValueException' = 'ValidationException',
): ApiError {
  const n = violations.length;
  const head = `${n} validation error${n === 1 ? '' : 's'} detected: `;
  const parts = violations.map((v) => `Value ${v.value} at '${v.field}' failed to satisfy constraint: ${v.rule}`);
  return new ApiError(code, head + parts.join('; '));
}

// Runtime and platform error types, as an invocation's error payload names them
// (Lambda's runtime interface emulator and runtime clients use these strings).
export const RUNTIME_ERROR = {
  ExitError: 'Runtime.ExitError',
  OutOfMemory: 'Runtime.OutOfMemory',
  Unknown: 'Runtime.Unknown',
  InvalidEntrypoint: 'Runtime.InvalidEntrypoint',
  ImportModuleError: 'Runtime.ImportModuleError',
  HandlerNotFound: 'Runtime.HandlerNotFound',
  MalformedHandlerName: 'Runtime.MalformedHandlerName',
  UserCodeSyntaxError: 'Runtime.UserCodeSyntaxError',
  ResponseSizeTooLarge: 'Function.ResponseSizeTooLarge',
  SandboxTimedout: 'Sandbox.Timedout',
  SandboxFailure: 'Sandbox.Failure',
} as const;
