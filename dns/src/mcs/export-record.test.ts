import { isIsthmusError } from "@isthmus/core/errors";
import type { EndpointSliceJson, ServiceJson } from "./kube-types.js";
import { describe, expect, it } from "vitest";
import { buildExportRecord, validateExport } from "./export-record.js";

const ref = { namespace: "demo", name: "web" };
const createdAt = "2025-01-01T00:00:00.000Z";

function service(spec: NonNullable<ServiceJson["spec"]>): ServiceJson {
  return { metadata: { namespace: "demo", name: "web" }, spec };
}

function slice(name: string, endpoints: EndpointSliceJson["endpoints"], extra: Partial<EndpointSliceJson> = {}): EndpointSliceJson {
  return { metadata: { name, namespace: "demo", labels: { "kubernetes.io/service-name": "web" } }, addressType: "IPv4", endpoints, ...extra };
}

describe("validateExport", () => {
  it("refuses a missing Service with NoService and an ExternalName Service with InvalidServiceType", () => {
    expect(validateExport(undefined, ref)).toMatchObject({ valid: false, reason: "NoService" });
    expect(validateExport(service({ type: "ExternalName", externalName: "x.example" }), ref)).toMatchObject({ valid: false, reason: "InvalidServiceType" });
  });

  it("accepts ClusterIP, NodePort, LoadBalancer and headless Services", () => {
    expect(validateExport(service({ type: "ClusterIP", clusterIP: "10.96.0.5" }), ref)).toEqual({ valid: true, type: "ClusterSetIP" });
    expect(validateExport(service({ type: "LoadBalancer", clusterIP: "10.96.0.5" }), ref)).toEqual({ valid: true, type: "ClusterSetIP" });
    expect(validateExport(service({ clusterIP: "None" }), ref)).toEqual({ valid: true, type: "Headless" });
  });
});

describe("buildExportRecord", () => {
  it("a ClusterSetIP record carries the cluster IP and the ports", () => {
    const record = buildExportRecord({
      clusterId: "c1",
      service: service({ clusterIP: "10.96.0.5", ports: [{ name: "http", port: 80, protocol: "TCP", appProtocol: "http" }, { name: "dns", port: 53, protocol: "UDP" }] }),
      slices: [],
      createdAt,
    });
    expect(record).toEqual({
      clusterId: "c1",
      namespace: "demo",
      name: "web",
      type: "ClusterSetIP",
      clusterIp: "10.96.0.5",
      ports: [{ name: "http", port: 80, protocol: "TCP", appProtocol: "http" }, { name: "dns", port: 53, protocol: "UDP" }],
      createdAt,
    });
  });

  it("a Headless record carries the endpoints of the Service's slices, deduplicated, with readiness and hostnames", () => {
    const record = buildExportRecord({
      clusterId: "c2",
      service: service({ clusterIP: "None", ports: [{ port: 5432 }] }),
      slices: [
        slice("a", [{ addresses: ["10.2.0.5"], hostname: "db-1", conditions: { ready: false } }, { addresses: ["10.2.0.4"], hostname: "db-0" }]),
        slice("b", [{ addresses: ["10.2.0.4"], hostname: "db-0", conditions: { ready: true } }]),
        slice("other", [{ addresses: ["10.2.0.9"] }], { metadata: { name: "other", namespace: "demo", labels: { "kubernetes.io/service-name": "db" } } }),
        slice("fqdn", [{ addresses: ["x.example"] }], { addressType: "FQDN" }),
      ],
      createdAt,
    });
    expect(record.type === "Headless" ? record.endpoints : []).toEqual([
      { addresses: ["10.2.0.4"], hostname: "db-0", ready: true },
      { addresses: ["10.2.0.5"], hostname: "db-1", ready: false },
    ]);
    expect(record.ports).toEqual([{ port: 5432, protocol: "TCP" }]);
  });

  it("refuses a Service whose ports the model cannot hold", () => {
    let error: unknown;
    try {
      buildExportRecord({ clusterId: "c1", service: service({ clusterIP: "10.96.0.5", ports: [{ port: 80 }, { port: 81 }] }), slices: [], createdAt });
    } catch (err) {
      error = err;
    }
    expect(isIsthmusError(error, "InvalidServiceExport")).toBe(true);
  });
});
