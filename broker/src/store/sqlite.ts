import { accessSync, constants } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { recordKey, recordKinds, recordOwner, type BrokerRecord, type RecordKind } from "@isthmus/core/brokerapi";
import { errorMessage } from "@isthmus/core/errors";
import { BrokerError } from "../errors.js";
import { migrateSqlite } from "./sqlite-schema.js";
import { checkJoin, checkRenewal, toAdmission, type JoinDecision } from "./join-admission.js";
import type { CertificateRow, CommitEvent, Store, StoredChange, StoreView, TokenRow, TokenScope, TransactResult, WritePlan } from "./store.js";

/** Options of `createSqliteStore`. */
export interface SqliteStoreOptions {
  /** The database file (created if missing); WAL files sit next to it. */
  readonly path: string;
  /** Revisions kept in the change log for resuming watchers (default 10,000). */
  readonly historyRevisions?: number;
}

interface RecordRow {
  kind: string;
  key: string;
  value: string;
}
interface ChangeRow {
  revision: number;
  type: string;
  kind: string;
  key: string;
  value: string;
}
interface TokenDbRow {
  id: string;
  hash: string;
  cluster_id: string | null;
  description: string;
  created_at: string;
  expires_at: string;
  uses: number;
  max_uses: number;
  revoked: number;
  scope: string;
}
interface CertificateDbRow {
  serial: string;
  subject: string;
  issued_at: string;
  not_after: string;
  revoked_at: string | null;
  token_id: string | null;
}

