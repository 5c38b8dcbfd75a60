// The schema of Lamina's SQLite database, as an ordered list of migrations. The database's
// user_version is the number of migrations applied; each runs in its own transaction.
// Never edit a migration that has shipped: add a new one.
//
// Rows keep their identifying columns in SQL and the rest of the record as JSON (`doc`),
// so a new optional field needs no migration; a new column or index does.

export interface Migration {
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'initial',
    sql: `
      CREATE TABLE functions (
        name TEXT PRIMARY KEY,
        doc  TEXT NOT NULL
      );
      CREATE TABLE versions (
        function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
        version       TEXT NOT NULL,
        number        INTEGER NOT NULL, -- 0 for $LATEST
        doc           TEXT NOT NULL,
        PRIMARY KEY (function_name, version)
      );
      CREATE TABLE aliases (
        function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
        name          TEXT NOT NULL,
        doc           TEXT NOT NULL,
        PRIMARY KEY (function_name, name)
      );
      CREATE TABLE policies (
        function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
        qualifier     TEXT NOT NULL, -- '' for the unqualified function
        doc           TEXT NOT NULL,
        PRIMARY KEY (function_name, qualifier)
      );
    `,
  },
  {
    name: 'provisioned-concurrency',
    sql: `
      CREATE TABLE provisioned_concurrency (
        function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
        qualifier     TEXT NOT NULL, -- a version number or an alias name
        doc           TEXT NOT NULL,
        PRIMARY KEY (function_name, qualifier)
      );
      -- A configuration lives as long as the version or alias it names.
      CREATE TRIGGER provisioned_concurrency_version_gone AFTER DELETE ON versions
      BEGIN
        DELETE FROM provisioned_concurrency WHERE function_name = OLD.function_name AND qualifier = OLD.version;
      END;
      CREATE TRIGGER provisioned_concurrency_alias_gone AFTER DELETE ON aliases
      BEGIN
        DELETE FROM provisioned_concurrency WHERE function_name = OLD.function_name AND qualifier = OLD.name;
      END;
    `,
  },
  {
    name: 'event-queue',
    sql: `
      CREATE TABLE event_queue (
        seq           INTEGER PRIMARY KEY AUTOINCREMENT, -- the order of acceptance
        request_id    TEXT NOT NULL UNIQUE,
        function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
        qualifier     TEXT,
        trace_id      TEXT,
        accepted_at   INTEGER NOT NULL,
        payload       BLOB NOT NULL
      );
    `,
  },
  {
    name: 'event-retries',
    sql: `
      ALTER TABLE event_queue ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE event_queue ADD COLUMN run_after INTEGER NOT NULL DEFAULT 0;
    `,
  },
];
