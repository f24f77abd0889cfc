import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { type Cluster, type ServiceExport } from "@isthmus/core/model";
import { parseCidr } from "@isthmus/core/net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalog } from "./catalog.js";
import type { GlobalRange } from "./global-blocks.js";
import { withGlobalEgressIps } from "./global-ips.js";
import { createSqliteStore } from "./store/sqlite.js";
import type { Store } from "./store/store.js";
import { startTestBroker } from "./testing/harness.js";
import { exportOf } from "./testing/records.js";

// GlobalEgressIPs (docs/adr/0206): the addresses of a cluster's block its selected pods leave
// as, given by the broker in the cluster record from the allocator of the exports' global IPs.

let dir: string;
const opened: Store[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "isthmus-global-egress-"));
});
afterAll(async () => {
  for (const s of opened) await s.close();
  await rm(dir, { recursive: true, force: true });
});

const range: GlobalRange = { pool: parseCidr("242.0.0.0/8"), prefix: 16 };
const same = { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] };
const open = (name: string): Store => {
  const store = createSqliteStore({ path: join(dir, `${name}.db`) });
  opened.push(store);
  return store;
};
const egressOf = async (store: Store, id: string): Promise<Record<string, string | undefined>> => {
  const cluster = (await store.snapshot(["cluster"])).records.map((r) => r.value as Cluster).find((c) => c.id === id);
  return Object.fromEntries((cluster?.globalEgress ?? []).map((g) => [`${g.namespace}/${g.name}`, g.globalIp]));
};
const exportIps = async (store: Store, id: string): Promise<Record<string, string | undefined>> =>
  Object.fromEntries((await store.snapshot(["export"])).records.map((r) => r.value as ServiceExport).filter((e) => e.clusterId === id).map((e) => [e.name, e.type === "ClusterSetIP" ? e.globalIp : undefined]));
const ref = (namespace: string, name: string): { namespace: string; name: string } => ({ namespace, name });

describe("withGlobalEgressIps", () => {
  it("keeps held addresses, gives the lowest free ones around the exports' and the egress address, sorted", () => {
    const out = withGlobalEgressIps([ref("shop", "b"), ref("blog", "a"), ref("shop", "a")], {
      block: "242.0.0.0/29",
      held: new Map([["shop/a", "242.0.0.5"], ["blog/a", "10.0.0.1"]]),
      taken: new Set(["242.0.0.2"]),
    });
    expect(out).toEqual([
      { namespace: "blog", name: "a", globalIp: "242.0.0.3" },
      { namespace: "shop", name: "a", globalIp: "242.0.0.5" },
      { namespace: "shop", name: "b", globalIp: "242.0.0.4" },
    ]);
  });

  it("leaves entries without an address when there is no block or no room, never throwing", () => {
    expect(withGlobalEgressIps([ref("a", "x")], { block: undefined, held: new Map(), taken: new Set() })).toEqual([{ namespace: "a", name: "x" }]);
    // A /30: network, egress, one address (an export holds it), broadcast.
    expect(withGlobalEgressIps([ref("a", "x")], { block: "242.0.0.0/30", held: new Map(), taken: new Set(["242.0.0.2"]) })).toEqual([{ namespace: "a", name: "x" }]);
  });
});

