// `lamina invoke <function>`: runs a function once and prints what it returned (stdout) and,
// with --tail, the end of its log (stderr). Exit 1 when the function failed.

import { readFile } from 'node:fs/promises';
import type { LaminaClient } from '../client/index.js';

/** The parsed command line, as cli/index.ts hands it over. */
export interface CommandArgs {
  readonly positional: readonly string[];
  readonly options: ReadonlyMap<string, string | true>;
}

export type Out = (text: string) => void;

export const INVOKE_USAGE =
  'Usage: lamina invoke <function> [--payload <json> | --payload-file <file>] [--qualifier <version|alias>] [--tail]\n';

export async function invokeCommand(client: LaminaClient, args: CommandArgs, out: Out, err: Out): Promise<number> {
  const [name, ...extra] = args.positional;
  const payloadText = args.options.get('payload');
  const payloadFile = args.options.get('payload-file');
  const qualifier = args.options.get('qualifier');
  const usage = (problem: string): number => {
    err(`lamina invoke: ${problem}\n${INVOKE_USAGE}`);
    return 2;
  };
  if (name === undefined) return usage('which function? Name it.');
  if (extra.length > 0) return usage(`unexpected argument '${extra[0]}'`);
  if (payloadText !== undefined && payloadFile !== undefined) return usage('give --payload or --payload-file, not both');
  if (payloadText === true) return usage('--payload needs a JSON value');
  if (payloadFile === true) return usage('--payload-file needs a file name');
  if (qualifier === true) return usage('--qualifier needs a version or alias');

  let payload: Buffer | string | undefined = payloadText;
  if (payloadFile !== undefined) {
    try {
      payload = payloadFile === '-' ? await readStdin() : await readFile(payloadFile);
    } catch (e) {
      return usage(`cannot read ${payloadFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }

  const result = await client.invoke(name, payload, {
    ...(qualifier !== undefined && { qualifier }),
    tail: args.options.has('tail'),
  });
  if (result.logResult !== undefined) err(Buffer.from(result.logResult, 'base64').toString('utf8'));
  const text = result.payload.toString('utf8');
  if (text.length > 0) out(text.endsWith('\n') ? text : `${text}\n`);
  if (result.functionError !== undefined) {
    err(`lamina: ${name} failed (${result.functionError})\n`);
    return 1;
  }
  return 0;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
