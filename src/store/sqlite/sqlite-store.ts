// The SQLite implementation of Lamina's repositories (better-sqlite3, WAL). better-sqlite3 is
// synchronous, so every repository method runs its whole read-modify-write inside one
// transaction before its promise settles; a `change` callback that throws rolls it back.

import Database from 'better-sqlite3';
import type { AliasRecord, FunctionRecord, PolicyRecord, VersionRecord } from '../../model/index.js';
import { LATEST } from '../../model/index.js';
import type {
  AliasRepository,
  CodeStore,
  FunctionRepository,
  PolicyRepository,
  ProvisionedConcurrencyRecord,
  ProvisionedConcurrencyRepository,
  PublishState,
  EventQueueRepository,
  QueuedEventRecord,
  Store,
  VersionRepository,
} from '../types.js';
import type { LogRepository } from '../log-types.js';
import { MIGRATIONS } from './migrations.js';

interface DocRow {
  doc: string;
}

interface EventRow {
  request_id: string;
  function_name: string;
  qualifier: string | null;
  trace_id: string | null;
  accepted_at: number;
  payload: Buffer;
  attempts: number;
  run_after: number;
}

function sqlStmts(db: Database.Database) {
  return {
    fnGet: db.prepare<[string], DocRow>('SELECT doc FROM functions WHERE name = ?'),
    fnList: db.prepare<[], DocRow>('SELECT doc FROM functions ORDER BY name'),
    fnInsert: db.prepare<[string, string]>('INSERT OR IGNORE INTO functions (name, doc) VALUES (?, ?)'),
    fnUpdate: db.prepare<[string, string]>('UPDATE functions SET doc = ? WHERE name = ?'),
    fnDelete: db.prepare<[string]>('DELETE FROM functions WHERE name = ?'),

    verGet: db.prepare<[string, string], DocRow>('SELECT doc FROM versions WHERE function_name = ? AND version = ?'),
    verList: db.prepare<[string], DocRow>('SELECT doc FROM versions WHERE function_name = ? ORDER BY number'),
    verListLatest: db.prepare<[], DocRow>(
      "SELECT doc FROM versions WHERE version = '$LATEST' ORDER BY function_name",
    ),
    verNewest: db.prepare<[string], DocRow>(
      'SELECT doc FROM versions WHERE function_name = ? AND number > 0 ORDER BY number DESC LIMIT 1',
    ),
    verInsert: db.prepare<[string, string, number, string]>(
      'INSERT INTO versions (function_name, version, number, doc) VALUES (?, ?, ?, ?)',
    ),
    verUpdate: db.prepare<[string, string, string]>(
      'UPDATE versions SET doc = ? WHERE function_name = ? AND version = ?',
    ),
    verDelete: db.prepare<[string, string]>('DELETE FROM versions WHERE function_name = ? AND version = ?'),

    aliasGet: db.prepare<[string, string], DocRow>('SELECT doc FROM aliases WHERE function_name = ? AND name = ?'),
    aliasList: db.prepare<[string], DocRow>('SELECT doc FROM aliases WHERE function_name = ? ORDER BY name'),
    aliasInsert: db.prepare<[string, string, string]>(
      'INSERT OR IGNORE INTO aliases (function_name, name, doc) VALUES (?, ?, ?)',
    ),
    aliasUpdate: db.prepare<[string, string, string]>(
      'UPDATE aliases SET doc = ? WHERE function_name = ? AND name = ?',
    ),
    aliasDelete: db.prepare<[string, string]>('DELETE FROM aliases WHERE function_name = ? AND name = ?'),

    policyGet: db.prepare<[string, string], DocRow>(
      'SELECT doc FROM policies WHERE function_name = ? AND qualifier = ?',
    ),
    policyPut: db.prepare<[string, string, string]>(
      'INSERT OR REPLACE INTO policies (function_name, qualifier, doc) VALUES (?, ?, ?)',
    ),
    policyDelete: db.prepare<[string, string]>('DELETE FROM policies WHERE function_name = ? AND qualifier = ?'),

    pcGet: db.prepare<[string, string], DocRow>(
      'SELECT doc FROM provisioned_concurrency WHERE function_name = ? AND qualifier = ?',
    ),
    pcList: db.prepare<[string], DocRow>(
      'SELECT doc FROM provisioned_concurrency WHERE function_name = ? ORDER BY qualifier',
    ),
    pcListAll: db.prepare<[], DocRow>('SELECT doc FROM provisioned_concurrency ORDER BY function_name, qualifier'),
    pcPut: db.prepare<[string, string, string]>(
      'INSERT OR REPLACE INTO provisioned_concurrency (function_name, qualifier, doc) VALUES (?, ?, ?)',
    ),
    pcDelete: db.prepare<[string, string]>(
      'DELETE FROM provisioned_concurrency WHERE function_name = ? AND qualifier = ?',
    ),

    // Inserts nothing when the function is gone (instead of failing on the foreign key).
    eventAdd: db.prepare<[string, string, string | null, string | null, number, Buffer, string]>(
      `INSERT INTO event_queue (request_id, function_name, qualifier, trace_id, accepted_at, payload)
       SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM functions WHERE name = ?)`,
    ),
    eventRemove: db.prepare<[string]>('DELETE FROM event_queue WHERE request_id = ?'),
    eventHas: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM event_queue WHERE request_id = ?'),
    eventRetry: db.prepare<[number, number, string]>('UPDATE event_queue SET attempts = ?, run_after = ? WHERE request_id = ?'),
    eventList: db.prepare<[], EventRow>(
      'SELECT request_id, function_name, qualifier, trace_id, accepted_at, payload, attempts, run_after FROM event_queue ORDER BY seq',
    ),
  };
}

