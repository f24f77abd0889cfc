import { describe, expect, it } from "vitest";
import type { GatewayObject } from "../agent/gateway-resource.js";
import { activeGatewayIp, followedHolder, remoteSubnets, routeAgentMac, vtepIp } from "./vtep.js";

const gateway = (name: string, clusterId: string, privateIp: string, subnets: string[]): GatewayObject => ({
  metadata: { name },
  status: {
    clusterId, role: "active", lastUpdated: "2026-01-01T00:00:00.000Z",
    endpoint: { clusterId, hostname: name, publicIp: privateIp, privateIp, port: 51820, cableDriver: "wireguard", healthCheckIp: "10.1.0.1", behindNat: false },
    connections: [{ gateway: "c2-n1", cluster: "c2", remoteIp: "203.0.113.12", behindNat: false, driver: "wireguard", subnets, status: "connected" }],
  },
});

describe("route agent addressing", () => {
  it("derives the VTEP address and MAC from the node IP", () => {
    expect(vtepIp("198.18.1.12")).toBe("240.18.1.12");
    expect(routeAgentMac("198.18.1.12")).toBe("0e:1b:c6:12:01:0c");
    expect(() => vtepIp("fd00::1")).toThrow(/IPv4/);
  });

  it("targets the Lease holder's node unless this node holds it", () => {
    const gateways = [gateway("c1-n1", "c1", "198.18.1.11", []), gateway("c1-n2", "c1", "198.18.1.12", [])];
    expect(activeGatewayIp({ holder: "c1-n2", nodeName: "c1-n3", gateways })).toBe("198.18.1.12");
    expect(activeGatewayIp({ holder: "c1-n2", nodeName: "c1-n2", gateways })).toBeUndefined();
    expect(activeGatewayIp({ holder: "", nodeName: "c1-n3", gateways })).toBeUndefined();
    expect(activeGatewayIp({ holder: "c1-n9", nodeName: "c1-n3", gateways })).toBeUndefined();
  });

  it("follows the last Lease holder while the Lease is released, and the new holder once there is one", () => {
    expect(followedHolder("c1-n1", undefined)).toBe("c1-n1");
    expect(followedHolder("", "c1-n1")).toBe("c1-n1");
    expect(followedHolder(undefined, "c1-n1")).toBe("c1-n1");
    expect(followedHolder("c1-n2", "c1-n1")).toBe("c1-n2");
    expect(followedHolder("", undefined)).toBeUndefined();
  });

  it("unions the IPv4 remote subnets of the cluster's Gateways, canonical and sorted", () => {
    const gateways = [
      gateway("c1-n1", "c1", "198.18.1.11", ["10.102.0.0/16", "10.2.0.0/16", "fd00::/64"]),
      gateway("c1-n2", "c1", "198.18.1.12", ["10.2.0.0/16", "10.3.0.0/16"]),
      gateway("c9-n1", "c9", "198.18.9.11", ["10.99.0.0/16"]),
    ];
    expect(remoteSubnets(gateways, "c1")).toEqual(["10.102.0.0/16", "10.2.0.0/16", "10.3.0.0/16"]);
  });
});
