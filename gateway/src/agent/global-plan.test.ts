import type { V1EndpointSlice } from "@kubernetes/client-node";
import type { Cluster, ServiceExport } from "@isthmus/core/model";
import { describe, expect, it } from "vitest";
import { renderGlobalNat } from "../cable/global-nat.js";
import { leaveOutOwnRanges, planGlobalNat, type GlobalNatInputs } from "./global-plan.js";

const cluster = (id: string, globalCidr?: string): Cluster => ({
  id, podCidrs: ["10.1.0.0/16"], serviceCidrs: ["10.101.0.0/16"], labels: {}, joinedAt: "2026-01-01T00:00:00.000Z", lastSeen: "2026-01-01T00:00:00.000Z",
  ...(globalCidr === undefined ? {} : { globalCidr }),
});
const web: ServiceExport = {
  clusterId: "c2", namespace: "demo", name: "web", type: "ClusterSetIP", clusterIp: "10.101.0.10", globalIp: "242.1.0.2", createdAt: "2026-01-01T00:00:00.000Z",
  ports: [{ name: "http", port: 80, protocol: "TCP" }, { name: "dns", port: 53, protocol: "UDP" }],
};
const slice = (name: string, service: string, endpoints: { ip: string; ready?: boolean }[], extra: Partial<V1EndpointSlice> = {}): V1EndpointSlice => ({
  metadata: { name, namespace: "demo", labels: { "kubernetes.io/service-name": service } },
  addressType: "IPv4",
  ports: [{ name: "http", port: 8080, protocol: "TCP" }, { name: "dns", port: 5353, protocol: "UDP" }],
  endpoints: endpoints.map((e) => ({ addresses: [e.ip], ...(e.ready === undefined ? {} : { conditions: { ready: e.ready } }) })),
  ...extra,
});

const base: GlobalNatInputs = {
  clusterId: "c2",
  clusters: [cluster("c1", "242.0.0.0/16"), cluster("c2", "242.1.0.0/16")],
  exports: [web],
  slices: [slice("web-a", "web", [{ ip: "10.1.1.6" }, { ip: "10.1.1.5", ready: true }]), slice("web-b", "web", [{ ip: "10.1.2.7", ready: false }, { ip: "10.1.1.5" }])],
  device: "isthmus-wg",
  podCidrs: ["10.1.0.0/16"],
};

