import { describe, expect, it } from "vitest";
import { ModelError } from "./errors.js";
import { parseGatewayEndpoint } from "./gateway-endpoint.js";

const key = Buffer.alloc(32, 7).toString("base64");
const valid = {
  clusterId: "east",
  hostname: "east-gw-1",
  publicIp: "203.0.113.10",
  privateIp: "192.0.2.10",
  port: 51820,
  cableDriver: "wireguard",
  wireguardPublicKey: key,
  healthCheckIp: "100.64.0.1",
  behindNat: true,
  natType: "port-restricted-cone",
  role: "active",
} as const;

function issuesOf(input: unknown): readonly string[] {
  try {
    parseGatewayEndpoint(input);
  } catch (err) {
    expect((err as ModelError).code).toBe("InvalidGatewayEndpoint");
    return (err as ModelError).issues;
  }
  throw new Error("expected parseGatewayEndpoint to throw");
}

describe("parseGatewayEndpoint", () => {
  it("accepts a WireGuard endpoint behind NAT and a VXLAN endpoint without a key", () => {
    expect(parseGatewayEndpoint(valid)).toEqual(valid);
    const { wireguardPublicKey: _k, natType: _n, ...vxlan } = { ...valid, cableDriver: "vxlan", port: 4790, behindNat: false, role: "passive" };
    expect(parseGatewayEndpoint(vxlan)).toEqual(vxlan);
  });

  it("accepts IPv6 addresses", () => {
    expect(parseGatewayEndpoint({ ...valid, publicIp: "2001:db8::1", privateIp: "fd00::1" }).publicIp).toBe("2001:db8::1");
  });

  it("requires a key for the WireGuard cable and checks its shape", () => {
    const { wireguardPublicKey: _k, ...noKey } = valid;
    expect(issuesOf(noKey)).toEqual(['wireguardPublicKey: is required when cableDriver is "wireguard"']);
    expect(issuesOf({ ...valid, wireguardPublicKey: "abc=" })[0]).toMatch(/^wireguardPublicKey: must be a WireGuard key/);
  });

  it("lists every problem at once", () => {
    const issues = issuesOf({ ...valid, publicIp: "203.0.113.300", port: 0, cableDriver: "ipsec", role: "leader" });
    expect(issues.map((i) => i.split(":")[0])).toEqual(["publicIp", "port", "cableDriver", "role"]);
  });

  it("rejects a NAT type on an endpoint not behind NAT", () => {
    expect(issuesOf({ ...valid, behindNat: false })).toEqual(['natType: is "port-restricted-cone" but behindNat is false']);
  });
});
