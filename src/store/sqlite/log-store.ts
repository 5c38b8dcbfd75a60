// The SQLite implementation of the log repository, in its own database file so that log
// traffic never contends with control-plane writes.

import Database from 'better-sqlite3';
import type { LogEventInput, LogGroupInfo, LogQuery, LogRepository, LogStreamInfo, StoredLogEvent } from '../log-types.js';

const SCHEMA = [
  `CREATE TABLE log_groups (
     id        INTEGER PRIMARY KEY,
     name      TEXT NOT NULL UNIQUE,
     created   INTEGER NOT NULL,
     retention INTEGER
   );
   CREATE TABLE log_streams (
     id             INTEGER PRIMARY KEY,
     group_id       INTEGER NOT NULL REFERENCES log_groups(id) ON DELETE CASCADE,
     name           TEXT NOT NULL,
     created        INTEGER NOT NULL,
     first_event    INTEGER,
     last_event     INTEGER,
     last_ingestion INTEGER,
     stored_bytes   INTEGER NOT NULL DEFAULT 0,
     UNIQUE (group_id, name)
   );
   CREATE TABLE log_events (
     id        INTEGER PRIMARY KEY,
     group_id  INTEGER NOT NULL REFERENCES log_groups(id) ON DELETE CASCADE,
     stream_id INTEGER NOT NULL REFERENCES log_streams(id) ON DELETE CASCADE,
     timestamp INTEGER NOT NULL,
     ingestion INTEGER NOT NULL,
     message   TEXT NOT NULL
   );
   CREATE INDEX log_events_by_time ON log_events (group_id, timestamp, id);`,
];

interface EventRow {
  id: number;
  stream: string;
  timestamp: number;
  ingestion: number;
  message: string;
}

