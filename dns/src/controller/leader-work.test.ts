import type { KubernetesObject } from "@kubernetes/client-node";
import { type BrokerRecord } from "@isthmus/core/brokerapi";
import { defaults } from "@isthmus/core/constants";
import { parseConnectionStatus, type ServiceExport } from "@isthmus/core/model";
import { createSilentLogger } from "@isthmus/core/runtime";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createServiceIndex } from "../index/index.js";
import { createClustersetState, type ClustersetState } from "./clusterset-state.js";
import { createImporter } from "./importer.js";
import { createLeaderWork, type LeaderWork } from "./leader-work.js";
import { createFakeCluster, type FakeCluster } from "./testing/fake-cluster.js";

const exported = (namespace: string, name: string): BrokerRecord => {
  const value: ServiceExport = { clusterId: "c2", namespace, name, type: "ClusterSetIP", clusterIp: "10.102.0.10", ports: [{ name: "http", port: 80, protocol: "TCP" }], createdAt: "2026-01-01T00:00:00Z" };
  return { kind: "export", value };
};

const tunnelToC2 = (status: "connected" | "error"): BrokerRecord => ({
  kind: "connection",
  value: parseConnectionStatus({
    fromCluster: "c1",
    fromGateway: "c1-n1",
    toCluster: "c2",
    status,
    ...(status === "error" ? { reason: "handshake timed out" } : {}),
    rtt: { lastMs: 1, minMs: 1, avgMs: 1, maxMs: 1, stddevMs: 0 },
    lastChange: "2026-01-01T00:00:00Z",
  }),
});
const connectedToC2 = tunnelToC2("connected");

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

type Publish = Parameters<typeof createLeaderWork>[0]["broker"]["publish"];
const publishNothing: Publish = () => Promise.resolve({ revision: 1, created: 0, updated: 0, deleted: 0 });

/** Leader work of c1 over a fake cluster, with no periodic resync (only events drive it); returns its state. */
async function lead(cluster: FakeCluster, records: readonly BrokerRecord[], publish: Publish = publishNothing): Promise<ClustersetState> {
  await cluster.start();
  const state = createClustersetState({
    localClusterId: "c1",
    index: createServiceIndex({ zone: defaults.dnsZone }),
    onServiceChanged: (namespace, name) => {
      work.serviceChanged(`${namespace}/${name}`);
    },
    onHealthChanged: () => {
      work.healthChanged();
    },
  });
  const work: LeaderWork = createLeaderWork({
    clusterId: "c1",
    informers: cluster.informers,
    api: cluster.api,
    state,
    broker: { publish },
    backoff: { baseMs: 10, maxMs: 100, jitter: 0 },
    resyncMs: 0,
    logger: createSilentLogger(),
  });
  state.applySnapshot(records);
  const abort = new AbortController();
  const running = work.run(abort.signal);
  stops.push(async () => {
    abort.abort();
    await running;
    await cluster.stop();
  });
  return state;
}

const touching = (cluster: FakeCluster, key: string): string[] => cluster.writes.filter((w) => w.endsWith(` ${key}`));

describe("the leader's importer and Namespaces", () => {
  it("imports an export whose namespace is missing as soon as the namespace is created (no resync needed)", async () => {
    const cluster = createFakeCluster({ namespaces: ["ready"] });
    await lead(cluster, [exported("late", "echo"), exported("ready", "echo"), connectedToC2]);
    await vi.waitFor(() => {
      expect(cluster.informers.imports.get("ready/echo")?.spec?.ips).toHaveLength(1);
    });
    expect(cluster.informers.imports.get("late/echo")).toBeUndefined();
    expect(cluster.writes.filter((w) => w.includes(" late/"))).toEqual([]);

    cluster.createNamespace("late");

    await vi.waitFor(() => {
      expect(cluster.informers.imports.get("late/echo")?.spec).toMatchObject({ type: "ClusterSetIP", ips: [expect.stringMatching(/^10\.101\./)] });
      expect(cluster.informers.imports.get("late/echo")?.status?.clusters).toEqual([{ cluster: "c2" }]);
      expect(touching(cluster, "late/echo-c2-ipv4")).toEqual(["create EndpointSlice late/echo-c2-ipv4"]);
    });
    expect(touching(cluster, "late/echo")).toEqual(["create ServiceImport late/echo", "replace ServiceImport late/echo", "replace ServiceImport/status late/echo"]);
  });
});

describe("the leader's importer and the tunnels", () => {
  it("withdraws c2's slice when c1's gateway reports the tunnel down and writes it again when it is back", async () => {
    const cluster = createFakeCluster({ namespaces: ["demo"] });
    const state = await lead(cluster, [exported("demo", "echo"), connectedToC2]);
    const slice = (): unknown => cluster.informers.slices.get("demo/echo-c2-ipv4");
    await vi.waitFor(() => {
      expect(slice()).toBeDefined();
    });
    state.applyChanges([{ type: "put", kind: "connection", key: "c1/c2", record: tunnelToC2("error") }]);
    await vi.waitFor(() => {
      expect(slice()).toBeUndefined();
    });
    expect(cluster.informers.imports.get("demo/echo")?.status?.clusters).toEqual([{ cluster: "c2" }]);
    state.applyChanges([{ type: "put", kind: "connection", key: "c1/c2", record: connectedToC2 }]);
    await vi.waitFor(() => {
      expect(slice()).toBeDefined();
    });
  });
});

