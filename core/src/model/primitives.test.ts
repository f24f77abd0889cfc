import { describe, expect, it } from "vitest";
import { cidrSchema, ipAddressSchema, isWireguardKey, formatTimestamp, timestampSchema } from "./primitives.js";
import { isLabelKey, isLabelValue, isDnsSubdomain, isDns1035Label } from "./names.js";
import { randomBytes } from "node:crypto";

describe("CIDR and address fields", () => {
  it.each([
    ["10.0.0.0/8", "10.0.0.0/8"],
    ["0.0.0.0/0", "0.0.0.0/0"],
    ["fd00:0:0::/64", "fd00::/64"],
    ["2001:DB8::/128", "2001:db8::/128"],
  ])("accepts %s as %s", (text, canonical) => {
    expect(cidrSchema.parse(text)).toBe(canonical);
  });
  it.each(["10.0.0.0", "10.0.0.0/33", "10.0.0.1/8", "fd00::/129", "10.0.0/8", "10.0.0.0/08", "x/8", "", "/8", "10.0.0.0/"])(
    "rejects CIDR %j with a message from net/",
    (text) => {
      const result = cidrSchema.safeParse(text);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/CIDR|prefix/);
    },
  );
  it("normalises addresses and rejects bad ones", () => {
    expect(ipAddressSchema.parse("2001:DB8:0::1")).toBe("2001:db8::1");
    expect(ipAddressSchema.safeParse("10.0.0.256").success).toBe(false);
    expect(ipAddressSchema.safeParse("10.0.0.1/32").success).toBe(false);
  });
});

describe("WireGuard keys", () => {
  it("accepts base64 of 32 random bytes", () => {
    for (let i = 0; i < 20; i++) {
      expect(isWireguardKey(randomBytes(32).toString("base64"))).toBe(true);
    }
  });
  it.each([
    ["31 bytes", Buffer.alloc(31, 1).toString("base64")],
    ["33 bytes", Buffer.alloc(33, 1).toString("base64")],
    ["hex", Buffer.alloc(32, 1).toString("hex")],
    ["no padding", Buffer.alloc(32, 1).toString("base64").slice(0, 43)],
    ["non-canonical last char", `${Buffer.alloc(32, 0).toString("base64").slice(0, 42)}B=`],
    ["url-safe alphabet", `${"_".repeat(42)}A=`],
    ["empty", ""],
  ])("rejects %s", (_label, key) => {
    expect(isWireguardKey(key)).toBe(false);
  });
});

describe("timestamps", () => {
  it("formats epoch ms and dates as ISO UTC text that the schema accepts", () => {
    expect(formatTimestamp(0)).toBe("1970-01-01T00:00:00.000Z");
    expect(timestampSchema.safeParse(formatTimestamp(new Date())).success).toBe(true);
  });
  it.each(["2025-01-31", "2025-01-31T12:00:00+02:00", "yesterday", "2025-13-01T00:00:00Z"])("rejects %j", (text) => {
    expect(timestampSchema.safeParse(text).success).toBe(false);
  });
});

describe("Kubernetes names", () => {
  it("checks label keys and values", () => {
    expect(isLabelKey("region")).toBe(true);
    expect(isLabelKey("topology.kubernetes.io/zone")).toBe(true);
    expect(isLabelKey("Some_Key.1")).toBe(true);
    expect(isLabelKey("Bad.Prefix/zone")).toBe(false);
    expect(isLabelKey("/zone")).toBe(false);
    expect(isLabelKey("-zone")).toBe(false);
    expect(isLabelKey("")).toBe(false);
    expect(isLabelValue("")).toBe(true);
    expect(isLabelValue("eu-west_1.a")).toBe(true);
    expect(isLabelValue("a".repeat(64))).toBe(false);
    expect(isLabelValue("a b")).toBe(false);
  });
  it("checks subdomains and service names", () => {
    expect(isDnsSubdomain("node-1.lab.example")).toBe(true);
    expect(isDnsSubdomain("node..lab")).toBe(false);
    expect(isDnsSubdomain("a".repeat(254))).toBe(false);
    expect(isDns1035Label("web")).toBe(true);
    expect(isDns1035Label("1web")).toBe(false);
  });
});
