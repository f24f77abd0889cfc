import type { V1Node } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { discoverEndpoint, globalTunnelAddress, hostOf, tunnelAddress } from "./endpoint.js";
import { AgentError } from "./errors.js";

const node = (extra: { annotations?: Record<string, string>; external?: string; podCidr?: string } = {}): V1Node => ({
  metadata: { name: "c2-n1", ...(extra.annotations === undefined ? {} : { annotations: extra.annotations }) },
  spec: { podCIDR: extra.podCidr ?? "10.2.0.0/24" },
  status: { addresses: [{ type: "InternalIP", address: "198.18.2.11" }, ...(extra.external === undefined ? [] : [{ type: "ExternalIP", address: extra.external }])] },
});
const inputs = { clusterId: "c2", driver: "wireguard" as const, port: 51820, publicKey: Buffer.alloc(32, 1).toString("base64") };

describe("endpoint discovery", () => {
  it("takes the public IP from the annotation and sees no NAT when the node owns it", () => {
    const e = discoverEndpoint(node({ annotations: { "isthmus.io/public-ip": "203.0.113.12" } }), { ...inputs, localAddresses: ["198.18.2.11", "203.0.113.12"] });
    expect(e).toMatchObject({ hostname: "c2-n1", publicIp: "203.0.113.12", privateIp: "198.18.2.11", behindNat: false, natType: "none", healthCheckIp: "10.2.0.1" });
  });

  it("detects NAT when the public address is not on any local interface (a NAT router in front)", () => {
    const e = discoverEndpoint(node({ annotations: { "isthmus.io/public-ip": "203.0.113.12" } }), { ...inputs, localAddresses: ["198.18.2.11", "198.19.2.11"] });
    expect(e).toMatchObject({ publicIp: "203.0.113.12", behindNat: true, natType: "unknown" });
  });

  it("falls back to the ExternalIP, then the InternalIP; a config override wins", () => {
    expect(discoverEndpoint(node({ external: "203.0.113.99" }), { ...inputs, localAddresses: ["203.0.113.99"] }).publicIp).toBe("203.0.113.99");
    expect(discoverEndpoint(node(), { ...inputs, localAddresses: ["198.18.2.11"] })).toMatchObject({ publicIp: "198.18.2.11", behindNat: false });
    expect(discoverEndpoint(node({ annotations: { "isthmus.io/public-ip": "203.0.113.12" } }), { ...inputs, publicIp: "203.0.113.50", localAddresses: [] }).publicIp).toBe("203.0.113.50");
  });

  it("needs a podCIDR or an override for the tunnel address", () => {
    expect(tunnelAddress(node({ podCidr: "10.2.3.0/24" }), undefined)).toBe("10.2.3.1");
    expect(tunnelAddress(node(), "10.2.255.254")).toBe("10.2.255.254");
    const bare: V1Node = { metadata: { name: "x" }, spec: {}, status: { addresses: [] } };
    expect(() => tunnelAddress(bare, undefined)).toThrow(AgentError);
    expect(() => discoverEndpoint(bare, { ...inputs, localAddresses: [] })).toThrow(/no InternalIP/);
  });

  it("takes the tunnel address of a cluster with a global block from the block, one per node, counted down from its top", () => {
    const global = { block: "242.1.0.0/16", podCidrs: ["10.2.0.0/16"] };
    expect(tunnelAddress(node({ podCidr: "10.2.0.0/24" }), undefined, global)).toBe("242.1.255.254");
    expect(tunnelAddress(node({ podCidr: "10.2.3.0/24" }), undefined, global)).toBe("242.1.255.251");
    // Two clusters made by one installer: same pod CIDRs, same node numbers, different blocks.
    expect(globalTunnelAddress({ block: "242.0.0.0/16", podCidrs: ["10.2.0.0/16"] }, "10.2.3.0/24")).toBe("242.0.255.251");
    // The override still wins; a tiny block keeps its one upper address.
    expect(tunnelAddress(node(), "10.2.255.254", global)).toBe("10.2.255.254");
    expect(globalTunnelAddress({ block: "242.3.0.0/30", podCidrs: ["10.2.0.0/16"] }, "10.2.7.0/24")).toBe("242.3.0.2");
  });

  it("takes the host out of a broker address (the NAT case finds its underlay by the route to it)", () => {
    expect(hostOf("203.0.113.251:7443")).toBe("203.0.113.251");
    expect(hostOf("[2001:db8::1]:7443")).toBe("2001:db8::1");
    expect(hostOf("broker.example")).toBe("broker.example");
  });
});
