// Replaces console.* so that every call writes exactly one line to stdout, framed as AWS's
// Node runtime frames it: Text `<time>\t<requestId>\t<LEVEL>\t<message>` or one JSON object.
import { format } from 'node:util';
import { formatErrorForLog, intoError } from './errors.mjs';

// Lower numbers are chattier; AWS_LAMBDA_LOG_LEVEL drops everything below its level.
const PRIORITY = new Map([['TRACE', 1], ['DEBUG', 2], ['INFO', 3], ['WARN', 4], ['ERROR', 5], ['FATAL', 6]]);

let jsonFormat = false;
let requestId; // undefined until the first invocation: AWS logs init lines with "undefined"
let tenantId;

/** Tags the lines that follow with this invocation (they keep it until the next one). */
export function setLogContext(id, tenant) {
  requestId = id;
  tenantId = tenant;
}

/** How the runtime itself logs a failure, e.g. `logError('Invoke Error', err)`. */
export function logError(label, error) {
  if (jsonFormat) console.error(intoError(error));
  else console.error(label, formatErrorForLog(intoError(error)));
}

export function patchConsole(env) {
  const json = env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';
  jsonFormat = json;
  const threshold = PRIORITY.get(env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()) ?? PRIORITY.get('TRACE');
  const render = json ? jsonLine : textLine;
  const method = (level) => {
    const write = (message, ...params) => {
      process.stdout.write(render(level, message, params).replace(/\n/g, '\r') + '\n');
    };
    return PRIORITY.get(level) >= threshold || level === 'FATAL' ? write : () => {};
  };
  console.trace = method('TRACE');
  console.debug = method('DEBUG');
  console.info = method('INFO');
  console.log = console.info;
  console.warn = method('WARN');
  console.error = method('ERROR');
  console.fatal = method('FATAL');
}

function textLine(level, message, params) {
  return `${new Date().toISOString()}\t${requestId}\t${level}\t${format(message, ...params)}`;
}

/**
 * A single argument is kept as a value (objects stay objects, errors are expanded);
 * several are formatted into a string, with the first Error's fields lifted alongside.
 */
function jsonLine(level, message, params) {
  const record = { timestamp: new Date().toISOString(), level, requestId };
  if (tenantId !== undefined && tenantId !== null) record.tenantId = tenantId;
  if (params.length === 0) {
    record.message = message;
    try {
      return JSON.stringify(record, expandErrorForJson);
    } catch {
      record.message = format(message); // circular, BigInt, a throwing toJSON…
      return JSON.stringify(record);
    }
  }
  record.message = format(message, ...params);
  const error = [message, ...params].find((param) => param instanceof Error);
  if (error) {
    record.errorType = error.constructor?.name ?? 'UnknownError';
    record.errorMessage = error.message;
    record.stackTrace = typeof error.stack === 'string' ? error.stack.split('\n') : [];
  }
  return JSON.stringify(record);
}

function expandErrorForJson(_key, value) {
  if (!(value instanceof Error)) return value;
  const stackTrace = typeof value.stack === 'string' ? value.stack.split('\n') : value.stack;
  return Object.assign({ errorType: value.constructor?.name ?? 'UnknownError', errorMessage: value.message, stackTrace }, value);
}
