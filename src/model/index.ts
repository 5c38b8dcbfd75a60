// The leaf of Lamina's import graph: domain records, names and the error vocabulary.

export {
  API_ERRORS,
  ApiError,
  type ApiErrorCode,
  type ConstraintViolation,
  RUNTIME_ERROR,
  conflict,
  functionNotFound,
  invalidParameter,
  notFound,
  revisionMismatch,
  validationError,
} from './errors.js';
export {
  type AccountContext,
  FUNCTION_NAME_PATTERN,
  FUNCTION_NAME_READ_PATTERN,
  type FunctionRef,
  LATEST,
  type QualifierKind,
  UNQUALIFIED_FUNCTION_NAME_PATTERN,
  functionArn,
  isVersionNumber,
  parseFunctionName,
  qualifierKind,
  roleArnIsValid,
} from './arn.js';
export {
  type AliasRecord,
  type CodeRef,
  type FunctionConfig,
  type FunctionRecord,
  type LoggingConfig,
  type PolicyRecord,
  type PolicyStatement,
  type VersionRecord,
  awsTimestamp,
} from './function.js';
