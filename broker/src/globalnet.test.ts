import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { type Cluster, type ServiceExport } from "@isthmus/core/model";
import { overlaps, parseCidr } from "@isthmus/core/net";
import { createSilentLogger } from "@isthmus/core/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalog, type Catalog } from "./catalog.js";
import type { GlobalRange } from "./global-blocks.js";
import { createEtcdStore } from "./store/etcd.js";
import { createSqliteStore } from "./store/sqlite.js";
import type { Store } from "./store/store.js";
import { startEtcdCluster, type EtcdCluster } from "./testing/etcd-cluster.js";
import { startTestBroker } from "./testing/harness.js";
import { exportOf } from "./testing/records.js";

let dir: string;
let etcd: EtcdCluster;
const opened: Store[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "isthmus-globalnet-"));
  etcd = await startEtcdCluster(1);
}, 60_000);
afterAll(async () => {
  for (const s of opened) await s.close();
  await etcd.close();
  await rm(dir, { recursive: true, force: true });
});

/** Opens the named store again (same file or etcd prefix): a broker restart. */
type Open = (name: string) => Promise<Store>;
const stores: [string, Open][] = [
  ["sqlite", (name) => Promise.resolve(createSqliteStore({ path: join(dir, `${name}.db`) }))],
  ["etcd", (name) => createEtcdStore({ endpoints: etcd.endpoints, prefix: `/${name}/`, logger: createSilentLogger() })],
];

const range: GlobalRange = { pool: parseCidr("242.0.0.0/8"), prefix: 16 };
// The same CIDRs every installer hands out: what global addressing exists for.
const same = { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] };
const unique = { podCidrs: ["10.1.0.0/16"], serviceCidrs: ["10.2.0.0/16"] };

const clustersOf = async (store: Store): Promise<Map<string, Cluster>> =>
  new Map((await store.snapshot(["cluster"])).records.map((r) => [(r.value as Cluster).id, r.value as Cluster]));

