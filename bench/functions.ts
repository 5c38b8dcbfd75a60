// The functions the bench runs (noop handlers in Node.js and Python, a 100 ms one for the
// scale-out burst) and the Lambda API calls that create, change and delete them.

import type { LaminaClient } from '../src/client/index.js';
import { makeZip } from '../test/helpers/zip.js';

const ROLE = 'arn:aws:iam::000000000000:role/lamina-bench';

export interface Code {
  readonly runtime: string;
  readonly handler: string;
  readonly zip: Buffer;
}

export const NODE_NOOP: Code = {
  runtime: 'nodejs20.x',
  handler: 'index.handler',
  zip: makeZip({ 'index.js': 'exports.handler = async () => ({});\n' }),
};

export const PYTHON_NOOP: Code = {
  runtime: 'python3.11',
  handler: 'lambda_function.handler',
  zip: makeZip({ 'lambda_function.py': 'def handler(e, c):\n    return {}\n' }),
};

/** Takes 100 ms, so that a burst of 100 really needs many environments. */
export const NODE_SLEEP_100MS: Code = {
  runtime: 'nodejs20.x',
  handler: 'index.handler',
  zip: makeZip({ 'index.js': 'exports.handler = async () => { await new Promise((r) => setTimeout(r, 100)); return {}; };\n' }),
};

/** The CreateFunction request body for `name` (also used with a `{n}` placeholder in the name). */
export function createBody(name: string, code: Code): string {
  return JSON.stringify({
    FunctionName: name,
    Runtime: code.runtime,
    Role: ROLE,
    Handler: code.handler,
    Code: { ZipFile: code.zip.toString('base64') },
  });
}

export async function createFunction(client: LaminaClient, name: string, code: Code): Promise<void> {
  await client.request('POST', '/2015-03-31/functions', {
    body: createBody(name, code),
    headers: { 'content-type': 'application/json' },
  });
}

/** Changes the Description: $LATEST's environments retire, so the next invoke is cold. */
export async function touchConfiguration(client: LaminaClient, name: string, description: string): Promise<void> {
  await client.request('PUT', `/2015-03-31/functions/${encodeURIComponent(name)}/configuration`, {
    body: JSON.stringify({ Description: description }),
    headers: { 'content-type': 'application/json' },
  });
}

export async function deleteFunction(client: LaminaClient, name: string): Promise<void> {
  await client.request('DELETE', `/2015-03-31/functions/${encodeURIComponent(name)}`);
}

/** How many log streams (one per environment) the function's log group has. */
export async function countLogStreams(client: LaminaClient, name: string): Promise<number> {
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await client.logs<{ logStreams?: unknown[]; nextToken?: string }>('DescribeLogStreams', {
      logGroupName: `/aws/lambda/${name}`,
      ...(nextToken !== undefined && { nextToken }),
    });
    count += page.logStreams?.length ?? 0;
    nextToken = page.nextToken;
  } while (nextToken);
  return count;
}
