import type { ServiceExport } from "@isthmus/core/model";
import { describe, expect, it } from "vitest";
import { mergeExports, type MergedService } from "./merge.js";
import { buildDerivedService, buildEndpointSlices, buildServiceImport, derivedServiceName, toImportedService } from "./objects.js";

const http = { name: "http", port: 80, protocol: "TCP" } as const;
const ref = { namespace: "demo", name: "web", uid: "uid-1" };

function merged(records: ServiceExport[]): MergedService {
  const m = mergeExports(records);
  if (m === undefined) throw new Error("no exports");
  return m;
}

const clusterSet = merged([
  { clusterId: "c2", namespace: "demo", name: "web", type: "ClusterSetIP", clusterIp: "10.2.96.5", ports: [http], createdAt: "2025-01-02T00:00:00Z" },
  { clusterId: "c1", namespace: "demo", name: "web", type: "ClusterSetIP", clusterIp: "fd00:1::5", ports: [http], createdAt: "2025-01-01T00:00:00Z" },
]);

const headless = merged([
  {
    clusterId: "c1",
    namespace: "demo",
    name: "web",
    type: "Headless",
    ports: [http],
    createdAt: "2025-01-01T00:00:00Z",
    endpoints: [
      { addresses: ["10.1.0.4", "fd00:1::4"], hostname: "web-0", ready: true },
      { addresses: ["10.1.0.5"], ready: false },
    ],
  },
]);

describe("buildServiceImport", () => {
  it("carries type, ports, clusterset IPs and status.clusters", () => {
    expect(buildServiceImport(clusterSet, ["10.96.200.1"])).toEqual({
      apiVersion: "multicluster.x-k8s.io/v1alpha1",
      kind: "ServiceImport",
      metadata: { name: "web", namespace: "demo", labels: { "endpointslice.kubernetes.io/managed-by": "dns.isthmus.io" } },
      spec: { type: "ClusterSetIP", ports: [{ name: "http", protocol: "TCP", port: 80 }], ips: ["10.96.200.1"], sessionAffinity: "None" },
      status: { clusters: [{ cluster: "c1" }, { cluster: "c2" }] },
    });
    expect(buildServiceImport(headless, ["10.96.200.1"]).spec.ips).toBeUndefined();
  });
});

describe("buildEndpointSlices", () => {
  it("one slice per healthy cluster and family, labelled and owned by the ServiceImport", () => {
    const slices = buildEndpointSlices(clusterSet, { ref, healthy: new Set(["c1", "c2"]) });
    expect(slices.map((s) => [s.metadata?.name, s.addressType, s.endpoints.map((e) => e.addresses.join())])).toEqual([
      ["web-c1-ipv6", "IPv6", ["fd00:1::5"]],
      ["web-c2-ipv4", "IPv4", ["10.2.96.5"]],
    ]);
    expect(slices[1]?.metadata?.labels).toEqual({
      "multicluster.kubernetes.io/service-name": "web",
      "multicluster.kubernetes.io/source-cluster": "c2",
      "endpointslice.kubernetes.io/managed-by": "dns.isthmus.io",
      "kubernetes.io/service-name": "web-clusterset",
    });
    expect(slices[1]?.metadata?.ownerReferences).toEqual([
      { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "ServiceImport", name: "web", uid: "uid-1", controller: true, blockOwnerDeletion: false },
    ]);
    expect(slices[1]?.ports).toEqual([{ name: "http", port: 80, protocol: "TCP" }]);
  });

  it("the local member contributes its pods and their target ports, not its cluster IP (kube-proxy rewrites once)", () => {
    const local = { clusterId: "c2", endpoints: [{ addresses: ["10.2.0.7"], ready: true }, { addresses: ["10.2.1.9"], ready: false }], ports: [{ name: "http", port: 8080, protocol: "TCP" as const }] };
    const slices = buildEndpointSlices(clusterSet, { ref, healthy: new Set(["c1", "c2"]), local });
    const c2 = slices.find((s) => s.metadata?.name === "web-c2-ipv4");
    expect(c2?.endpoints).toEqual([
      { addresses: ["10.2.0.7"], conditions: { ready: true } },
      { addresses: ["10.2.1.9"], conditions: { ready: false } },
    ]);
    expect(c2?.ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" }]);
    expect(slices.find((s) => s.metadata?.name === "web-c1-ipv6")?.endpoints).toEqual([{ addresses: ["fd00:1::5"], conditions: { ready: true } }]);
  });

  it("withdraws the slices of unhealthy clusters", () => {
    expect(buildEndpointSlices(clusterSet, { ref, healthy: new Set(["c1"]) }).map((s) => s.metadata?.name)).toEqual(["web-c1-ipv6"]);
  });

  it("headless slices keep hostnames and readiness, split by family, without the kube-proxy label", () => {
    const slices = buildEndpointSlices(headless, { ref, healthy: new Set(["c1"]) });
    expect(slices.map((s) => s.endpoints)).toEqual([
      [
        { addresses: ["10.1.0.4"], conditions: { ready: true }, hostname: "web-0" },
        { addresses: ["10.1.0.5"], conditions: { ready: false } },
      ],
      [{ addresses: ["fd00:1::4"], conditions: { ready: true }, hostname: "web-0" }],
    ]);
    expect(slices[0]?.metadata?.labels?.["kubernetes.io/service-name"]).toBeUndefined();
  });
});

describe("buildDerivedService", () => {
  it("a selector-less ClusterIP Service with the union of ports, owned by the import", () => {
    const service = buildDerivedService(clusterSet, ref);
    expect(service?.metadata?.name).toBe("web-clusterset");
    expect(service?.spec).toEqual({ type: "ClusterIP", ports: [{ name: "http", port: 80, targetPort: 80, protocol: "TCP" }] });
    expect(service?.spec?.selector).toBeUndefined();
    expect(buildDerivedService(headless, ref)).toBeUndefined();
  });

  it("derived names fit a DNS label and stay distinct", () => {
    const long = "a".repeat(60);
    expect(derivedServiceName(long)).toHaveLength(63);
    expect(derivedServiceName(long)).not.toBe(derivedServiceName(`${"a".repeat(59)}b`));
  });
});

describe("toImportedService", () => {
  it("feeds the DNS index with the members' endpoints", () => {
    expect(toImportedService(headless, []).clusters[0]?.endpoints).toHaveLength(2);
    expect(toImportedService(clusterSet, ["10.96.200.1"])).toMatchObject({ type: "ClusterSetIP", ips: ["10.96.200.1"], clusters: [{ clusterId: "c1", endpoints: [] }, { clusterId: "c2", endpoints: [] }] });
  });
});