describe.each(stores)("global blocks (%s store)", (kind, openStore) => {
  let n = 0;
  const open = async (name: string): Promise<Store> => {
    const s = await openStore(`${kind}-${name}`);
    opened.push(s);
    return s;
  };
  const fresh = async (options: Partial<GlobalRange> = {}): Promise<{ store: Store; catalog: Catalog; name: string }> => {
    const name = `s${++n}`;
    const store = await open(name);
    return { store, catalog: createCatalog({ store, globalRange: { ...range, ...options } }), name };
  };

  it("gives a block only to clusters that ask and to the members they overlap; keeps them across a restart", async () => {
    const { store, catalog, name } = await fresh();
    expect((await catalog.publish("c1", { kind: "cluster", spec: same })).globalCidr).toBeUndefined();
    // c2 has c1's CIDRs and does not ask: refused, naming c1 and the CIDRs; nothing written.
    const revision = store.revision();
    await expect(catalog.publish("c2", { kind: "cluster", spec: same })).rejects.toMatchObject({
      code: "FailedPrecondition",
      message: expect.stringContaining('CIDR 10.244.0.0/16 of cluster "c2" overlaps pod CIDR 10.244.0.0/16 of cluster "c1"') as unknown,
    });
    expect(store.revision()).toBe(revision);
    // Asking for it: c2 gets a block, and c1, which it overlaps, gets one in the same commit.
    const c2 = await catalog.publish("c2", { kind: "cluster", spec: { ...same, global: true } });
    expect(c2.globalCidr).toBe("242.0.0.0/16");
    expect(c2.created).toBe(1);
    let clusters = await clustersOf(store);
    expect(clusters.get("c1")?.globalCidr).toBe("242.1.0.0/16");
    // c1's own next publish (its agent knows nothing of it) keeps the block.
    expect((await catalog.publish("c1", { kind: "cluster", spec: same })).globalCidr).toBe("242.1.0.0/16");
    // A cluster with its own CIDRs needs none; one with CIDRs inside a block is refused.
    expect((await catalog.publish("c3", { kind: "cluster", spec: unique })).globalCidr).toBeUndefined();
    await expect(catalog.publish("c4", { kind: "cluster", spec: { podCidrs: ["242.1.128.0/17"], serviceCidrs: ["10.3.0.0/16"] } })).rejects.toMatchObject({
      code: "FailedPrecondition",
      message: expect.stringContaining('overlaps the global block 242.1.0.0/16 of cluster "c1"') as unknown,
    });
    // A block of another size when asked for.
    expect((await catalog.publish("c5", { kind: "cluster", spec: { ...same, globalPrefix: 20 } })).globalCidr).toBe("242.2.0.0/20");
    await store.close();

    const again = await open(name);
    const restarted = createCatalog({ store: again, globalRange: range });
    clusters = await clustersOf(again);
    expect([...clusters.values()].map((c) => [c.id, c.globalCidr])).toEqual([
      ["c1", "242.1.0.0/16"],
      ["c2", "242.0.0.0/16"],
      ["c3", undefined],
      ["c5", "242.2.0.0/20"],
    ]);
    expect((await restarted.publish("c2", { kind: "cluster", spec: same })).globalCidr).toBe("242.0.0.0/16");
    expect((await restarted.publish("c5", { kind: "cluster", spec: { ...same, global: true } })).globalCidr).toBe("242.2.0.0/20");
  });

  it("frees a block only when its cluster is removed, and never hands out one in use", async () => {
    const { store, catalog } = await fresh({ everyCluster: true });
    const ids = Array.from({ length: 30 }, (_, i) => `cluster-${i}`);
    const first = new Map<string, string>();
    for (const id of ids) first.set(id, (await catalog.publish(id, { kind: "cluster", spec: same })).globalCidr ?? "");
    const blocks = [...first.values()].map(parseCidr);
    expect(new Set(first.values()).size).toBe(30);
    for (let i = 0; i < blocks.length; i++) for (let j = i + 1; j < blocks.length; j++) expect(overlaps(blocks[i]!, blocks[j]!)).toBe(false);
    // A rejoin (same id, records still there) keeps the block.
    expect((await catalog.publish("cluster-7", { kind: "cluster", spec: same })).globalCidr).toBe(first.get("cluster-7"));
    await catalog.evict("cluster-7");
    expect((await store.transact((view) => ({ puts: [], deletes: [], result: view.globalCidrs() }))).result.has("cluster-7")).toBe(false);
    // The freed block goes to the next cluster that needs one; the removed cluster's rejoin
    // then gets a block no one holds.
    const newcomer = await catalog.publish("newcomer", { kind: "cluster", spec: same });
    expect(newcomer.globalCidr).toBe(first.get("cluster-7"));
    const back = await catalog.publish("cluster-7", { kind: "cluster", spec: same });
    const held = [...(await clustersOf(store)).values()].filter((c) => c.id !== "cluster-7").map((c) => c.globalCidr);
    expect(held).not.toContain(back.globalCidr);
    expect(held).toHaveLength(30);
  });

  it("refuses bad requests with a typed error and allocates nothing twice", async () => {
    const { store, catalog } = await fresh({ pool: parseCidr("242.0.0.0/15") });
    const before = store.revision();
    // A range too small for the requested block.
    await expect(catalog.publish("a", { kind: "cluster", spec: { ...same, globalPrefix: 14 } })).rejects.toMatchObject({
      code: "InvalidArgument",
      message: expect.stringContaining("The global range 242.0.0.0/15 is too small for the /14 block") as unknown,
    });
    await expect(catalog.publish("a", { kind: "cluster", spec: { ...same, globalCidr: "10.0.0.0/16" } })).rejects.toMatchObject({
      code: "InvalidArgument",
      message: expect.stringContaining("outside the global range 242.0.0.0/15") as unknown,
    });
    // A block that overlaps a member's real CIDRs.
    await catalog.publish("m", { kind: "cluster", spec: { podCidrs: ["242.1.0.0/17"], serviceCidrs: ["10.9.0.0/16"] } });
    await expect(catalog.publish("a", { kind: "cluster", spec: { ...same, globalCidr: "242.1.0.0/16" } })).rejects.toMatchObject({
      code: "FailedPrecondition",
      message: expect.stringContaining('overlaps pod CIDR 242.1.0.0/17 of cluster "m"') as unknown,
    });
    // Two clusters asking for the same block: the second is refused.
    expect((await catalog.publish("a", { kind: "cluster", spec: { ...same, globalCidr: "242.0.0.0/16" } })).globalCidr).toBe("242.0.0.0/16");
    await expect(catalog.publish("b", { kind: "cluster", spec: { ...same, globalCidr: "242.0.0.0/16" } })).rejects.toMatchObject({
      code: "AlreadyExists",
      message: expect.stringContaining('it is held by cluster "a"') as unknown,
    });
    await expect(catalog.publish("b", { kind: "cluster", spec: { ...same, globalCidr: "242.0.128.0/17" } })).rejects.toMatchObject({ code: "AlreadyExists" });
    // A held block does not change by asking.
    await expect(catalog.publish("a", { kind: "cluster", spec: { ...same, globalCidr: "242.1.128.0/17" } })).rejects.toMatchObject({ code: "FailedPrecondition" });
    // The only /16 left overlaps m's pods: the range is exhausted for b.
    await expect(catalog.publish("b", { kind: "cluster", spec: { ...same, global: true } })).rejects.toMatchObject({ code: "Exhausted" });
    const clusters = await clustersOf(store);
    expect([...clusters.keys()]).toEqual(["a", "m"]);
    expect(clusters.get("a")?.globalCidr).toBe("242.0.0.0/16");
    expect((await store.transact((view) => ({ puts: [], deletes: [], result: [...view.globalCidrs()] }))).result).toEqual([["a", "242.0.0.0/16"]]);
    expect(store.revision()).toBe(before + 2);
  });
});