describe("the leader's exporter and a full global block", () => {
  it("writes GlobalAddresses=False and a Warning Event on an export the broker has no global IP for, and clears both when room returns", async () => {
    const cluster = createFakeCluster({ namespaces: ["demo"] });
    const full = 'The global block 242.0.0.0/30 of cluster "c1" is full';
    // The broker of a /30 block: the first export (by key) gets its one address, the others none.
    const publish: Publish = (input) => {
      const records = input.kind === "export" ? input.records : [];
      const unaddressed = records.slice(1).map((r) => ({ namespace: r.namespace, name: r.name, missing: 1, message: full }));
      return Promise.resolve({ revision: 1, created: 0, updated: 0, deleted: 0, unaddressed });
    };
    await lead(cluster, [], publish);
    for (const name of ["one", "two"]) {
      cluster.apply("Service", { apiVersion: "v1", kind: "Service", metadata: { namespace: "demo", name }, spec: { clusterIP: "10.96.0.5", ports: [{ name: "http", port: 80, protocol: "TCP" }] } } as KubernetesObject);
      cluster.apply("ServiceExport", { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "ServiceExport", metadata: { namespace: "demo", name, creationTimestamp: new Date("2026-01-01T00:00:00Z") } });
    }
    const conditions = (name: string): string[] => (cluster.informers.exports.get(`demo/${name}`)?.status?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`);
    await vi.waitFor(() => {
      expect(conditions("two")).toEqual(["Valid=True/Valid", "Ready=False/GlobalBlockExhausted", "GlobalAddresses=False/GlobalBlockExhausted"]);
    });
    expect(cluster.informers.exports.get("demo/two")?.status?.conditions?.find((c) => c.type === "GlobalAddresses")?.message).toBe(full);
    expect(conditions("one")).toEqual(["Valid=True/Valid", "Ready=False/Pending"]);
    expect(cluster.writes.filter((w) => w.startsWith("event "))).toEqual(["event Warning GlobalBlockExhausted ServiceExport demo/two"]);

    // one is unexported: two gets the address; its condition goes, with a Normal Event.
    cluster.remove("ServiceExport", { namespace: "demo", name: "one" });
    await vi.waitFor(() => {
      expect(conditions("two")).toEqual(["Valid=True/Valid", "Ready=False/Pending"]);
    });
    expect(cluster.writes.filter((w) => w.startsWith("event "))).toEqual(["event Warning GlobalBlockExhausted ServiceExport demo/two", "event Normal GlobalAddressesAllocated ServiceExport demo/two"]);
  });
});

describe("the importer", () => {
  const importer = (cluster: FakeCluster, records: readonly BrokerRecord[]): ReturnType<typeof createImporter> => {
    const state = createClustersetState({ localClusterId: "c1", index: createServiceIndex({ zone: defaults.dnsZone }) });
    state.applySnapshot(records);
    return createImporter({
      clusterId: "c1",
      informers: cluster.informers,
      api: cluster.api,
      merged: (ns, name) => state.merged(ns, name),
      healthy: () => state.healthyClusters(),
      logger: createSilentLogger(),
    });
  };

  it("writes nothing into a namespace that does not exist or is terminating, and succeeds (nothing to retry)", async () => {
    const cluster = createFakeCluster({ namespaces: ["going"] });
    await cluster.start();
    stops.push(() => cluster.stop());
    cluster.terminateNamespace("going");
    const reconciler = importer(cluster, [exported("absent", "echo"), exported("going", "echo"), connectedToC2]);
    await reconciler.reconcile("absent/echo");
    await reconciler.reconcile("going/echo");
    expect(cluster.writes).toEqual([]);
  });

  it("imports into an existing namespace: ServiceImport, derived VIP Service and c2's slice", async () => {
    const cluster = createFakeCluster({ namespaces: ["demo"] });
    await cluster.start();
    stops.push(() => cluster.stop());
    await importer(cluster, [exported("demo", "echo"), connectedToC2]).reconcile("demo/echo");
    expect(cluster.writes).toEqual([
      "create ServiceImport demo/echo",
      "create Service demo/echo-clusterset",
      "replace ServiceImport demo/echo",
      "replace ServiceImport/status demo/echo",
      "create EndpointSlice demo/echo-c2-ipv4",
    ]);
    expect(cluster.informers.slices.get("demo/echo-c2-ipv4")?.endpoints.map((e) => e.addresses)).toEqual([["10.102.0.10"]]);
  });

  it("points a slice of a member with a global block at the export's global IP, not its cluster IP", async () => {
    const cluster = createFakeCluster({ namespaces: ["demo"] });
    await cluster.start();
    stops.push(() => cluster.stop());
    const record = exported("demo", "echo");
    const global: BrokerRecord = { kind: "export", value: { ...(record.value as ServiceExport & { type: "ClusterSetIP" }), globalIp: "242.1.0.2" } };
    await importer(cluster, [global, connectedToC2]).reconcile("demo/echo");
    expect(cluster.informers.slices.get("demo/echo-c2-ipv4")?.endpoints.map((e) => e.addresses)).toEqual([["242.1.0.2"]]);
  });
});