describe("GlobalEgressIP addresses in the catalog", () => {
  it("gives each one an address of the block apart from the exports' (both ways), kept across republish and restart, freed when it goes", async () => {
    const store = open("kept");
    const catalog = createCatalog({ store, globalRange: range });
    await catalog.publish("g", { kind: "cluster", spec: { ...same, global: true } });
    await catalog.publish("g", { kind: "export", records: [exportOf("g", "web")] });
    expect(await exportIps(store, "g")).toEqual({ web: "242.0.0.2" });
    await catalog.publish("g", { kind: "cluster", spec: { ...same, globalEgress: [ref("shop", "all"), ref("blog", "api")] } });
    expect(await egressOf(store, "g")).toEqual({ "blog/api": "242.0.0.3", "shop/all": "242.0.0.4" });
    // A new export skips the addresses the GlobalEgressIPs hold.
    await catalog.publish("g", { kind: "export", records: [exportOf("g", "web"), exportOf("g", "db")] });
    expect(await exportIps(store, "g")).toEqual({ web: "242.0.0.2", db: "242.0.0.5" });
    const revision = store.revision();
    await catalog.publish("g", { kind: "cluster", spec: { ...same, globalEgress: [ref("blog", "api"), ref("shop", "all")] } });
    expect(store.revision()).toBe(revision);
    await store.close();

    const again = open("kept");
    const restarted = createCatalog({ store: again, globalRange: range });
    expect(await egressOf(again, "g")).toEqual({ "blog/api": "242.0.0.3", "shop/all": "242.0.0.4" });
    // blog/api is deleted: its address is free for the next one; shop/all keeps its own.
    await restarted.publish("g", { kind: "cluster", spec: { ...same, globalEgress: [ref("shop", "all"), ref("zoo", "new")] } });
    expect(await egressOf(again, "g")).toEqual({ "shop/all": "242.0.0.4", "zoo/new": "242.0.0.3" });
    // Removing the cluster frees everything with the block.
    await restarted.evict("g");
    expect(await egressOf(again, "g")).toEqual({});
  });

  it("addresses them when the cluster gets its block in another cluster's commit, after its exports", async () => {
    const store = open("promoted");
    const catalog = createCatalog({ store, globalRange: range });
    await catalog.publish("first", { kind: "cluster", spec: { ...same, globalEgress: [ref("shop", "all")] } });
    await catalog.publish("first", { kind: "export", records: [exportOf("first", "web")] });
    expect(await egressOf(store, "first")).toEqual({ "shop/all": undefined });
    await catalog.publish("second", { kind: "cluster", spec: { ...same, global: true } });
    expect(await exportIps(store, "first")).toEqual({ web: "242.1.0.2" });
    expect(await egressOf(store, "first")).toEqual({ "shop/all": "242.1.0.3" });
  });

  it("publishes the cluster without an address for one the block has no room for", async () => {
    const store = open("full");
    const catalog = createCatalog({ store, globalRange: range });
    await catalog.publish("tiny", { kind: "cluster", spec: { ...same, globalPrefix: 30 } });
    await catalog.publish("tiny", { kind: "export", records: [exportOf("tiny", "one")] });
    const out = await catalog.publish("tiny", { kind: "cluster", spec: { ...same, globalEgress: [ref("shop", "all")] } });
    expect(out.updated).toBe(1);
    expect(await egressOf(store, "tiny")).toEqual({ "shop/all": undefined });
    // The export goes: the next publish gives the address.
    await catalog.publish("tiny", { kind: "export", records: [] });
    await catalog.publish("tiny", { kind: "cluster", spec: { ...same, globalEgress: [ref("shop", "all")] } });
    expect(await egressOf(store, "tiny")).toEqual({ "shop/all": "242.0.0.2" });
  });
});

describe("GlobalEgressIPs over gRPC", () => {
  it("carries the broker's addresses to the admin API and refuses bad names, changing nothing", async () => {
    const tb = await startTestBroker();
    try {
      const a = tb.client(await tb.join("ea"));
      await a.publish({ kind: "cluster", spec: { ...same, global: true, globalEgress: [ref("shop", "all")] } });
      const listed = (await tb.admin.listClusters({})).clusters.find((c) => c.id === "ea");
      expect(listed?.globalEgress.map((g) => [g.namespace, g.name, g.globalIp])).toEqual([["shop", "all", "242.0.0.2"]]);
      const revision = tb.store.revision();
      for (const globalEgress of [[ref("Shop", "all")], [ref("shop", "")], [ref("shop", "all"), ref("shop", "all")]]) {
        await expect(a.publish({ kind: "cluster", spec: { ...same, globalEgress } })).rejects.toMatchObject({ code: "Rejected", grpcCode: grpc.status.INVALID_ARGUMENT });
      }
      expect(tb.store.revision()).toBe(revision);
    } finally {
      await tb.stop({ remove: true });
    }
  });
});
