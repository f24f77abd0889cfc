import { describe, expect, it } from "vitest";
import { parseCluster, parseConnectionStatus, parseGatewayEndpoint, parseServiceExport, parseWorkloadSet } from "../model/index.js";
import { recordFromWire, recordToWire } from "./convert.js";
import { agentServiceDefinition } from "./definitions.js";
import { parseWireKind, recordKey, recordOwner, type BrokerRecord } from "./kinds.js";
import type { WireRecordOutput } from "./wire.js";

const t = "2025-01-31T12:00:00.000Z";
const records: BrokerRecord[] = [
  { kind: "cluster", value: parseCluster({ id: "c1", podCidrs: ["10.1.0.0/16"], serviceCidrs: ["10.96.0.0/16"], globalCidr: "242.1.0.0/16", labels: { a: "b" }, joinedAt: t, lastSeen: t }) },
  { kind: "endpoint", value: parseGatewayEndpoint({ clusterId: "c1", hostname: "gw-1", publicIp: "198.51.100.1", privateIp: "192.0.2.1", port: 51820, cableDriver: "vxlan", healthCheckIp: "100.64.0.1", behindNat: false, role: "active" }) },
  { kind: "export", value: parseServiceExport({ clusterId: "c1", namespace: "ns", name: "web", type: "ClusterSetIP", ports: [{ port: 80, protocol: "TCP" }], clusterIp: "10.96.0.10", createdAt: t }) },
  { kind: "export", value: parseServiceExport({ clusterId: "c1", namespace: "ns", name: "db", type: "Headless", ports: [{ name: "pg", port: 5432, protocol: "TCP" }], endpoints: [{ addresses: ["10.1.0.5"], hostname: "db-0", ready: true }], createdAt: t }) },
  { kind: "connection", value: parseConnectionStatus({ fromCluster: "c1", fromGateway: "gw-1", toCluster: "c2", status: "connected", rtt: { lastMs: 1, minMs: 1, avgMs: 1, maxMs: 1, stddevMs: 0 }, lastChange: t }) },
  { kind: "workload", value: parseWorkloadSet({ clusterId: "c1", namespace: "shop", namespaceLabels: { team: "a" }, pods: [{ name: "web-0", ip: "10.1.0.5", labels: { app: "frontend" } }, { name: "db-0", ip: "10.1.0.6", labels: {} }] }) },
];

/** Encodes and decodes a record through the real protobuf codec, as the wire does. */
function throughWire(record: BrokerRecord): WireRecordOutput {
  const method = agentServiceDefinition.Watch;
  const bytes = method.responseSerialize({ changes: { revision: 1, changes: [{ type: "CHANGE_TYPE_PUT", kind: "KIND_CLUSTER", key: "k", record: recordToWire(record) }] } });
  const decoded = method.responseDeserialize(bytes);
  const change = decoded.changes?.changes[0];
  if (change?.record == null) throw new Error("lost the record");
  return change.record;
}

describe("model ↔ wire", () => {
  it("round-trips every kind through protobuf unchanged", () => {
    for (const record of records) {
      expect(recordFromWire(throughWire(record))).toEqual(record);
    }
  });

  it("rejects invalid records with InvalidMessage naming the problem", () => {
    const wire = throughWire(records[1]!);
    wire.endpoint!.publicIp = "not-an-ip";
    expect(() => recordFromWire(wire)).toThrow(/publicIp/);
    const exp = throughWire(records[2]!);
    exp.export!.endpoints = [{ addresses: ["10.0.0.1"], ready: true }];
    expect(() => recordFromWire(exp)).toThrow(expect.objectContaining({ code: "InvalidMessage" }));
    expect(() => recordFromWire({ value: undefined } as unknown as WireRecordOutput)).toThrow(expect.objectContaining({ code: "InvalidMessage" }));
  });

  it("keys and owners", () => {
    expect(records.map(recordKey)).toEqual(["c1", "c1/gw-1", "c1/ns/web", "c1/ns/db", "c1/gw-1/c2", "c1/shop"]);
    expect(records.map(recordOwner)).toEqual(["c1", "c1", "c1", "c1", "c1", "c1"]);
    expect(parseWireKind("KIND_EXPORT")).toBe("export");
    expect(() => parseWireKind("KIND_UNSPECIFIED")).toThrow(expect.objectContaining({ code: "InvalidMessage" }));
  });
});