/**
 * Opens (creating and migrating as needed) the SQLite store: WAL journal, synchronous=FULL so
 * that an acknowledged publish survives a crash, one SQL transaction per commit.
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const history = options.historyRevisions ?? 10_000;
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(options.path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("busy_timeout = 5000");
    migrateSqlite(db);
  } catch (err) {
    if (err instanceof BrokerError) throw err;
    throw new BrokerError("StoreFailed", `Cannot open SQLite store ${options.path}: ${errorMessage(err)}${writeHint(options.path)}`, { cause: err });
  }
  const listeners = new Set<(event: CommitEvent) => void>();
  const revocationListeners = new Set<(revoked: { readonly serial: string; readonly subject: string }) => void>();
  const announce = (revoked: readonly { readonly serial: string; readonly subject: string }[]): void => {
    for (const r of revoked) for (const l of revocationListeners) l({ serial: r.serial, subject: r.subject });
  };
  const q = {
    meta: db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?"),
    setMeta: db.prepare<[string, string]>("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
    insertMeta: db.prepare<[string, string]>("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"),
    listKind: db.prepare<[string], RecordRow>("SELECT kind, key, value FROM records WHERE kind = ? ORDER BY key"),
    listOwned: db.prepare<[string, string], RecordRow>("SELECT kind, key, value FROM records WHERE kind = ? AND owner = ? ORDER BY key"),
    getRecord: db.prepare<[string, string], { value: string }>("SELECT value FROM records WHERE kind = ? AND key = ?"),
    putRecord: db.prepare<[string, string, string, string, number]>(
      "INSERT INTO records (kind, key, owner, value, revision) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET owner = excluded.owner, value = excluded.value, revision = excluded.revision",
    ),
    deleteRecord: db.prepare<[string, string]>("DELETE FROM records WHERE kind = ? AND key = ?"),
    insertChange: db.prepare<[number, number, string, string, string, string]>(
      "INSERT INTO changes (revision, seq, type, kind, key, value) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    changesSince: db.prepare<[number], ChangeRow>("SELECT revision, type, kind, key, value FROM changes WHERE revision > ? ORDER BY revision, seq"),
    compact: db.prepare<[number]>("DELETE FROM changes WHERE revision <= ?"),
    globalCidrs: db.prepare<[], { cluster_id: string; cidr: string }>("SELECT cluster_id, cidr FROM global_cidrs"),
    allocate: db.prepare<[string, string]>("INSERT INTO global_cidrs (cluster_id, cidr) VALUES (?, ?)"),
    release: db.prepare<[string]>("DELETE FROM global_cidrs WHERE cluster_id = ?"),
    insertToken: db.prepare(
      "INSERT INTO tokens (id, hash, cluster_id, description, created_at, expires_at, uses, max_uses, revoked, scope) VALUES (@id, @hash, @cluster_id, @description, @created_at, @expires_at, @uses, @max_uses, @revoked, @scope)",
    ),
    getToken: db.prepare<[string], TokenDbRow>("SELECT * FROM tokens WHERE id = ?"),
    listTokens: db.prepare<[], TokenDbRow>("SELECT * FROM tokens ORDER BY created_at DESC, id"),
    useToken: db.prepare<[string]>("UPDATE tokens SET uses = uses + 1 WHERE id = ?"),
    revokeToken: db.prepare<[string]>("UPDATE tokens SET revoked = 1 WHERE id = ?"),
    insertCert: db.prepare<[string, string, string, string, string | null]>(
      "INSERT INTO certificates (serial, subject, issued_at, not_after, revoked_at, token_id) VALUES (?, ?, ?, ?, NULL, ?)",
    ),
    getCert: db.prepare<[string], CertificateDbRow>("SELECT * FROM certificates WHERE serial = ?"),
    allCertsOf: db.prepare<[string], CertificateDbRow>("SELECT * FROM certificates WHERE subject = ?"),
    revokeCert: db.prepare<[string, string]>("UPDATE certificates SET revoked_at = ? WHERE serial = ?"),
    certsOf: db.prepare<[string], { serial: string }>("SELECT serial FROM certificates WHERE subject = ? AND revoked_at IS NULL"),
    revokeCertsOf: db.prepare<[string, string]>("UPDATE certificates SET revoked_at = ? WHERE subject = ? AND revoked_at IS NULL"),
    revoked: db.prepare<[], { serial: string }>("SELECT serial FROM certificates WHERE revoked_at IS NOT NULL"),
  };
  const metaNumber = (key: string): number => Number(q.meta.get(key)?.value ?? "0");
  let revision = metaNumber("revision");
  let compacted = metaNumber("compacted_revision");
  let closed = false;

  /** Writes an admitted Join's or renewal's token use, certificate and revocations (inside a transaction). */
  const apply = (decision: JoinDecision): void => {
    if (!decision.ok) return;
    if (decision.token !== undefined) q.useToken.run(decision.token.id);
    const c = decision.certificate;
    q.insertCert.run(c.serial, c.subject, c.issuedAt, c.notAfter, c.tokenId ?? null);
    for (const old of decision.revoke) q.revokeCert.run(old.revokedAt, old.serial);
  };

  const view: StoreView = {
    list: (kind, owner) => (owner === undefined ? q.listKind.all(kind) : q.listOwned.all(kind, owner)).map(toRecord),
    globalCidrs: () => new Map(q.globalCidrs.all().map((r) => [r.cluster_id, r.cidr])),
  };

  const commit = db.transaction(<T>(plan: (view: StoreView) => WritePlan<T>): TransactResult<T> => {
    const { puts, deletes, allocate, release, result } = plan(view);
    const next = revision + 1;
    const changes: StoredChange[] = [];
    for (const record of puts) {
      const key = recordKey(record);
      const value = JSON.stringify(record.value);
      if (q.getRecord.get(record.kind, key)?.value === value) continue;
      q.putRecord.run(record.kind, key, recordOwner(record), value, next);
      changes.push({ type: "put", key, record });
    }
    for (const { kind, key } of deletes) {
      const old = q.getRecord.get(kind, key);
      if (old === undefined) continue;
      q.deleteRecord.run(kind, key);
      changes.push({ type: "delete", key, record: toRecord({ kind, value: old.value }) });
    }
    if (release !== undefined) q.release.run(release);
    for (const a of allocate ?? []) q.allocate.run(a.clusterId, a.cidr);
    if (changes.length === 0) return { result, revision, changes };
    changes.forEach((c, seq) => q.insertChange.run(next, seq, c.type, c.record.kind, c.key, JSON.stringify(c.record.value)));
    q.setMeta.run("revision", String(next));
    const horizon = next - history;
    if (horizon > compacted && next % 100 === 0) {
      q.compact.run(horizon);
      q.setMeta.run("compacted_revision", String(horizon));
    }
    return { result, revision: next, changes };
  });

  /**
   * Runs a synchronous store operation as a promise (the Store contract is asynchronous):
   * SQLite failures become "StoreFailed", errors thrown by a plan pass through unchanged.
   */
  const run = <T>(what: string, fn: () => T): Promise<T> => {
    try {
      if (closed) throw new BrokerError("StoreFailed", "The SQLite store is closed");
      return Promise.resolve(fn());
    } catch (err) {
      if (err instanceof BetterSqlite3.SqliteError) {
        return Promise.reject(new BrokerError("StoreFailed", `SQLite ${what} failed: ${err.message}`, { cause: err }));
      }
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  };

  return {
    name: "sqlite",
    ready: () => !closed,
    revision: () => revision,
    compactedRevision: () => compacted,
    transact<T>(plan: (view: StoreView) => WritePlan<T>): Promise<TransactResult<T>> {
      return run("commit", () => {
        const out = commit(plan) as TransactResult<T>;
        if (out.revision !== revision) {
          revision = out.revision;
          compacted = metaNumber("compacted_revision");
          const event: CommitEvent = { revision: out.revision, changes: out.changes };
          for (const listener of listeners) listener(event);
        }
        return out;
      });
    },
    snapshot(kinds) {
      const wanted: readonly RecordKind[] = kinds.length === 0 ? recordKinds : kinds;
      return run("snapshot", () => db.transaction(() => ({ revision, records: wanted.flatMap((k) => view.list(k)) }))());
    },
    changesSince(since) {
      return run("read changes", (): CommitEvent[] | "compacted" => {
        if (since < compacted) return "compacted";
        const events: CommitEvent[] = [];
        for (const row of q.changesSince.all(since)) {
          let last = events[events.length - 1];
          if (last?.revision !== row.revision) {
            last = { revision: row.revision, changes: [] };
            events.push(last);
          }
          (last.changes as StoredChange[]).push({ type: row.type === "delete" ? "delete" : "put", key: row.key, record: toRecord(row) });
        }
        return events;
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    insertToken(token) {
      return run("insert token", () => {
        q.insertToken.run({ ...tokenToDb(token) });
      });
    },
    admitJoin(request) {
      const admit = db.transaction(() => {
        const row = q.getToken.get(request.id);
        const decision = checkJoin(request, row === undefined ? undefined : tokenFromDb(row), q.allCertsOf.all(request.clusterId).map(certFromDb));
        apply(decision);
        return { admission: toAdmission(decision), revoked: decision.ok ? decision.revoke : [] };
      });
      return run("admit join", () => {
        const out = admit();
        announce(out.revoked);
        return out.admission;
      });
    },
    renewCertificate(request) {
      const renew = db.transaction(() => {
        const row = q.getCert.get(request.presentedSerial);
        const decision = checkRenewal(request, row === undefined ? undefined : certFromDb(row));
        apply(decision);
        return toAdmission(decision);
      });
      return run("renew certificate", () => renew());
    },
    getToken(id) {
      return run("read token", () => {
        const row = q.getToken.get(id);
        return row === undefined ? undefined : tokenFromDb(row);
      });
    },
    listTokens() {
      return run("list tokens", () => q.listTokens.all().map(tokenFromDb));
    },
    revokeToken(id) {
      return run("revoke token", () => {
        q.revokeToken.run(id);
        const row = q.getToken.get(id);
        return row === undefined ? undefined : tokenFromDb(row);
      });
    },
    insertCertificate(cert: CertificateRow) {
      return run("insert certificate", () => {
        q.insertCert.run(cert.serial, cert.subject, cert.issuedAt, cert.notAfter, cert.tokenId ?? null);
      });
    },
    revokeCertificatesOf(subject, now) {
      const revoke = db.transaction(() => {
        const serials = q.certsOf.all(subject).map((r) => r.serial);
        q.revokeCertsOf.run(now.toISOString(), subject);
        return serials;
      });
      return run("revoke certificates", () => {
        const serials = revoke();
        announce(serials.map((serial) => ({ serial, subject })));
        return serials;
      });
    },
    onRevoked(listener) {
      revocationListeners.add(listener);
      return () => revocationListeners.delete(listener);
    },
    revokedSerials() {
      return run("list revocations", () => new Set(q.revoked.all().map((r) => r.serial)));
    },
    getMeta(key) {
      return run("read meta", () => q.meta.get(`x:${key}`)?.value);
    },
    putMetaIfAbsent(key, value) {
      return run("write meta", () => {
        q.insertMeta.run(`x:${key}`, value);
        return q.meta.get(`x:${key}`)?.value ?? value;
      });
    },
    close() {
      if (!closed) {
        closed = true;
        listeners.clear();
        revocationListeners.clear();
        db.close();
      }
      return Promise.resolve();
    },
  };
}

function toRecord(row: { kind: string; value: string }): BrokerRecord {
  // Values were validated by the model schemas before they were written.
  return { kind: row.kind, value: JSON.parse(row.value) as unknown } as BrokerRecord;
}

function tokenToDb(t: TokenRow): TokenDbRow {
  return {
    id: t.id,
    hash: t.hash,
    cluster_id: t.clusterId ?? null,
    description: t.description,
    created_at: t.createdAt,
    expires_at: t.expiresAt,
    uses: t.uses,
    max_uses: t.maxUses,
    revoked: t.revoked ? 1 : 0,
    scope: t.scope ?? "join",
  };
}

/** Why the database's directory may refuse writes (SQLite only says "unable to open"), or "". */
function writeHint(path: string): string {
  try {
    accessSync(dirname(path), constants.W_OK);
    return "";
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EROFS") return ` (the volume holding ${dirname(path)} is read-only)`;
    if (code === "EACCES") return ` (no permission to write in ${dirname(path)})`;
    if (code === "ENOENT") return ` (${dirname(path)} does not exist)`;
    return "";
  }
}

function certFromDb(r: CertificateDbRow): CertificateRow {
  return {
    serial: r.serial,
    subject: r.subject,
    issuedAt: r.issued_at,
    notAfter: r.not_after,
    revokedAt: r.revoked_at ?? undefined,
    tokenId: r.token_id ?? undefined,
  };
}

function tokenFromDb(r: TokenDbRow): TokenRow {
  return {
    id: r.id,
    hash: r.hash,
    clusterId: r.cluster_id ?? undefined,
    description: r.description,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    uses: r.uses,
    maxUses: r.max_uses,
    revoked: r.revoked === 1,
    scope: parseScope(r.scope),
  };
}

function parseScope(scope: string): TokenScope {
  if (scope === "join" || scope === "viewer" || scope === "admin") return scope;
  throw new BrokerError("StoreFailed", `Token scope "${scope}" is not one this broker knows (join, viewer, admin)`);
}
