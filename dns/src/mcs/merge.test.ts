import type { ServiceExport } from "@isthmus/core/model";
import { describe, expect, it } from "vitest";
import { DnsError } from "../errors.js";
import { exportConditions } from "./conditions.js";
import { validateExport } from "./export-record.js";
import { mergeExports } from "./merge.js";

function ip(clusterId: string, createdAt: string, ports: ServiceExport["ports"]): ServiceExport {
  return { clusterId, namespace: "demo", name: "web", type: "ClusterSetIP", clusterIp: "10.96.0.5", ports, createdAt };
}
function headless(clusterId: string, createdAt: string): ServiceExport {
  return { clusterId, namespace: "demo", name: "web", type: "Headless", endpoints: [], ports: [{ name: "http", port: 80, protocol: "TCP" }], createdAt };
}

const http = { name: "http", port: 80, protocol: "TCP" } as const;
const https = { name: "https", port: 443, protocol: "TCP" } as const;
const t1 = "2025-01-01T00:00:00Z";
const t2 = "2025-01-02T00:00:00.000Z";
const t3 = "2025-01-03T00:00:00Z";

describe("mergeExports", () => {
  it("agreeing exports: no conflict, members oldest first", () => {
    const merged = mergeExports([ip("c2", t2, [http]), ip("c1", t1, [http])]);
    expect(merged?.members.map((m) => m.clusterId)).toEqual(["c1", "c2"]);
    expect(merged?.ports).toEqual([http]);
    expect(merged?.conflicts).toEqual({ typeClusters: [], portClusters: [], message: "" });
    expect(mergeExports([])).toBeUndefined();
  });

  it("different ports: the union, and every differing cluster in conflict", () => {
    const merged = mergeExports([ip("c1", t1, [http]), ip("c2", t2, [https])]);
    expect(merged?.ports).toEqual([http, https]);
    expect(merged?.conflicts.portClusters).toEqual(["c1", "c2"]);
    expect(merged?.conflicts.message).toContain("union: http:80/TCP, https:443/TCP");
  });

  it("clashing ports: the oldest export wins", () => {
    const renamed = { name: "web", port: 80, protocol: "TCP" } as const;
    const moved = { name: "http", port: 8080, protocol: "TCP" } as const;
    const merged = mergeExports([ip("c3", t3, [moved]), ip("c2", t2, [renamed]), ip("c1", t1, [http])]);
    expect(merged?.ports).toEqual([http]);
    expect(merged?.conflicts.portClusters).toEqual(["c2", "c3"]);
    const app = mergeExports([ip("c1", t1, [http]), ip("c2", t2, [{ ...http, appProtocol: "h2c" }])]);
    expect(app?.ports).toEqual([http]);
    const unnamed = mergeExports([ip("c1", t1, [{ port: 80, protocol: "TCP" }]), ip("c2", t2, [{ port: 81, protocol: "TCP" }])]);
    expect(unnamed?.ports).toEqual([{ port: 80, protocol: "TCP" }]);
  });

  it("type conflict: the oldest type wins and the others do not back the import", () => {
    const merged = mergeExports([headless("c2", t2), ip("c1", t1, [http])]);
    expect(merged?.type).toBe("ClusterSetIP");
    expect(merged?.members.map((m) => m.clusterId)).toEqual(["c1"]);
    expect(merged?.conflicts.typeClusters).toEqual(["c2"]);
  });

  it("equal creation times fall back to the cluster id", () => {
    expect(mergeExports([headless("b", t1), ip("a", t1, [http])])?.type).toBe("ClusterSetIP");
  });

  it("refuses exports of different services", () => {
    expect(() => mergeExports([ip("c1", t1, [http]), { ...ip("c2", t2, [http]), name: "other" }])).toThrow(DnsError);
  });
});