const parse = <T>(row: DocRow | undefined): T | undefined => (row ? (JSON.parse(row.doc) as T) : undefined);
const parseAll = <T>(rows: DocRow[]): T[] => rows.map((r) => JSON.parse(r.doc) as T);
const versionNumber = (version: string): number => (version === LATEST ? 0 : Number(version));

/** Opens (creating if needed) the database at `file` and brings its schema up to date. */
export function openDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // WAL + NORMAL is durable across a crash of the process (kill -9), which is what Lamina
  // promises; only an OS crash may lose the last transactions.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

export function migrate(db: Database.Database): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  if (applied > MIGRATIONS.length) {
    throw new Error(
      `the database has schema version ${applied}, newer than this Lamina knows (${MIGRATIONS.length})`,
    );
  }
  for (let i = applied; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i]!.sql);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}

export function createSqliteStore(db: Database.Database, code: CodeStore, logs: LogRepository, logDb: Database.Database): Store {
  const q = sqlStmts(db);
  const tx = <A extends unknown[], R>(fn: (...args: A) => R) => db.transaction(fn);

  const createFn = tx((fn: FunctionRecord, latest: VersionRecord, published?: VersionRecord): boolean => {
    if (q.fnInsert.run(fn.name, JSON.stringify(fn)).changes === 0) return false;
    for (const v of [latest, published]) {
      if (v) q.verInsert.run(fn.name, v.version, versionNumber(v.version), JSON.stringify(v));
    }
    return true;
  });
  const updateFn = tx((name: string, change: (fn: FunctionRecord) => FunctionRecord) => {
    const current = parse<FunctionRecord>(q.fnGet.get(name));
    if (!current) return undefined;
    const next = change(current);
    q.fnUpdate.run(JSON.stringify(next), name);
    return next;
  });

  const functions: FunctionRepository = {
    create: async (fn, latest, published) => createFn(fn, latest, published),
    get: async (name) => parse(q.fnGet.get(name)),
    list: async () => parseAll(q.fnList.all()),
    update: async (name, change) => updateFn(name, change),
    delete: async (name) => q.fnDelete.run(name).changes > 0,
  };

  const updateLatest = tx((name: string, change: (v: VersionRecord) => VersionRecord) => {
    const current = parse<VersionRecord>(q.verGet.get(name, LATEST));
    if (!current) return undefined;
    const next = change(current);
    q.verUpdate.run(JSON.stringify(next), name, LATEST);
    return next;
  });
  const publish = tx((name: string, make: (s: PublishState, n: number) => VersionRecord) => {
    const fn = parse<FunctionRecord>(q.fnGet.get(name));
    const latest = parse<VersionRecord>(q.verGet.get(name, LATEST));
    if (!fn || !latest) return undefined;
    const newest = parse<VersionRecord>(q.verNewest.get(name));
    const nextNumber = fn.lastPublished + 1;
    const record = make({ fn, latest, ...(newest && { newest }) }, nextNumber);
    if (record.version === String(nextNumber)) {
      q.verInsert.run(name, record.version, nextNumber, JSON.stringify(record));
      q.fnUpdate.run(JSON.stringify({ ...fn, lastPublished: nextNumber }), name);
    }
    return record;
  });
  const deleteVersion = tx((name: string, version: string, guard: (a: readonly AliasRecord[]) => void) => {
    if (!q.verGet.get(name, version)) return false;
    guard(parseAll<AliasRecord>(q.aliasList.all(name)));
    return q.verDelete.run(name, version).changes > 0;
  });

  const versions: VersionRepository = {
    get: async (name, version) => parse(q.verGet.get(name, version)),
    list: async (name) => parseAll(q.verList.all(name)),
    listLatest: async () => parseAll(q.verListLatest.all()),
    updateLatest: async (name, change) => updateLatest(name, change),
    publish: async (name, make) => publish(name, make),
    delete: async (name, version, guard) => deleteVersion(name, version, guard),
  };

  const updateAlias = tx((fn: string, name: string, change: (a: AliasRecord) => AliasRecord) => {
    const current = parse<AliasRecord>(q.aliasGet.get(fn, name));
    if (!current) return undefined;
    const next = change(current);
    q.aliasUpdate.run(JSON.stringify(next), fn, name);
    return next;
  });

  const aliases: AliasRepository = {
    get: async (fn, name) => parse(q.aliasGet.get(fn, name)),
    list: async (fn) => parseAll(q.aliasList.all(fn)),
    create: async (alias) => q.aliasInsert.run(alias.functionName, alias.name, JSON.stringify(alias)).changes > 0,
    update: async (fn, name, change) => updateAlias(fn, name, change),
    delete: async (fn, name) => q.aliasDelete.run(fn, name).changes > 0,
  };

  const updatePolicy = tx(
    (fn: string, qualifier: string, change: (p: PolicyRecord | undefined) => PolicyRecord | undefined) => {
      const next = change(parse<PolicyRecord>(q.policyGet.get(fn, qualifier)));
      if (next) q.policyPut.run(fn, qualifier, JSON.stringify(next));
      else q.policyDelete.run(fn, qualifier);
      return next;
    },
  );

  const policies: PolicyRepository = {
    get: async (fn, qualifier) => parse(q.policyGet.get(fn, qualifier)),
    update: async (fn, qualifier, change) => updatePolicy(fn, qualifier, change),
  };

  const putProvisioned = tx((record: ProvisionedConcurrencyRecord): boolean => {
    if (!q.fnGet.get(record.functionName)) return false;
    q.pcPut.run(record.functionName, record.qualifier, JSON.stringify(record));
    return true;
  });

  const provisionedConcurrency: ProvisionedConcurrencyRepository = {
    get: async (fn, qualifier) => parse(q.pcGet.get(fn, qualifier)),
    list: async (fn) => parseAll(q.pcList.all(fn)),
    listAll: async () => parseAll(q.pcListAll.all()),
    put: async (record) => putProvisioned(record),
    delete: async (fn, qualifier) => q.pcDelete.run(fn, qualifier).changes > 0,
  };

  const events: EventQueueRepository = {
    add: async (e) =>
      q.eventAdd.run(e.requestId, e.functionName, e.qualifier ?? null, e.traceId ?? null, e.acceptedAt, e.payload, e.functionName).changes > 0,
    remove: async (requestId) => void q.eventRemove.run(requestId),
    has: async (requestId) => q.eventHas.get(requestId) !== undefined,
    retryLater: async (requestId, attempts, runAfter) => void q.eventRetry.run(attempts, runAfter, requestId),
    list: async () =>
      q.eventList.all().map(
        (r): QueuedEventRecord => ({
          requestId: r.request_id,
          functionName: r.function_name,
          ...(r.qualifier !== null && { qualifier: r.qualifier }),
          ...(r.trace_id !== null && { traceId: r.trace_id }),
          acceptedAt: r.accepted_at,
          payload: r.payload,
          ...(r.attempts > 0 && { attempts: r.attempts }),
          ...(r.run_after > 0 && { runAfter: r.run_after }),
        }),
      ),
  };

  return {
    functions,
    versions,
    aliases,
    policies,
    provisionedConcurrency,
    events,
    code,
    logs,
    close: async () => {
      db.close();
      logDb.close();
    },
  };
}
