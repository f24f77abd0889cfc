import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endpointOf } from "../testing/records.js";
import { createSqliteStore } from "./sqlite.js";
import { sqliteSchemaVersion } from "./sqlite-schema.js";
import type { CommitEvent } from "./store.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "isthmus-sqlite-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("SQLite store", () => {
  it("creates the schema, records its version and uses WAL", async () => {
    const path = join(dir, "a.db");
    await createSqliteStore({ path }).close();
    const db = new BetterSqlite3(path, { readonly: true });
    expect(db.prepare("SELECT version FROM schema_version").get()).toEqual({ version: sqliteSchemaVersion });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("refuses a database written by a newer broker", async () => {
    const path = join(dir, "b.db");
    await createSqliteStore({ path }).close();
    const db = new BetterSqlite3(path);
    db.prepare("UPDATE schema_version SET version = 99").run();
    db.close();
    expect(() => createSqliteStore({ path })).toThrow(expect.objectContaining({ code: "SchemaTooNew" }));
  });

  it("commits one revision per changing transaction, none for a no-op, and a failed plan writes nothing", async () => {
    const store = createSqliteStore({ path: join(dir, "c.db") });
    const events: CommitEvent[] = [];
    store.subscribe((e) => events.push(e));
    const put = { kind: "endpoint" as const, value: endpointOf("c1") };
    expect((await store.transact(() => ({ puts: [put], deletes: [], result: 1 }))).revision).toBe(1);
    expect((await store.transact(() => ({ puts: [put], deletes: [], result: 2 }))).revision).toBe(1);
    await expect(
      store.transact(() => {
        throw new Error("plan failed");
      }),
    ).rejects.toThrow("plan failed");
    const deleted = await store.transact(() => ({ puts: [], deletes: [{ kind: "endpoint", key: "c1/gw-1" }], result: 3 }));
    expect(deleted.revision).toBe(2);
    expect(deleted.changes).toEqual([{ type: "delete", key: "c1/gw-1", record: put }]);
    expect(events.map((e) => e.revision)).toEqual([1, 2]);
    expect(await store.changesSince(0)).toEqual(events);
    await store.close();
    const reopened = createSqliteStore({ path: join(dir, "c.db") });
    expect(reopened.revision()).toBe(2);
    await reopened.close();
  });

  it("migrates a version-1 database: its certificates keep their rows and gain no token", async () => {
    const path = join(dir, "e.db");
    await createSqliteStore({ path }).close();
    const db = new BetterSqlite3(path);
    db.exec("ALTER TABLE certificates DROP COLUMN token_id; ALTER TABLE tokens DROP COLUMN scope; UPDATE schema_version SET version = 1");
    db.prepare("INSERT INTO certificates (serial, subject, issued_at, not_after, revoked_at) VALUES ('01', 'c1', '2026-01-01T00:00:00Z', '2099-01-01T00:00:00Z', NULL)").run();
    db.close();
    const store = createSqliteStore({ path });
    const now = new Date();
    await store.insertToken({ id: "t", hash: "h", clusterId: "c1", description: "", createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + 60_000).toISOString(), uses: 0, maxUses: 1, revoked: false });
    const out = await store.admitJoin({ id: "t", hash: "h", clusterId: "c1", now, certificate: { serial: "02", subject: "c1", issuedAt: now.toISOString(), notAfter: "2099-01-01T00:00:00Z" } });
    expect(out).toEqual({ ok: true, token: expect.objectContaining({ uses: 1 }) as unknown, revoked: ["01"] });
    expect(await store.revokedSerials()).toEqual(new Set(["01"]));
    await store.close();
  });

  it("migrates a version-2 database: its tokens become join tokens; dashboard tokens keep their scope and cannot join", async () => {
    const path = join(dir, "f.db");
    await createSqliteStore({ path }).close();
    const db = new BetterSqlite3(path);
    db.exec("ALTER TABLE tokens DROP COLUMN scope; UPDATE schema_version SET version = 2");
    const later = new Date(Date.now() + 60_000).toISOString();
    db.prepare(`INSERT INTO tokens (id, hash, cluster_id, description, created_at, expires_at, uses, max_uses, revoked) VALUES ('old', 'h', NULL, '', '2026-01-01T00:00:00Z', '${later}', 0, 1, 0)`).run();
    db.close();
    const store = createSqliteStore({ path });
    expect(await store.getToken("old")).toMatchObject({ id: "old", scope: "join" });
    const now = new Date();
    await store.insertToken({ id: "v", hash: "h", clusterId: undefined, description: "", createdAt: now.toISOString(), expiresAt: later, uses: 0, maxUses: 0, revoked: false, scope: "viewer" });
    expect(await store.getToken("v")).toMatchObject({ scope: "viewer" });
    expect(await store.getToken("missing")).toBeUndefined();
    const out = await store.admitJoin({ id: "v", hash: "h", clusterId: "c9", now, certificate: { serial: "09", subject: "c9", issuedAt: now.toISOString(), notAfter: later } });
    expect(out).toEqual({ ok: false, code: "Unauthenticated", reason: "token v is a dashboard token, not a join token" });
    await store.close();
  });

  it("hands a global CIDR to one cluster only", async () => {
    const store = createSqliteStore({ path: join(dir, "d.db") });
    const plan = (clusterId: string) => () => ({
      puts: [{ kind: "endpoint" as const, value: endpointOf(clusterId) }],
      deletes: [],
      allocate: [{ clusterId, cidr: "242.0.0.0/16" }],
      result: undefined,
    });
    await store.transact(plan("a"));
    await expect(store.transact(plan("b"))).rejects.toMatchObject({ code: "StoreFailed", message: expect.stringMatching(/UNIQUE/) as unknown });
    expect((await store.snapshot(["endpoint"])).records).toHaveLength(1);
    await store.close();
  });
});
