// The `lamina` command (all but `serve`, which main.ts runs): talks to a running Lamina
// through client/ only, prints for people, and exits 0 on success, 1 when the server said
// no, 2 for a usage error, 3 when no server answers.

import { ClientError, LaminaClient } from '../client/index.js';
import { invokeCommand } from './invoke.js';
import { logsCommand } from './logs.js';

const USAGE = `Usage: lamina <command> [options]

Commands:
  serve                 start the server in the foreground (what npm start runs)
  functions             list the functions, one line each
  runtimes              list the runtimes this server can run
  invoke <function>     run a function once and print its response
      [--payload <json> | --payload-file <file|->] [--qualifier <version|alias>]
      [--tail]          also print the end of its log (to stderr)
  logs <function>       print the function's log lines, oldest first
      [--since <10m|1h|2d|ISO time>] (default 10m)  [--qualifier <version|alias>]
      [--filter-pattern <pattern>]   [--follow] keep printing new lines until Ctrl-C
  help                  show this text

Options:
  --endpoint <url>      the server (default: http://$LAMINA_HOST:$LAMINA_PORT, i.e. http://127.0.0.1:8700)

Environment:
  LAMINA_HOST, LAMINA_PORT, LAMINA_REGION,
  LAMINA_ROOT_ACCESS_KEY_ID, LAMINA_ROOT_SECRET_ACCESS_KEY   (defaults: test / test)
`;

type Out = (text: string) => void;

interface ParsedArgs {
  readonly command: string | undefined;
  readonly positional: string[];
  readonly options: Map<string, string | true>;
}

function parseArgs(argv: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h') options.set('help', true);
    else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const key = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const inline = eq < 0 ? undefined : a.slice(eq + 1);
      const next = argv[i + 1];
      if (inline !== undefined) options.set(key, inline);
      else if (next !== undefined && !next.startsWith('--') && VALUE_OPTIONS.has(key)) {
        options.set(key, next);
        i++;
      } else options.set(key, true);
    } else positional.push(a);
  }
  return { command: positional.shift(), positional, options };
}

const VALUE_OPTIONS = new Set(['endpoint', 'payload', 'payload-file', 'qualifier', 'since', 'filter-pattern']);

function clientFor(args: ParsedArgs, env: NodeJS.ProcessEnv): LaminaClient {
  const endpointOpt = args.options.get('endpoint');
  const host = env.LAMINA_HOST ?? '127.0.0.1';
  const endpoint =
    typeof endpointOpt === 'string' ? endpointOpt : `http://${host.includes(':') ? `[${host}]` : host}:${env.LAMINA_PORT ?? '8700'}`;
  return new LaminaClient({
    endpoint,
    region: env.LAMINA_REGION ?? 'us-east-1',
    credentials: {
      accessKeyId: env.LAMINA_ROOT_ACCESS_KEY_ID ?? 'test',
      secretAccessKey: env.LAMINA_ROOT_SECRET_ACCESS_KEY ?? 'test',
    },
  });
}

/** Formats rows as aligned columns under a header. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

const COMMANDS: Record<string, (client: LaminaClient, args: ParsedArgs, out: Out, err: Out) => Promise<number>> = {
  invoke: invokeCommand,
  logs: logsCommand,

  async functions(client, _args, out) {
    const fns = await client.listFunctions();
    if (fns.length === 0) {
      out('No functions yet. Create one with: aws --endpoint-url <lamina> lambda create-function …\n');
      return 0;
    }
    out(
      table(
        ['NAME', 'RUNTIME', 'MEMORY', 'TIMEOUT', 'CODE SIZE', 'LAST MODIFIED'],
        fns.map((f) => [
          String(f.FunctionName),
          String(f.Runtime),
          `${String(f.MemorySize)} MB`,
          `${String(f.Timeout)} s`,
          `${String(f.CodeSize)} B`,
          String(f.LastModified),
        ]),
      ),
    );
    return 0;
  },

  async runtimes(client, _args, out) {
    const health = await client.health();
    const runtimes = (health.runtimes ?? []) as { id: string; version?: string; executable?: string; warning?: string }[];
    out(
      table(
        ['RUNTIME', 'VERSION', 'EXECUTABLE', 'NOTE'],
        runtimes.map((r) => [r.id, r.version ?? '-', r.executable ?? '(the function\'s bootstrap)', r.warning ?? '']),
      ),
    );
    return 0;
  },
};

export async function runCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  out: Out = (t) => process.stdout.write(t),
  err: Out = (t) => process.stderr.write(t),
): Promise<number> {
  const args = parseArgs(argv);
  if (args.command === undefined || args.command === 'help' || args.options.has('help')) {
    out(USAGE);
    return args.command === undefined && !args.options.has('help') ? 2 : 0;
  }
  const command = COMMANDS[args.command];
  if (!command) {
    err(`lamina: unknown command '${args.command}'\n\n${USAGE}`);
    return 2;
  }
  const client = clientFor(args, env);
  try {
    return await command(client, args, out, err);
  } catch (e) {
    if (e instanceof ClientError) {
      err(`lamina: ${e.code}: ${e.message}\n`);
      return 1;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') {
      err(`lamina: no Lamina server answers at the endpoint (${code}). Start one with: npm start\n`);
      return 3;
    }
    throw e;
  } finally {
    client.close();
  }
}