describe("planGlobalNat", () => {
  it("SNATs the pod CIDRs to the block's egress address and DNATs each export's global IP and port to the ready backends' target ports", () => {
    expect(planGlobalNat(base)).toEqual({
      device: "isthmus-wg",
      localCidrs: ["10.1.0.0/16"],
      egressIp: "242.1.0.1",
      services: [{
        globalIp: "242.1.0.2",
        ports: [
          { protocol: "TCP", port: 80, backends: [{ ip: "10.1.1.5", port: 8080 }, { ip: "10.1.1.6", port: 8080 }] },
          { protocol: "UDP", port: 53, backends: [{ ip: "10.1.1.5", port: 5353 }, { ip: "10.1.1.6", port: 5353 }] },
        ],
      }],
    });
  });

  it("is nothing (no table) when the cluster holds no block", () => {
    expect(planGlobalNat({ ...base, clusters: [cluster("c1", "242.0.0.0/16"), cluster("c2")] })).toBeUndefined();
  });

  it("ignores other clusters' exports, exports without a global IP, other services' slices and IPv6 slices", () => {
    const { globalIp: _unaddressed, ...api } = { ...web, name: "api" };
    const exports: ServiceExport[] = [
      web,
      { ...web, clusterId: "c1", globalIp: "242.0.0.2" },
      api,
      { clusterId: "c2", namespace: "demo", name: "db", type: "Headless", ports: [{ port: 5432, protocol: "TCP" }], endpoints: [], createdAt: "2026-01-01T00:00:00.000Z" },
    ];
    const slices = [
      slice("web-a", "web", [{ ip: "10.1.1.5" }]),
      slice("other", "web2", [{ ip: "10.1.9.9" }]),
      slice("v6", "web", [{ ip: "fd00::5" }], { addressType: "IPv6" }),
    ];
    const spec = planGlobalNat({ ...base, exports, slices });
    expect(spec?.services.map((s) => [s.globalIp, s.ports.map((p) => p.backends.map((b) => b.ip))])).toEqual([["242.1.0.2", [["10.1.1.5"], ["10.1.1.5"]]]]);
  });

  it("DNATs each pod of the cluster's headless exports from its own global IP to its pod IP, every port", () => {
    const db: ServiceExport = {
      clusterId: "c2", namespace: "demo", name: "db", type: "Headless", ports: [{ port: 5432, protocol: "TCP" }], createdAt: "2026-01-01T00:00:00.000Z",
      endpoints: [{ addresses: ["10.1.2.9"], hostname: "db-1", ready: true, globalIp: "242.1.0.4" }, { addresses: ["10.1.1.8"], hostname: "db-0", ready: true, globalIp: "242.1.0.3" }, { addresses: ["10.1.1.7"], ready: true }],
    };
    const spec = planGlobalNat({ ...base, exports: [web, db, { ...db, clusterId: "c1", endpoints: [{ addresses: ["10.1.1.8"], ready: true, globalIp: "242.0.0.3" }] }] });
    expect(spec?.pods).toEqual([{ globalIp: "242.1.0.3", podIp: "10.1.1.8" }, { globalIp: "242.1.0.4", podIp: "10.1.2.9" }]);
    if (spec === undefined) throw new Error("expected a translation");
    expect(renderGlobalNat(spec, "active")).toContain('    iifname "isthmus-wg" ip daddr 242.1.0.3 dnat to 10.1.1.8\n    iifname "isthmus-wg" ip daddr 242.1.0.4 dnat to 10.1.2.9\n');
    expect(() => renderGlobalNat({ ...spec, pods: [{ globalIp: "242.1.0.2", podIp: "10.1.1.8" }] }, "active")).toThrow("global IP 242.1.0.2 is listed twice");
  });

  it("matches an unnamed single port to the slice's unnamed port; a port without ready backends gets no DNAT rule", () => {
    const single: ServiceExport = { ...web, ports: [{ port: 80, protocol: "TCP" }] };
    const unnamed = slice("web-a", "web", [{ ip: "10.1.1.5" }], { ports: [{ port: 8080, protocol: "TCP" }] });
    expect(planGlobalNat({ ...base, exports: [single], slices: [unnamed] })?.services[0]?.ports).toEqual([{ protocol: "TCP", port: 80, backends: [{ ip: "10.1.1.5", port: 8080 }] }]);
    const spec = planGlobalNat({ ...base, exports: [single], slices: [slice("web-a", "web", [{ ip: "10.1.1.5", ready: false }], { ports: [{ port: 8080, protocol: "TCP" }] })] });
    if (spec === undefined) throw new Error("expected a translation");
    expect(spec.services[0]?.ports[0]?.backends).toEqual([]);
    expect(renderGlobalNat(spec, "active")).not.toContain("dnat");
  });
});

describe("leaveOutOwnRanges", () => {
  const peer = (clusterId: string, subnets: string[], tunnelIp: string): { subnets: string[]; peer: { clusterId: string; tunnelIp: string } } => ({ subnets, peer: { clusterId, tunnelIp } });
  const own = ["10.1.0.0/16", "10.101.0.0/16"];

  it("keeps remotes routed by their blocks or by CIDRs of their own", () => {
    const planned = [peer("c1", ["242.0.0.0/16"], "242.0.255.254"), peer("c3", ["10.3.0.0/16", "10.103.0.0/16"], "10.3.0.1")];
    expect(leaveOutOwnRanges(planned, own)).toEqual(planned);
  });

  it("leaves out a remote with this cluster's ranges (no blocks yet) and one whose tunnel address is still in them", () => {
    const planned = [
      peer("c1", ["10.1.0.0/16", "10.101.0.0/16"], "10.1.0.1"),
      peer("c2", ["242.1.0.0/16"], "10.1.0.1"),
      peer("c3", ["10.3.0.0/16"], "10.3.0.1"),
      peer("c4", ["10.0.0.0/8"], "192.0.2.1"),
    ];
    expect(leaveOutOwnRanges(planned, own).map((p) => p.peer.clusterId)).toEqual(["c3"]);
    expect(leaveOutOwnRanges(planned, [])).toEqual(planned);
  });
});
