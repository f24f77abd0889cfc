import { parseCidr } from "@isthmus/core/net";
import { createSilentLogger } from "@isthmus/core/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Etcd3 } from "etcd3";
import type { WireWatchEvent } from "@isthmus/core/brokerapi";
import { createCatalog } from "../catalog.js";
import { createDashboardModel } from "../dashboard/model.js";
import { createWatchHub } from "../watch-hub.js";
import { startEtcdCluster, type EtcdCluster } from "../testing/etcd-cluster.js";
import { exportsOf } from "../testing/records.js";
import { createEtcdStore } from "./etcd.js";
import type { CommitEvent, Store } from "./store.js";

let etcd: EtcdCluster;
const stores: Store[] = [];
beforeAll(async () => {
  etcd = await startEtcdCluster(3);
}, 60_000);
afterAll(async () => {
  for (const s of stores) await s.close();
  await etcd.close();
});

async function open(prefix: string, historyRevisions?: number): Promise<Store> {
  const s = await createEtcdStore({ endpoints: etcd.endpoints, prefix, logger: createSilentLogger(), ...(historyRevisions === undefined ? {} : { historyRevisions }) });
  stores.push(s);
  return s;
}

describe("etcd store", () => {
  it("serialises commits from two replicas into one dense revision sequence that both see", async () => {
    const a = await open("/t1/");
    const b = await open("/t1/");
    const seenByB: CommitEvent[] = [];
    b.subscribe((e) => seenByB.push(e));
    const ca = createCatalog({ store: a });
    const cb = createCatalog({ store: b });
    const results = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => ca.publish("a", { kind: "export", records: exportsOf("a", 1, i) })),
      ...Array.from({ length: 10 }, (_, i) => cb.publish("b", { kind: "export", records: exportsOf("b", 1, i) })),
    ]);
    const revisions = results.map((r) => r.revision).sort((x, y) => x - y);
    expect(revisions).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await expect.poll(() => seenByB.length).toBe(20);
    expect(seenByB.map((e) => e.revision)).toEqual(revisions);
    await expect.poll(() => a.revision()).toBe(20);
    const log = await a.changesSince(0);
    expect(log === "compacted" ? [] : log.map((e) => e.revision)).toEqual(revisions);
    expect((await a.snapshot(["export"])).records).toEqual((await b.snapshot(["export"])).records);
  });

  it("reloads state on open and keeps global CIDRs unique and stable", async () => {
    const pool = { pool: parseCidr("242.0.0.0/8"), prefix: 16 };
    const spec = { podCidrs: ["10.0.0.0/16"], serviceCidrs: ["10.96.0.0/16"] };
    const a = await open("/t2/");
    const b = await open("/t2/");
    const ca = createCatalog({ store: a, globalRange: { ...pool, everyCluster: true } });
    const cb = createCatalog({ store: b, globalRange: { ...pool, everyCluster: true } });
    const out = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? ca : cb).publish(`c${i}`, { kind: "cluster", spec })));
    expect(new Set(out.map((o) => o.globalCidr)).size).toBe(20);
    const c = await open("/t2/");
    const again = await createCatalog({ store: c, globalRange: { ...pool, everyCluster: true } }).publish("c3", { kind: "cluster", spec });
    expect(again.globalCidr).toBe(out[3]?.globalCidr);
    expect(c.revision()).toBe(a.revision());
  });

  it("compacts its log and answers older revisions with compacted", async () => {
    const s = await open("/t3/", 10);
    const cat = createCatalog({ store: s });
    for (let i = 0; i < 100; i++) await cat.publish("x", { kind: "export", records: exportsOf("x", 1, i) });
    expect(s.compactedRevision()).toBe(90);
    expect(await s.changesSince(5)).toBe("compacted");
    const recent = await s.changesSince(95);
    expect(recent === "compacted" ? [] : recent.map((e) => e.revision)).toEqual([96, 97, 98, 99, 100]);
  });

  it("joins: replicas racing to join one id with an unbound token admit exactly one, and count each use once", async () => {
    const a = await open("/t4/");
    const b = await open("/t4/");
    const now = new Date();
    await a.insertToken({ id: "t", hash: "h", clusterId: undefined, description: "", createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + 60_000).toISOString(), uses: 0, maxUses: 10, revoked: false });
    const join = (s: Store, serial: string) =>
      s.admitJoin({ id: "t", hash: "h", clusterId: "c", now, certificate: { serial, subject: "c", issuedAt: now.toISOString(), notAfter: new Date(now.getTime() + 3_600_000).toISOString() } });
    const outcomes = await Promise.all([join(a, "s1"), join(b, "s2"), join(a, "s3"), join(b, "s4")]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.flatMap((o) => (o.ok ? [] : [o.code]))).toEqual(["PermissionDenied", "PermissionDenied", "PermissionDenied"]);
    expect((await b.listTokens())[0]?.uses).toBe(1);
    // A bound token rejoins and revokes the first certificate, on every replica's next read.
    await a.insertToken({ id: "u", hash: "h", clusterId: "c", description: "", createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + 60_000).toISOString(), uses: 0, maxUses: 1, revoked: false });
    const rejoin = await b.admitJoin({ id: "u", hash: "h", clusterId: "c", now, certificate: { serial: "s5", subject: "c", issuedAt: now.toISOString(), notAfter: new Date(now.getTime() + 3_600_000).toISOString() } });
    expect(rejoin).toMatchObject({ ok: true, revoked: [expect.stringMatching(/^s[1-4]$/)] });
    expect([...(await a.revokedSerials())]).toEqual(rejoin.ok ? rejoin.revoked : []);
  });

  it("keeps a dashboard token's scope, finds tokens by id, and refuses a dashboard token at Join", async () => {
    const a = await open("/t9/");
    const now = new Date();
    const later = new Date(now.getTime() + 60_000).toISOString();
    await a.insertToken({ id: "v", hash: "h", clusterId: undefined, description: "", createdAt: now.toISOString(), expiresAt: later, uses: 0, maxUses: 0, revoked: false, scope: "admin" });
    expect(await a.getToken("v")).toMatchObject({ id: "v", scope: "admin" });
    expect(await a.getToken("nope")).toBeUndefined();
    const out = await a.admitJoin({ id: "v", hash: "h", clusterId: "c", now, certificate: { serial: "x1", subject: "c", issuedAt: now.toISOString(), notAfter: later } });
    expect(out).toEqual({ ok: false, code: "Unauthenticated", reason: "token v is a dashboard token, not a join token" });
    expect(await a.revokeToken("v")).toMatchObject({ revoked: true, scope: "admin" });
  });

  it("a replica whose watch fell behind etcd's compaction rebuilds its cache, losing and doubling nothing, and resets its watchers", async () => {
    const a = await open("/t6/");
    // b talks to member 2 only, so that member's absence stops b's watch while a commits.
    const b = await createEtcdStore({ endpoints: [etcd.endpoints[2] ?? ""], prefix: "/t6/", logger: createSilentLogger() });
    stores.push(b);
    const cat = createCatalog({ store: a });
    await cat.publish("x", { kind: "export", records: exportsOf("x", 3) });
    await expect.poll(() => b.revision(), { timeout: 10_000 }).toBe(a.revision());
    const events: CommitEvent[] = [];
    b.subscribe((e) => events.push(e));
    const hub = createWatchHub({ store: b, logger: createSilentLogger() });
    const received: WireWatchEvent[] = [];
    hub.open({ kinds: [], since: 0, peer: "test", sink: { write: (e) => received.push(e) > 0, onceDrain: () => undefined, end: () => undefined, fail: () => undefined } });
    await expect.poll(() => received.some((e) => e.snapshot?.last === true), { timeout: 10_000 }).toBe(true);
    const dashboard = createDashboardModel({ store: b, logger: createSilentLogger() });
    await dashboard.start();

    await etcd.kill(2);
    for (let i = 0; i < 20; i++) await cat.publish("x", { kind: "export", records: exportsOf("x", 3, i + 1) });
    const admin = new Etcd3({ hosts: [etcd.endpoints[0] ?? ""] });
    try {
      const head = await admin.get("/t6/data/revision").exec();
      await admin.kv.compact({ revision: head.header.revision, physical: true });
    } finally {
      admin.close();
    }
    await etcd.restart(2);

    await expect.poll(() => b.revision(), { timeout: 30_000 }).toBe(a.revision());
    expect(await b.snapshot([])).toEqual(await a.snapshot([]));
    // The rebuild sets the revision while it lists, and tells its listeners once it follows the
    // log again: wait for that event rather than read it the moment the revision matches.
    await expect.poll(() => events.filter((e) => e.rebuilt === true).length).toBe(1);
    // The hub's watcher got a fresh snapshot flagged reset, holding exactly a's records.
    await expect.poll(() => received.filter((e) => e.snapshot?.reset === true && e.snapshot.last === true).length, { timeout: 10_000 }).toBe(1);
    const reset = received.slice(received.findIndex((e) => e.snapshot?.reset === true));
    expect(reset.flatMap((e) => e.snapshot?.records ?? []).map((r) => r.export?.name).sort()).toEqual(exportsOf("x", 3, 20).map((x) => x.name).sort());
    expect(hub.resets()).toBe(1);
    // The dashboard turned the rebuild into one delta: it shows exactly a's exports.
    await expect.poll(() => [...dashboard.records().export.keys()].sort(), { timeout: 10_000 }).toEqual((await a.snapshot(["export"])).records.map((r) => `${(r.value as { clusterId: string }).clusterId}/${(r.value as { namespace: string }).namespace}/${(r.value as { name: string }).name}`).sort());
    dashboard.close();
    // And b follows a again, live.
    await cat.publish("x", { kind: "export", records: exportsOf("x", 1) });
    await expect.poll(() => b.revision(), { timeout: 10_000 }).toBe(a.revision());
    hub.closeAll();
  }, 90_000);

  it("opens on a catalog bigger than gRPC's default 4 MiB answer (a restart under a large clusterset)", async () => {
    const a = await open("/t7/");
    const cat = createCatalog({ store: a });
    for (let c = 0; c < 25; c++) await cat.publish(`big-${c}`, { kind: "export", records: exportsOf(`big-${c}`, 1000) });
    const reopened = await open("/t7/");
    expect(reopened.revision()).toBe(a.revision());
    expect((await reopened.snapshot(["export"])).records).toHaveLength(25_000);
  }, 60_000);
});
