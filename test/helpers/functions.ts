// Creates Lambda functions from in-memory zips through the AWS SDK for JavaScript v3, with the
// defaults most tests want (a Node.js handler in index.js, the test role).

import {
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
  type CreateFunctionCommandOutput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { ROLE } from './lamina.js';
import { makeZip, type ZipEntry } from './zip.js';

/**
 * A function's code: the source of a Node.js handler (zipped as `index.js`), a ready zip
 * archive (a Buffer), or the files to zip (names to contents, or ZipEntry for modes and links).
 */
export type FunctionCode = string | Buffer | Readonly<Record<string, string | Buffer>> | readonly ZipEntry[];

/** The zip archive of `code` (see FunctionCode). */
export function zipOfCode(code: FunctionCode): Buffer {
  if (typeof code === 'string') return makeZip({ 'index.js': code });
  if (Buffer.isBuffer(code)) return code;
  return makeZip(code as Record<string, string | Buffer> | readonly ZipEntry[]);
}

/**
 * CreateFunction `name` with `code` as its ZipFile: runtime nodejs20.x, handler index.handler
 * and the test role unless `extra` says otherwise (it may set any other member too).
 */
export function createZipFunction(
  sdk: LambdaClient,
  name: string,
  code: FunctionCode,
  extra: Partial<CreateFunctionCommandInput> = {},
): Promise<CreateFunctionCommandOutput> {
  return sdk.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Role: ROLE,
      Handler: 'index.handler',
      Code: { ZipFile: zipOfCode(code) },
      ...extra,
    }),
  );
}
