import { ConfigError, parseConfig } from "@isthmus/core/runtime";
import { describe, expect, it } from "vitest";
import { resolveClusterId } from "./cluster-id.js";
import { dnsConfigSchema } from "./config.js";

describe("dnsConfigSchema", () => {
  it("takes flags over env over defaults, coercing numbers", () => {
    const config = parseConfig(dnsConfigSchema, {
      env: { prefix: "ISTHMUS_DNS_", vars: { ISTHMUS_DNS_IDENTITY: "isthmus-dns-abc", ISTHMUS_DNS_DNS_PORT: "53" } },
      flags: { dnsPort: "5353", logLevel: "debug" },
    });
    expect(config).toMatchObject({ identity: "isthmus-dns-abc", dnsPort: 5353, logLevel: "debug", zone: "clusterset.local", ttlSeconds: 5, leaseName: "isthmus-dns" });
  });

  it("refuses unknown keys, missing identity and inconsistent lease timings", () => {
    expect(() => parseConfig(dnsConfigSchema, { flags: { identity: "a", dnsPrt: "1" } })).toThrow(/dnsPrt: unknown key/);
    expect(() => parseConfig(dnsConfigSchema, { flags: {} })).toThrow(ConfigError);
    expect(() => parseConfig(dnsConfigSchema, { flags: { identity: "a", leaseDurationMs: "2000", renewDeadlineMs: "3000" } })).toThrow(/retryPeriodMs < renewDeadlineMs < leaseDurationMs/);
  });
});

describe("resolveClusterId", () => {
  it("uses the broker Secret's id when there is no ClusterProperty or it agrees", () => {
    expect(resolveClusterId("c1", undefined)).toBe("c1");
    expect(resolveClusterId("c1", "c1")).toBe("c1");
  });

  it("refuses a ClusterProperty that contradicts the Secret, naming both ids", () => {
    expect(() => resolveClusterId("c1", "east")).toThrow(/"east" but Secret isthmus-broker .* says "c1"/);
    expect(() => resolveClusterId("c1", "east")).toThrow(expect.objectContaining({ code: "InvalidConfig" }));
  });
});