export function openLogDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  const applied = db.pragma('user_version', { simple: true }) as number;
  for (let i = applied; i < SCHEMA.length; i++) {
    db.transaction(() => {
      db.exec(SCHEMA[i]!);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
  return db;
}

export function createSqliteLogRepository(db: Database.Database): LogRepository {
  const q = {
    groupId: db.prepare<[string], { id: number }>('SELECT id FROM log_groups WHERE name = ?'),
    groupInsert: db.prepare<[string, number]>('INSERT INTO log_groups (name, created) VALUES (?, ?)'),
    streamId: db.prepare<[number, string], { id: number }>('SELECT id FROM log_streams WHERE group_id = ? AND name = ?'),
    streamInsert: db.prepare<[number, string, number]>('INSERT INTO log_streams (group_id, name, created) VALUES (?, ?, ?)'),
    eventInsert: db.prepare<[number, number, number, number, string]>(
      'INSERT INTO log_events (group_id, stream_id, timestamp, ingestion, message) VALUES (?, ?, ?, ?, ?)',
    ),
    streams: db.prepare<[number], Record<string, number | string | null>>(
      'SELECT name, created, first_event, last_event, last_ingestion, stored_bytes FROM log_streams WHERE group_id = ? ORDER BY name',
    ),
    groups: db.prepare<[], Record<string, number | string | null>>(
      'SELECT g.name, g.created, g.retention, COALESCE(SUM(s.stored_bytes), 0) AS bytes FROM log_groups g LEFT JOIN log_streams s ON s.group_id = g.id GROUP BY g.id ORDER BY g.name',
    ),
    groupDelete: db.prepare<[string]>('DELETE FROM log_groups WHERE name = ?'),
  };
  const touch = db.prepare(
    `UPDATE log_streams SET
       first_event = CASE WHEN first_event IS NULL OR first_event > @first THEN @first ELSE first_event END,
       last_event = CASE WHEN last_event IS NULL OR last_event < @last THEN @last ELSE last_event END,
       last_ingestion = @ingestion,
       stored_bytes = stored_bytes + @bytes
     WHERE id = @id`,
  );

  const groupCache = new Map<string, number>();
  const streamCache = new Map<string, number>();
  const groupIdOf = (name: string, now: number): number => {
    let id = groupCache.get(name) ?? q.groupId.get(name)?.id;
    if (id === undefined) id = Number(q.groupInsert.run(name, now).lastInsertRowid);
    groupCache.set(name, id);
    return id;
  };
  /** `created`: a stream is made when its first event happens, which may be before it is stored. */
  const streamIdOf = (groupId: number, name: string, created: number): number => {
    const key = `${groupId}\0${name}`;
    let id = streamCache.get(key) ?? q.streamId.get(groupId, name)?.id;
    if (id === undefined) id = Number(q.streamInsert.run(groupId, name, created).lastInsertRowid);
    streamCache.set(key, id);
    return id;
  };

  const append = db.transaction((events: readonly LogEventInput[]) => {
    const now = Date.now();
    const touched = new Map<number, { first: number; last: number; bytes: number }>();
    for (const e of events) {
      const g = groupIdOf(e.group, now);
      const s = streamIdOf(g, e.stream, Math.min(now, e.timestamp));
      q.eventInsert.run(g, s, e.timestamp, now, e.message);
      const t = touched.get(s);
      const bytes = Buffer.byteLength(e.message) + 26;
      if (t) {
        t.first = Math.min(t.first, e.timestamp);
        t.last = Math.max(t.last, e.timestamp);
        t.bytes += bytes;
      } else touched.set(s, { first: e.timestamp, last: e.timestamp, bytes });
    }
    for (const [id, t] of touched) touch.run({ id, first: t.first, last: t.last, ingestion: now, bytes: t.bytes });
  });

  return {
    async append(events) {
      if (events.length === 0) return;
      try {
        append(events);
      } catch (err) {
        // A group deleted under us leaves stale cache entries: forget them and retry once.
        groupCache.clear();
        streamCache.clear();
        append(events);
        void err;
      }
    },

    async events(query: LogQuery): Promise<StoredLogEvent[]> {
      const groupId = q.groupId.get(query.group)?.id;
      if (groupId === undefined) return [];
      const where = ['e.group_id = @groupId'];
      const params: Record<string, unknown> = { groupId, limit: query.limit };
      if (query.startTime !== undefined) {
        where.push('e.timestamp >= @start');
        params.start = query.startTime;
      }
      if (query.endTime !== undefined) {
        where.push('e.timestamp <= @end');
        params.end = query.endTime;
      }
      if (query.after) {
        where.push('(e.timestamp > @afterTs OR (e.timestamp = @afterTs AND e.id > @afterId))');
        params.afterTs = query.after.timestamp;
        params.afterId = query.after.id;
      }
      if (query.streams && query.streams.length > 0) {
        where.push(`s.name IN (${query.streams.map((_, i) => `@s${i}`).join(', ')})`);
        query.streams.forEach((name, i) => (params[`s${i}`] = name));
      }
      if (query.streamPrefix !== undefined) {
        where.push("substr(s.name, 1, length(@prefix)) = @prefix");
        params.prefix = query.streamPrefix;
      }
      const rows = db
        .prepare(
          `SELECT e.id, s.name AS stream, e.timestamp, e.ingestion, e.message
             FROM log_events e JOIN log_streams s ON s.id = e.stream_id
            WHERE ${where.join(' AND ')}
            ORDER BY e.timestamp, e.id LIMIT @limit`,
        )
        .all(params) as EventRow[];
      return rows.map((r) => ({ id: r.id, stream: r.stream, timestamp: r.timestamp, ingestionTime: r.ingestion, message: r.message }));
    },

    async streams(group) {
      const groupId = q.groupId.get(group)?.id;
      if (groupId === undefined) return undefined;
      return q.streams.all(groupId).map(
        (r): LogStreamInfo => ({
          name: String(r.name),
          creationTime: Number(r.created),
          ...(r.first_event !== null && { firstEventTimestamp: Number(r.first_event) }),
          ...(r.last_event !== null && { lastEventTimestamp: Number(r.last_event) }),
          ...(r.last_ingestion !== null && { lastIngestionTime: Number(r.last_ingestion) }),
          storedBytes: Number(r.stored_bytes),
        }),
      );
    },

    async groups() {
      return q.groups.all().map(
        (r): LogGroupInfo => ({
          name: String(r.name),
          creationTime: Number(r.created),
          ...(r.retention !== null && { retentionInDays: Number(r.retention) }),
          storedBytes: Number(r.bytes),
        }),
      );
    },

    async deleteGroup(group) {
      groupCache.clear();
      streamCache.clear();
      return q.groupDelete.run(group).changes > 0;
    },
  };
}
