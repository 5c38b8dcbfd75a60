// Prewarmed ("cell") start: Lamina may start this runtime before it knows the function, with
// LAMINA_CELL=1. Everything that does not depend on the function is loaded and exercised by
// then; the function's environment arrives on stdin as NUL-terminated KEY=VALUE records,
// until EOF.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Whether this process was started as a cell. */
export const isCell = process.env.LAMINA_CELL === '1';

/**
 * As a cell: warms what the cold start will use (the Runtime API connection, module
 * resolution), then waits for the function's environment and takes it on.
 * @param {{ warmUp(): Promise<void> }} client
 */
export async function awaitAssignment(client) {
  if (!isCell) return;
  await client.warmUp();
  try {
    createRequire(import.meta.url).resolve('./lamina-warm-up-that-does-not-exist');
  } catch {
    // only the resolver's code paths were wanted
  }
  const records = readFileSync(0).toString('utf8').split('\0');
  for (const key of Object.keys(process.env)) delete process.env[key];
  for (const record of records) {
    const eq = record.indexOf('=');
    if (eq > 0) process.env[record.slice(0, eq)] = record.slice(eq + 1);
  }
  process.chdir(process.env.LAMBDA_TASK_ROOT ?? '/var/task');
}
