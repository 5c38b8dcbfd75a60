// The runtime's error vocabulary: AWS's `Runtime.*` error classes, and the two ways any
// thrown value leaves this process: as a Runtime API error payload, and as a logged record.
import { types } from 'node:util';

export class ImportModuleError extends Error {}
export class HandlerNotFound extends Error {}
export class MalformedHandlerName extends Error {}
export class UserCodeSyntaxError extends Error {}

/** An async handler whose promise was still pending when the event loop ran dry. */
export class NodeJsExit extends Error {
  constructor() {
    super(
      'The event loop became empty while the handler\'s promise was still pending, so it can never ' +
        'settle. Check for a Promise that is never resolved or rejected.',
    );
  }
}

/** Wraps the reason of a rejection nobody handled; the message is the reason as a string. */
export class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason === undefined ? undefined : printable(reason));
    this.reason = reason;
    this.promise = promise;
  }
}

function printable(value) {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value); // e.g. an object without a prototype
  }
}

// The wire errorType is the class name under `Runtime.`, exactly as AWS spells it.
for (const cls of [ImportModuleError, HandlerNotFound, MalformedHandlerName, UserCodeSyntaxError, NodeJsExit, UnhandledPromiseRejection]) {
  cls.prototype.name = `Runtime.${cls.name}`;
}

/** Something shaped like an Error (another realm, or a hand-made object) counts as one. */
function isErrorLike(value) {
  return Boolean(
    value &&
      value.name &&
      value.message &&
      value.stack &&
      typeof value.name === 'string' &&
      typeof value.message === 'string' &&
      typeof value.stack === 'string',
  );
}

// DEL is not allowed in an HTTP header; AWS percent-encodes it everywhere in the payload.
const noDel = (text) => text.replaceAll('\x7F', '%7F');

/**
 * Any thrown value → `{errorType, errorMessage, trace}` for `/error` and `/init/error`.
 * Non-errors are named after their `typeof` (a thrown string gives errorType "string").
 */
export function toErrorResponse(value) {
  try {
    if (types.isNativeError(value) || isErrorLike(value)) {
      return { errorType: noDel(value.name), errorMessage: noDel(value.message), trace: noDel(value.stack).split('\n') };
    }
    return { errorType: typeof value, errorMessage: value.toString(), trace: [] };
  } catch {
    // e.g. an Error whose stack was deleted, or an object without toString
    return { errorType: 'handled', errorMessage: 'The error value could not be read (name, message or stack missing or not a string)' };
  }
}

/** Strings and other non-errors are logged as an Error carrying them as its message. */
export function intoError(value) {
  return value instanceof Error ? value : new Error(value);
}

/**
 * The Text-format log record of an error: a TAB, then JSON with errorType, errorMessage,
 * any enumerable fields of the error, and the stack as an array of lines.
 */
export function formatErrorForLog(error) {
  try {
    return '\t' + JSON.stringify(error, (_key, value) => expandError(value));
  } catch {
    return '\t' + JSON.stringify(toErrorResponse(error));
  }
}

function expandError(value) {
  if (!(value instanceof Error)) return value;
  const record = Object.assign({ errorType: value.name, errorMessage: value.message, code: value.code }, value);
  if (typeof value.stack === 'string') record.stack = value.stack.split('\n');
  return record;
}
