// Builds the `context` object a handler receives from the /next headers and the
// environment, and forwards the invocation's X-Ray trace id into process.env.

/**
 * @param {Record<string, string>} headers the /next response headers (lower-case names)
 * @param {object} controls callbackWaitsForEmptyEventLoop + succeed/fail/done, extended in place
 * @throws when Lambda-Runtime-Client-Context or -Cognito-Identity is not JSON
 */
export function createContext(headers, controls) {
  forwardTraceId(headers['lambda-runtime-trace-id']);
  const env = process.env;
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  // Key order is AWS's, so JSON.stringify(context) prints the same object.
  return Object.assign(controls, {
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, // a string, as on AWS
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parseJsonHeader(headers['lambda-runtime-client-context'], 'ClientContext'),
    identity: parseJsonHeader(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    tenantId: headers['lambda-runtime-aws-tenant-id'],
    getRemainingTimeInMillis: () => deadline - Date.now(),
  });
}

function forwardTraceId(traceId) {
  if (traceId) process.env._X_AMZN_TRACE_ID = traceId;
  else delete process.env._X_AMZN_TRACE_ID;
}

function parseJsonHeader(value, name) {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err}`);
  }
}
