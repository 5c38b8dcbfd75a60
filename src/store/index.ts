// Lamina's durable state, reached only through the repository interfaces in types.ts.
// openStore() picks the implementation; today that is SQLite under the data directory.

import fs from 'node:fs/promises';
import path from 'node:path';
import { openCodeStore } from './code/code-store.js';
import { createSqliteLogRepository, openLogDatabase } from './sqlite/log-store.js';
import { createSqliteStore, openDatabase } from './sqlite/sqlite-store.js';
import type { Store } from './types.js';

export type {
  AliasRepository,
  CodeStore,
  EventQueueRepository,
  FunctionRepository,
  PolicyRepository,
  ProvisionedConcurrencyRecord,
  ProvisionedConcurrencyRepository,
  PublishState,
  QueuedEventRecord,
  Store,
  VersionRepository,
} from './types.js';
export type {
  LogEventInput,
  LogGroupInfo,
  LogQuery,
  LogRepository,
  LogStreamInfo,
  StoredLogEvent,
} from './log-types.js';
export { MAX_ZIP_BYTES } from './code/code-store.js';
export { removeTree } from './code/remove-tree.js';

export async function openStore(dataDir: string): Promise<Store> {
  await fs.mkdir(dataDir, { recursive: true });
  const code = await openCodeStore(path.join(dataDir, 'code'));
  const logDb = openLogDatabase(path.join(dataDir, 'logs.db'));
  return createSqliteStore(openDatabase(path.join(dataDir, 'lamina.db')), code, createSqliteLogRepository(logDb), logDb);
}
