import type { Database } from "better-sqlite3";
import { BrokerError } from "../errors.js";

/** The schema version this broker writes. Bump it with a new step in `migrations`. */
export const sqliteSchemaVersion = 3;

/**
 * Migration steps: index i brings a database from version i to i + 1. Steps only add; a newer
 * broker reads an older database after migrating it in one transaction, so upgrades lose nothing.
 */
const migrations: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE records (
    kind TEXT NOT NULL, key TEXT NOT NULL, owner TEXT NOT NULL, value TEXT NOT NULL, revision INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
  ) WITHOUT ROWID;
  CREATE INDEX records_owner ON records (owner, kind);
  CREATE TABLE changes (
    revision INTEGER NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,
    value TEXT NOT NULL, PRIMARY KEY (revision, seq)
  ) WITHOUT ROWID;
  CREATE TABLE global_cidrs (cluster_id TEXT PRIMARY KEY, cidr TEXT NOT NULL UNIQUE) WITHOUT ROWID;
  CREATE TABLE tokens (
    id TEXT PRIMARY KEY, hash TEXT NOT NULL, cluster_id TEXT, description TEXT NOT NULL, created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL, uses INTEGER NOT NULL, max_uses INTEGER NOT NULL, revoked INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE certificates (
    serial TEXT PRIMARY KEY, subject TEXT NOT NULL, issued_at TEXT NOT NULL, not_after TEXT NOT NULL, revoked_at TEXT
  ) WITHOUT ROWID;
  CREATE INDEX certificates_subject ON certificates (subject);
  INSERT INTO meta (key, value) VALUES ('revision', '0'), ('compacted_revision', '0');
  `,
  // 2: the join token each certificate was obtained with (NULL for the admin credential and for
  // certificates issued before this version: a bound rejoin revokes those).
  `
  ALTER TABLE certificates ADD COLUMN token_id TEXT;
  `,
  // 3: what each token is for (join, or a dashboard viewer/admin sign-in); existing tokens join.
  `
  ALTER TABLE tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'join';
  `,
];

/** Brings the database to `sqliteSchemaVersion`; refuses a database from a newer broker. */
export function migrateSqlite(db: Database): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const row = db.prepare<[], { version: number }>("SELECT version FROM schema_version").get();
  const current = row?.version ?? 0;
  if (current > sqliteSchemaVersion) {
    throw new BrokerError(
      "SchemaTooNew",
      `Store schema version ${current} is newer than this broker's ${sqliteSchemaVersion}: upgrade the broker`,
    );
  }
  db.transaction(() => {
    for (let v = current; v < sqliteSchemaVersion; v++) db.exec(migrations[v] ?? "");
    if (row === undefined) db.prepare("INSERT INTO schema_version (version) VALUES (?)").run(sqliteSchemaVersion);
    else db.prepare("UPDATE schema_version SET version = ?").run(sqliteSchemaVersion);
  })();
}