describe("exportConditions", () => {
  const now = "2025-02-01T00:00:00.000Z";
  const valid = validateExport({ spec: { clusterIP: "10.96.0.5" } }, { namespace: "demo", name: "web" });
  const summary = (c: ReturnType<typeof exportConditions>): string[] => c.map((x) => `${x.type}=${x.status}/${x.reason}`);

  it("invalid exports: Valid=False with the reason, Ready=False", () => {
    const missing = validateExport(undefined, { namespace: "demo", name: "web" });
    expect(summary(exportConditions({ validation: missing, clusterId: "c1", merged: undefined, previous: [], now }))).toEqual(["Valid=False/NoService", "Ready=False/Failed"]);
  });

  it("valid but not merged yet: Ready=False/Pending, no Conflict", () => {
    expect(summary(exportConditions({ validation: valid, clusterId: "c1", merged: undefined, previous: [], now }))).toEqual(["Valid=True/Valid", "Ready=False/Pending"]);
  });

  it("merged: Ready=True and Conflict per the merge", () => {
    const agreeing = mergeExports([ip("c1", t1, [http]), ip("c2", t2, [http])]);
    expect(summary(exportConditions({ validation: valid, clusterId: "c1", merged: agreeing, previous: [], now }))).toEqual([
      "Valid=True/Valid",
      "Ready=True/Ready",
      "Conflict=False/NoConflicts",
    ]);
    const ports = mergeExports([ip("c1", t1, [http]), ip("c2", t2, [https]), headless("c3", t3)]);
    expect(summary(exportConditions({ validation: valid, clusterId: "c1", merged: ports, previous: [], now }))).toEqual([
      "Valid=True/Valid",
      "Ready=True/Ready",
      "Conflict=True/PortConflict,TypeConflict",
    ]);
    expect(summary(exportConditions({ validation: valid, clusterId: "c3", merged: ports, previous: [], now }))).toEqual([
      "Valid=True/Valid",
      "Ready=False/Failed",
      "Conflict=True/PortConflict,TypeConflict",
    ]);
  });

  it("a global block with no room: GlobalAddresses=False with the broker's message; Ready=False for an export left out; cleared when it fits", () => {
    const full = 'The global block 242.0.0.0/30 of cluster "c1" is full';
    const leftOut = exportConditions({ validation: valid, clusterId: "c1", merged: undefined, previous: [], now, globalShortfall: { message: full } });
    expect(summary(leftOut)).toEqual(["Valid=True/Valid", "Ready=False/GlobalBlockExhausted", "GlobalAddresses=False/GlobalBlockExhausted"]);
    expect(leftOut.find((c) => c.type === "GlobalAddresses")?.message).toBe(full);
    // A headless export short of some pods' IPs is in the clusterset with the others.
    const merged = mergeExports([ip("c1", t1, [http])]);
    expect(summary(exportConditions({ validation: valid, clusterId: "c1", merged, previous: leftOut, now, globalShortfall: { message: full } }))).toEqual([
      "Valid=True/Valid",
      "Ready=True/Ready",
      "Conflict=False/NoConflicts",
      "GlobalAddresses=False/GlobalBlockExhausted",
    ]);
    // Before a new leader's first publish the object's own condition stands; after it, the broker's word.
    expect(summary(exportConditions({ validation: valid, clusterId: "c1", merged: undefined, previous: leftOut, now, globalShortfall: "unknown" }))).toEqual(summary(leftOut));
    expect(summary(exportConditions({ validation: valid, clusterId: "c1", merged, previous: leftOut, now }))).toEqual(["Valid=True/Valid", "Ready=True/Ready", "Conflict=False/NoConflicts"]);
  });

  it("keeps lastTransitionTime while a status does not change", () => {
    const merged = mergeExports([ip("c1", t1, [http])]);
    const first = exportConditions({ validation: valid, clusterId: "c1", merged, previous: [], now: t1 });
    const second = exportConditions({ validation: valid, clusterId: "c1", merged, previous: first, now: t2 });
    expect(second.map((c) => c.lastTransitionTime)).toEqual([t1, t1, t1]);
    const third = exportConditions({ validation: valid, clusterId: "c1", merged: undefined, previous: second, now: t3 });
    expect(third.find((c) => c.type === "Ready")?.lastTransitionTime).toBe(t3);
  });
});
