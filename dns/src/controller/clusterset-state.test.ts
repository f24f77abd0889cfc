import { type BrokerRecord } from "@isthmus/core/brokerapi";
import { defaults } from "@isthmus/core/constants";
import { parseConnectionStatus, type ConnectionStatus, type ServiceExport } from "@isthmus/core/model";
import { describe, expect, it } from "vitest";
import { createServiceIndex } from "../index/index.js";
import { createResolver } from "../resolver.js";
import { rcode, rrClass, rrType } from "../wire/index.js";
import { createClustersetState } from "./clusterset-state.js";

const http = { name: "http", port: 80, protocol: "TCP" } as const;

function exported(clusterId: string, createdAt: string): BrokerRecord {
  const value: ServiceExport = { clusterId, namespace: "demo", name: "db", type: "Headless", ports: [http], createdAt, endpoints: [{ addresses: [`10.${clusterId === "c1" ? 1 : 2}.0.4`], hostname: "db-0", ready: true }] };
  return { kind: "export", value };
}

function connection(toCluster: string, status: ConnectionStatus["status"]): BrokerRecord {
  const value: ConnectionStatus = {
    fromCluster: "c1",
    fromGateway: "gw-1",
    toCluster,
    status,
    ...(status === "error" ? { reason: "handshake timed out" } : {}),
    rtt: { lastMs: 1, minMs: 1, avgMs: 1, maxMs: 1, stddevMs: 0 },
    lastChange: "2025-01-01T00:00:00Z",
  };
  return { kind: "connection", value: parseConnectionStatus(value) };
}

function setup(): { state: ReturnType<typeof createClustersetState>; ask: (name: string) => number; changed: string[] } {
  const index = createServiceIndex({ zone: defaults.dnsZone });
  const changed: string[] = [];
  const state = createClustersetState({ localClusterId: "c1", index, onServiceChanged: (ns, name) => changed.push(`${ns}/${name}`) });
  const resolver = createResolver({ index, zone: defaults.dnsZone, ttlSeconds: 5 });
  const ask = (name: string): number => resolver.resolve({ name, type: rrType.A, class: rrClass.IN }).rcode;
  return { state, ask, changed };
}

describe("clusterset state", () => {
  it("serves local exports at once and remote ones while their tunnel is connected", () => {
    const { state, ask, changed } = setup();
    state.applySnapshot([exported("c1", "2025-01-01T00:00:00Z"), exported("c2", "2025-01-02T00:00:00Z"), connection("c2", "connecting")]);
    expect(changed).toEqual(["demo/db"]);
    expect(ask("db-0.c1.db.demo.svc.clusterset.local")).toBe(rcode.NOERROR);
    expect(ask("db-0.c2.db.demo.svc.clusterset.local")).toBe(rcode.NXDOMAIN);
    state.applyChanges([{ type: "put", kind: "connection", key: "c1/c2", record: connection("c2", "connected") }]);
    expect([...state.healthyClusters()].sort()).toEqual(["c1", "c2"]);
    expect(ask("db-0.c2.db.demo.svc.clusterset.local")).toBe(rcode.NOERROR);
    state.applyChanges([{ type: "put", kind: "connection", key: "c1/c2", record: connection("c2", "error") }]);
    expect(ask("db-0.c2.db.demo.svc.clusterset.local")).toBe(rcode.NXDOMAIN);
  });

  it("answers a remote headless export with its per-pod global IPs, its own with pod IPs (ADR 0206)", () => {
    const index = createServiceIndex({ zone: defaults.dnsZone });
    const state = createClustersetState({ localClusterId: "c1", index });
    const resolver = createResolver({ index, zone: defaults.dnsZone, ttlSeconds: 5 });
    const answer = (name: string): string[] => resolver.resolve({ name, type: rrType.A, class: rrClass.IN }).answers.flatMap((rr) => (rr.kind === "A" ? [[...rr.address].join(".")] : [])).sort();
    const withGlobal = (clusterId: string, pods: [string, string][]): BrokerRecord => ({
      kind: "export",
      value: { clusterId, namespace: "demo", name: "db", type: "Headless", ports: [http], createdAt: "2025-01-01T00:00:00Z", endpoints: pods.map(([ip, globalIp], i) => ({ addresses: [ip], hostname: `db-${String(i)}`, ready: true, globalIp })) },
    });
    // Both clusters run the same pod CIDR: only the global IPs tell c2's pods apart from ours.
    state.applySnapshot([withGlobal("c1", [["10.244.1.4", "242.1.0.3"]]), withGlobal("c2", [["10.244.1.4", "242.0.0.3"], ["10.244.2.5", "242.0.0.4"]]), connection("c2", "connected")]);
    expect(answer("db.demo.svc.clusterset.local")).toEqual(["10.244.1.4", "242.0.0.3", "242.0.0.4"]);
    expect(answer("db-1.c2.db.demo.svc.clusterset.local")).toEqual(["242.0.0.4"]);
    expect(answer("db-0.c1.db.demo.svc.clusterset.local")).toEqual(["10.244.1.4"]);
    const slices = state.merged("demo", "db")?.members.map((m) => [m.clusterId, m.type === "Headless" ? m.endpoints.flatMap((e) => e.addresses) : []]);
    expect(slices).toEqual([["c1", ["10.244.1.4"]], ["c2", ["242.0.0.3", "242.0.0.4"]]]);
  });

  it("withdraws an unexported cluster and removes the service with its last export", () => {
    const { state, ask } = setup();
    state.applySnapshot([exported("c1", "2025-01-01T00:00:00Z"), exported("c2", "2025-01-02T00:00:00Z"), connection("c2", "connected")]);
    state.applyChanges([{ type: "delete", kind: "export", key: "c1/demo/db", record: exported("c1", "2025-01-01T00:00:00Z") }]);
    expect(state.merged("demo", "db")?.members.map((m) => m.clusterId)).toEqual(["c2"]);
    expect(ask("db-0.c1.db.demo.svc.clusterset.local")).toBe(rcode.NXDOMAIN);
    state.applySnapshot([]);
    expect(ask("db.demo.svc.clusterset.local")).toBe(rcode.NXDOMAIN);
    expect(state.services()).toEqual([]);
  });

  it("a ClusterSetIP import answers once its clusterset IP is known", () => {
    const { state, ask } = setup();
    const value: ServiceExport = { clusterId: "c1", namespace: "demo", name: "web", type: "ClusterSetIP", clusterIp: "10.96.0.5", ports: [http], createdAt: "2025-01-01T00:00:00Z" };
    state.applySnapshot([{ kind: "export", value }]);
    expect(ask("web.demo.svc.clusterset.local")).toBe(rcode.NXDOMAIN);
    state.setImportIps("demo", "web", ["10.96.200.1"]);
    expect(ask("web.demo.svc.clusterset.local")).toBe(rcode.NOERROR);
  });
});