describe.each(stores)("global IPs of exports (%s store)", (kind, openStore) => {
  let n = 0;
  const open = async (name: string): Promise<Store> => {
    const s = await openStore(`${kind}-ips-${name}`);
    opened.push(s);
    return s;
  };
  const ips = async (store: Store, owner: string): Promise<Record<string, string | undefined>> =>
    Object.fromEntries(
      (await store.snapshot(["export"])).records
        .map((r) => r.value as ServiceExport)
        .filter((e) => e.clusterId === owner)
        .map((e) => [e.name, e.type === "ClusterSetIP" ? e.globalIp : "headless"]),
    );
  const headless: ServiceExport = { clusterId: "g", namespace: "default", name: "h", type: "Headless", ports: [], endpoints: [{ addresses: ["10.244.1.5"], ready: true }], createdAt: "2025-01-31T12:00:00.000Z" };

  it("gives each ClusterSetIP export of a cluster with a block one IP of it: kept, restored after a restart, freed on unexport", async () => {
    const name = `s${++n}`;
    const store = await open(name);
    const catalog = createCatalog({ store, globalRange: range });
    await catalog.publish("g", { kind: "cluster", spec: { ...same, global: true } });
    await catalog.publish("plain", { kind: "cluster", spec: unique });
    // What an agent sends as a global IP is dropped; the broker picks from the block, skipping
    // the network address and the egress address (242.0.0.1).
    await catalog.publish("g", { kind: "export", records: [{ ...exportOf("g", "a"), globalIp: "8.8.8.8" }, exportOf("g", "b"), headless] });
    await catalog.publish("plain", { kind: "export", records: [{ ...exportOf("plain", "a"), globalIp: "242.0.0.9" }] });
    expect(await ips(store, "g")).toEqual({ a: "242.0.0.2", b: "242.0.0.3", h: "headless" });
    expect(await ips(store, "plain")).toEqual({ a: undefined });
    // A republish changes nothing.
    const revision = store.revision();
    await catalog.publish("g", { kind: "export", records: [exportOf("g", "a"), exportOf("g", "b"), headless] });
    expect(store.revision()).toBe(revision);
    await store.close();

    const again = await open(name);
    const restarted = createCatalog({ store: again, globalRange: range });
    expect(await ips(again, "g")).toEqual({ a: "242.0.0.2", b: "242.0.0.3", h: "headless" });
    // Unexport a: its IP is free again and goes to the next export; b keeps its own.
    await restarted.publish("g", { kind: "export", records: [exportOf("g", "b"), exportOf("g", "c")] });
    expect(await ips(again, "g")).toEqual({ b: "242.0.0.3", c: "242.0.0.2" });
  });

  it("gives each pod of a headless export its own IP: kept while the pod exists (restart too), freed when it goes; a full block leaves out only the pods it has no address for", async () => {
    const name = `s${++n}`;
    const store = await open(name);
    const catalog = createCatalog({ store, globalRange: range });
    await catalog.publish("g", { kind: "cluster", spec: { ...same, global: true } });
    const pod = (ip: string, hostname?: string): Record<string, unknown> => ({ addresses: [ip], ready: true, ...(hostname === undefined ? {} : { hostname }) });
    const db = (...endpoints: Record<string, unknown>[]): ServiceExport => ({ ...headless, name: "db", endpoints }) as ServiceExport;
    const tdb = (...endpoints: Record<string, unknown>[]): ServiceExport => ({ ...db(...endpoints), clusterId: "t" });
    const podIps = async (s: Store): Promise<Record<string, string | undefined>> => {
      const record = (await s.snapshot(["export"])).records.map((r) => r.value as ServiceExport).find((e) => e.name === "db");
      return Object.fromEntries(record?.type === "Headless" ? record.endpoints.map((e): [string, string | undefined] => [e.addresses[0] ?? "", e.globalIp]) : []);
    };
    // What an agent sends is dropped; pods and the service share the allocator.
    await catalog.publish("g", { kind: "export", records: [exportOf("g", "a"), db({ ...pod("10.244.1.5", "db-0"), globalIp: "8.8.8.8" }, pod("10.244.2.6", "db-1"))] });
    expect(await podIps(store)).toEqual({ "10.244.1.5": "242.0.0.3", "10.244.2.6": "242.0.0.4" });
    expect(await ips(store, "g")).toMatchObject({ a: "242.0.0.2" });
    const revision = store.revision();
    await catalog.publish("g", { kind: "export", records: [exportOf("g", "a"), db(pod("10.244.1.5", "db-0"), pod("10.244.2.6", "db-1"))] });
    expect(store.revision()).toBe(revision);
    await store.close();

    const again = await open(name);
    const restarted = createCatalog({ store: again, globalRange: range });
    expect(await podIps(again)).toEqual({ "10.244.1.5": "242.0.0.3", "10.244.2.6": "242.0.0.4" });
    // db-0 is replaced by a pod with a new address: the old IP is free and goes to it (lowest
    // free); db-1 keeps its own whatever its position.
    await restarted.publish("g", { kind: "export", records: [exportOf("g", "a"), db(pod("10.244.2.6", "db-1"), pod("10.244.1.9", "db-0"))] });
    expect(await podIps(again)).toEqual({ "10.244.2.6": "242.0.0.4", "10.244.1.9": "242.0.0.3" });

    const tiny = await open(`${name}-tiny`);
    const small = createCatalog({ store: tiny, globalRange: range });
    await small.publish("t", { kind: "cluster", spec: { ...same, globalPrefix: 29 } });
    await small.publish("t", { kind: "export", records: [tdb(pod("10.244.1.1"), pod("10.244.1.2"), pod("10.244.1.3"), pod("10.244.1.4"), pod("10.244.1.5"))] });
    const before = tiny.revision();
    const six = await small.publish("t", { kind: "export", records: [tdb(pod("10.244.1.1"), pod("10.244.1.2"), pod("10.244.1.3"), pod("10.244.1.4"), pod("10.244.1.5"), pod("10.244.1.6"))] });
    expect(six.unaddressed).toEqual([
      {
        namespace: "default",
        name: "db",
        missing: 1,
        message: expect.stringMatching(/^The global block 242\.0\.0\.0\/29 of cluster "t" is full: it holds 5 global IPs .*; 1 of the export's 6 pods got none, so it is left out of the clusterset\. .*isthmus join --global-cidr \/27\)$/) as unknown,
      },
    ]);
    // The five pods that hold an address keep it; nothing else was written.
    expect(tiny.revision()).toBe(before);
    expect(Object.keys(await podIps(tiny))).toEqual(["10.244.1.1", "10.244.1.2", "10.244.1.3", "10.244.1.4", "10.244.1.5"]);
    // A pod gone frees its address for the one left out.
    const five = await small.publish("t", { kind: "export", records: [tdb(pod("10.244.1.2"), pod("10.244.1.3"), pod("10.244.1.4"), pod("10.244.1.5"), pod("10.244.1.6"))] });
    expect(five.unaddressed).toEqual([]);
    expect(await podIps(tiny)).toMatchObject({ "10.244.1.6": "242.0.0.2" });
  });

  it("addresses the exports of a member that gets a block because a new cluster overlaps it, in the same commit", async () => {
    const store = await open(`s${++n}`);
    const catalog = createCatalog({ store, globalRange: range });
    await catalog.publish("first", { kind: "cluster", spec: same });
    await catalog.publish("first", { kind: "export", records: [exportOf("first", "web")] });
    expect(await ips(store, "first")).toEqual({ web: undefined });
    const before = store.revision();
    await catalog.publish("second", { kind: "cluster", spec: { ...same, global: true } });
    expect(store.revision()).toBe(before + 1);
    expect(await ips(store, "first")).toEqual({ web: "242.1.0.2" });
  });

  it("stores the exports a full block has addresses for and leaves out the rest, saying so; room again takes them in", async () => {
    const store = await open(`s${++n}`);
    const catalog = createCatalog({ store, globalRange: range });
    // A /30: network, egress, one service address, broadcast.
    expect((await catalog.publish("tiny", { kind: "cluster", spec: { ...same, globalPrefix: 30 } })).globalCidr).toBe("242.0.0.0/30");
    expect((await catalog.publish("tiny", { kind: "export", records: [exportOf("tiny", "one")] })).unaddressed).toEqual([]);
    const revision = store.revision();
    const out = await catalog.publish("tiny", { kind: "export", records: [exportOf("tiny", "one"), exportOf("tiny", "two")] });
    expect(out.unaddressed).toEqual([
      {
        namespace: "default",
        name: "two",
        missing: 1,
        message:
          'The global block 242.0.0.0/30 of cluster "tiny" is full: it holds 1 global IP for exports and headless pods (besides its network, egress and broadcast addresses) and all are in use; ' +
          'the export got none, so it is not published to the clusterset. Unexport a service of "tiny", or give it a larger block (isthmus broker remove-cluster tiny, then isthmus join --global-cidr /28)',
      },
    ]);
    // "one" keeps its address; "two" is not stored (a global cluster's export without one would be dialled at its clashing cluster IP).
    expect(store.revision()).toBe(revision);
    expect(await ips(store, "tiny")).toEqual({ one: "242.0.0.2" });
    // A bad record is refused even when the block has no room for it.
    await expect(catalog.publish("tiny", { kind: "export", records: [exportOf("tiny", "one"), { ...exportOf("tiny", "bad"), ports: [{ port: 0, protocol: "TCP" }] }] })).rejects.toMatchObject({ code: "InvalidArgument" });
    // Room again (one unexported): two gets the address.
    expect((await catalog.publish("tiny", { kind: "export", records: [exportOf("tiny", "two")] })).unaddressed).toEqual([]);
    expect(await ips(store, "tiny")).toEqual({ two: "242.0.0.2" });
    await expect(catalog.publish("tiny2", { kind: "cluster", spec: { ...unique, globalPrefix: 31 } })).rejects.toMatchObject({ code: "InvalidArgument" });
  });

  it("withdraws the exports a block given later has no room for, without refusing the cluster publish", async () => {
    const store = await open(`s${++n}`);
    const catalog = createCatalog({ store, globalRange: range });
    await catalog.publish("late", { kind: "cluster", spec: unique });
    await catalog.publish("late", { kind: "export", records: [exportOf("late", "a"), exportOf("late", "b")] });
    expect((await catalog.publish("late", { kind: "cluster", spec: { ...unique, globalPrefix: 30 } })).globalCidr).toBe("242.0.0.0/30");
    expect(await ips(store, "late")).toEqual({ a: "242.0.0.2" });
    // The next export publish says why b is missing.
    expect((await catalog.publish("late", { kind: "export", records: [exportOf("late", "a"), exportOf("late", "b")] })).unaddressed?.map((u) => u.name)).toEqual(["b"]);
  });
});

describe("global blocks over gRPC", () => {
  it("returns the block at publish and refuses bad requests with the gRPC status", async () => {
    const tb = await startTestBroker();
    try {
      const a = tb.client(await tb.join("ga"));
      const b = tb.client(await tb.join("gb"));
      expect((await a.publish({ kind: "cluster", spec: same })).globalCidr).toBeUndefined();
      await expect(b.publish({ kind: "cluster", spec: same })).rejects.toMatchObject({ code: "Rejected", grpcCode: grpc.status.FAILED_PRECONDITION });
      await expect(b.publish({ kind: "cluster", spec: { ...same, globalPrefix: 7 } })).rejects.toMatchObject({ code: "Rejected", grpcCode: grpc.status.INVALID_ARGUMENT });
      await expect(b.publish({ kind: "cluster", spec: { ...same, globalCidr: "242.0.0.1/16" } })).rejects.toMatchObject({ code: "Rejected", grpcCode: grpc.status.INVALID_ARGUMENT });
      expect((await b.publish({ kind: "cluster", spec: { ...same, globalCidr: "242.7.0.0/16" } })).globalCidr).toBe("242.7.0.0/16");
      const c = tb.client(await tb.join("gc"));
      await expect(c.publish({ kind: "cluster", spec: { ...same, globalCidr: "242.7.0.0/16" } })).rejects.toMatchObject({ code: "Rejected", grpcCode: grpc.status.ALREADY_EXISTS });
      const { clusters } = await tb.admin.listClusters({});
      expect(clusters.map((cl) => [cl.id, cl.globalCidr])).toEqual([
        ["ga", "242.0.0.0/16"],
        ["gb", "242.7.0.0/16"],
      ]);
      expect((await tb.admin.getBrokerInfo({})).globalCidrPool).toBe("242.0.0.0/8");
      // An export of a cluster with a block carries its global IP over the wire.
      await b.publish({ kind: "export", records: [exportOf("gb", "web")] });
      expect((await tb.admin.listExports({})).exports.map((e) => [e.name, e.globalIp])).toEqual([["web", "242.7.0.2"]]);
    } finally {
      await tb.stop({ remove: true });
    }
  });

  it("answers an export publish with the exports a full block has no global IP for", async () => {
    const tb = await startTestBroker();
    try {
      const t = tb.client(await tb.join("gt"));
      expect((await t.publish({ kind: "cluster", spec: { ...unique, globalPrefix: 30 } })).globalCidr).toBe("242.0.0.0/30");
      const out = await t.publish({ kind: "export", records: [exportOf("gt", "one"), exportOf("gt", "two")] });
      expect(out.unaddressed).toEqual([{ namespace: "default", name: "two", missing: 1, message: expect.stringContaining("The global block 242.0.0.0/30 of cluster \"gt\" is full") as unknown }]);
      expect((await tb.admin.listExports({})).exports.map((e) => [e.name, e.globalIp])).toEqual([["one", "242.0.0.2"]]);
      expect((await t.publish({ kind: "export", records: [exportOf("gt", "two")] })).unaddressed).toEqual([]);
    } finally {
      await tb.stop({ remove: true });
    }
  });

  it("gives every cluster a block when the broker runs with --globalnet", async () => {
    const tb = await startTestBroker({ globalnet: true });
    try {
      const a = tb.client(await tb.join("ga"));
      const b = tb.client(await tb.join("gb"));
      expect((await a.publish({ kind: "cluster", spec: unique })).globalCidr).toBe("242.0.0.0/16");
      expect((await b.publish({ kind: "cluster", spec: same })).globalCidr).toBe("242.1.0.0/16");
    } finally {
      await tb.stop({ remove: true });
    }
  });
});
