import type { Cluster, GatewayEndpoint } from "@isthmus/core/model";
import { describe, expect, it } from "vitest";
import { createFailoverTracker } from "./failover.js";
import { planPeers, type PeerPlanInput } from "./peer-plan.js";
import { checkPeers } from "../cable/peers.js";

const key = (n: number): string => Buffer.alloc(32, n).toString("base64");
const cluster = (id: string, i: number): Cluster => ({
  id, podCidrs: [`10.${i}.0.0/16`], serviceCidrs: [`10.${100 + i}.0.0/16`], labels: {}, joinedAt: "2026-01-01T00:00:00.000Z", lastSeen: "2026-01-01T00:00:00.000Z",
});
const endpoint = (clusterId: string, hostname: string, role: "active" | "passive", last: number): GatewayEndpoint => ({
  clusterId, hostname, role, publicIp: `203.0.113.${last}`, privateIp: `198.18.0.${last}`, port: 51820, cableDriver: "wireguard",
  wireguardPublicKey: key(last), healthCheckIp: `10.${clusterId.slice(1)}.${last}.1`, behindNat: false,
});

const base: PeerPlanInput = {
  localClusterId: "c1", driver: "wireguard", clusters: [cluster("c1", 1), cluster("c2", 2)],
  endpoints: [endpoint("c1", "c1-n1", "active", 11), endpoint("c2", "c2-n1", "active", 12), endpoint("c2", "c2-n2", "passive", 22)],
  failed: new Map(), nowMs: 1000, holdMs: 30_000, routed: true, local: { publicIp: "203.0.113.11", behindNat: false },
};

describe("planPeers", () => {
  it("dials each remote cluster's active gateway with the cluster's CIDRs", () => {
    const planned = planPeers(base);
    expect(planned.map((p) => [p.peer.clusterId, p.endpoint.hostname, p.peer.remoteIp, p.peer.cidrs])).toEqual([["c2", "c2-n1", "203.0.113.12", ["10.2.0.0/16", "10.102.0.0/16"]]]);
    expect(planned[0]?.peer).toMatchObject({ publicKey: key(12), tunnelIp: "10.2.12.1", routed: true, behindNat: false });
  });

  it("routes a remote cluster with a global block by its block alone, the others by their CIDRs, so overlapping clusters pass checkPeers", () => {
    const c2 = { ...cluster("c2", 1), globalCidr: "242.1.0.0/16" };
    const c3 = cluster("c3", 3);
    const endpoints = [...base.endpoints, { ...endpoint("c3", "c3-n1", "active", 13), healthCheckIp: "10.3.13.1" }].map((e) => (e.clusterId === "c2" ? { ...e, healthCheckIp: e.hostname === "c2-n1" ? "242.1.255.254" : "242.1.255.253" } : e));
    const planned = planPeers({ ...base, clusters: [{ ...cluster("c1", 1), globalCidr: "242.0.0.0/16" }, c2, c3], endpoints });
    expect(planned.map((p) => [p.peer.clusterId, p.subnets, p.peer.tunnelIp])).toEqual([
      ["c2", ["242.1.0.0/16"], "242.1.255.254"],
      ["c3", ["10.3.0.0/16", "10.103.0.0/16"], "10.3.13.1"],
    ]);
    expect(() => { checkPeers(planned.map((p) => p.peer), "wireguard"); }).not.toThrow();
  });

  it("switches to the standby while the active one carries a probe-failure mark, and back when it expires", () => {
    const failed = new Map([["c2", new Map([["c2-n1", 900]])]]);
    expect(planPeers({ ...base, failed })[0]?.endpoint.hostname).toBe("c2-n2");
    expect(planPeers({ ...base, failed, nowMs: 900 + 30_000 })[0]?.endpoint.hostname).toBe("c2-n1");
  });

  it("when every candidate is marked, dials the one that failed longest ago", () => {
    expect(planPeers({ ...base, failed: new Map([["c2", new Map([["c2-n1", 900], ["c2-n2", 950]])]]) })[0]?.endpoint.hostname).toBe("c2-n1");
    expect(planPeers({ ...base, failed: new Map([["c2", new Map([["c2-n1", 990], ["c2-n2", 950]])]]) })[0]?.endpoint.hostname).toBe("c2-n2");
  });

  it("skips clusters without an endpoint of our driver and marks peers unrouted on a passive gateway", () => {
    const endpoints = base.endpoints.map((e) => (e.clusterId === "c2" ? { ...e, cableDriver: "vxlan" as const } : e));
    expect(planPeers({ ...base, endpoints })).toEqual([]);
    expect(planPeers({ ...base, routed: false, local: { publicIp: "203.0.113.99", behindNat: true } })[0]?.peer).toMatchObject({ routed: false, behindNat: true });
  });

  it("dials a remote gateway behind our own public address at its private address, without keepalive (ADR 0502)", () => {
    const shared = { publicIp: "203.0.113.50", behindNat: true };
    const endpoints = base.endpoints.map((e) => (e.clusterId === "c2" ? { ...e, ...shared } : e));
    expect(planPeers({ ...base, endpoints, local: shared })[0]?.peer).toMatchObject({ clusterId: "c2", remoteIp: "198.18.0.12", behindNat: false });
    expect(planPeers({ ...base, endpoints, local: { publicIp: "203.0.113.11", behindNat: false } })[0]?.peer).toMatchObject({ remoteIp: "203.0.113.50", behindNat: true });
  });
});

describe("failover tracker", () => {
  it("drops a cluster's marks when its endpoint set changes (the new active published)", () => {
    let now = 0;
    const tracker = createFailoverTracker(() => now);
    tracker.observe(base.endpoints);
    expect(tracker.markFailed("c2", "c2-n1")).toBe(true);
    expect(tracker.markFailed("c2", "c2-n1")).toBe(false);
    now = 5;
    expect(tracker.observe(base.endpoints)).toBe(false);
    expect(tracker.marks().get("c2")?.get("c2-n1")).toBe(0);
    const promoted = base.endpoints.map((e) => (e.clusterId !== "c2" ? e : { ...e, role: e.hostname === "c2-n2" ? ("active" as const) : ("passive" as const) }));
    expect(tracker.observe(promoted)).toBe(true);
    expect(tracker.marks().has("c2")).toBe(false);
    expect(planPeers({ ...base, endpoints: promoted, failed: tracker.marks() })[0]?.endpoint.hostname).toBe("c2-n2");
  });
});
