import { ConfigError, parseConfig } from "@isthmus/core/runtime";
import { describe, expect, it } from "vitest";
import { gatewayConfigSchema, keyFilePath } from "./config.js";

describe("gateway config", () => {
  it("takes comma-separated CIDRs from the environment and fills defaults", () => {
    const config = parseConfig(gatewayConfigSchema, {
      env: { prefix: "ISTHMUS_GATEWAY_", vars: { ISTHMUS_GATEWAY_NODE_NAME: "c1-n1", ISTHMUS_GATEWAY_POD_CIDRS: "10.1.0.0/16", ISTHMUS_GATEWAY_SERVICE_CIDRS: "10.101.0.0/16, fd00:101::/112" } },
      flags: { cableDriver: "vxlan", probeIntervalMs: "50" },
    });
    expect(config).toMatchObject({ nodeName: "c1-n1", podCidrs: ["10.1.0.0/16"], serviceCidrs: ["10.101.0.0/16", "fd00:101::/112"], cableDriver: "vxlan", probeIntervalMs: 50, wireguardPort: 51820, retryPeriodMs: 500 });
    expect(keyFilePath(config)).toBe("/var/lib/isthmus/gateway/c1-n1.key");
    expect(config.globalCidr).toBe("");
  });

  it("takes the global addressing join asks for, and refuses anything else", () => {
    const base = { nodeName: "n", podCidrs: "10.1.0.0/16", serviceCidrs: "10.2.0.0/16" };
    for (const globalCidr of ["auto", "/20", "242.5.0.0/16"]) expect(parseConfig(gatewayConfigSchema, { flags: { ...base, globalCidr } }).globalCidr).toBe(globalCidr);
    expect(() => parseConfig(gatewayConfigSchema, { flags: { ...base, globalCidr: "lots" } })).toThrow(/globalCidr/);
  });

  it("rejects a bad CIDR, a missing CIDR list, an unknown driver and unknown keys at once", () => {
    try {
      parseConfig(gatewayConfigSchema, { flags: { nodeName: "n", podCidrs: "10.1.0.0", cableDriver: "ipsec", bogus: "1" } });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as ConfigError).message;
      expect(message).toMatch(/podCidrs/);
      expect(message).toMatch(/serviceCidrs/);
      expect(message).toMatch(/cableDriver/);
      expect(message).toMatch(/bogus/);
    }
  });
});
