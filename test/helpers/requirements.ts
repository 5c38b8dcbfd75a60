// Tests that need something from Debian (or another tool on the machine) ask for it here:
// on a machine without it they skip with a message naming the package; in CI
// (LAMINA_REQUIRE_ALL=1, set by .ci/run) a missing package fails the test instead.

import { spawnSync } from 'node:child_process';

const cache = new Map<string, boolean>();

function has(command: string, args: readonly string[]): boolean {
  const key = `${command} ${args.join(' ')}`;
  let ok = cache.get(key);
  if (ok === undefined) {
    const r = spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 });
    ok = r.status === 0;
    cache.set(key, ok);
  }
  return ok;
}

/**
 * Returns false (a skip reason for node:test's `skip`) when `command` runs, else the reason.
 * Usage: `test('…', { skip: missing('aws', ['--version'], 'awscli') }, async () => …)`.
 */
export function missing(command: string, args: readonly string[], pkg: string): string | false {
  if (has(command, args)) return false;
  const reason = `needs ${command} (install the Debian package ${pkg})`;
  if (process.env.LAMINA_REQUIRE_ALL === '1') {
    throw new Error(`${reason}: nothing may be skipped in CI`);
  }
  return reason;
}
