import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allocateAddress } from "./allocate-address.js";
import { cidrSize, nthAddress, parseCidr } from "./cidr.js";
import { NetError, type NetErrorCode } from "./errors.js";
import { type IpAddress, parseIp } from "./ip.js";

function codeOf(fn: () => unknown): NetErrorCode | "no error" {
  try {
    fn();
    return "no error";
  } catch (err) {
    if (err instanceof NetError) return err.code;
    throw err;
  }
}

const ips = (...texts: string[]): IpAddress[] => texts.map(parseIp);

describe("allocateAddress", () => {
  it("skips network and broadcast of an IPv4 pool by default", () => {
    const pool = parseCidr("10.244.1.0/30");
    expect(allocateAddress(pool, []).toString()).toBe("10.244.1.1");
    expect(allocateAddress(pool, ["10.244.1.1"]).toString()).toBe("10.244.1.2");
    expect(codeOf(() => allocateAddress(pool, ["10.244.1.1", "10.244.1.2"]))).toBe("Exhausted");
    expect(() => allocateAddress(pool, ["10.244.1.1", "10.244.1.2"])).toThrow(/pool 10\.244\.1\.0\/30: all 2 usable/);
  });

  it("uses every address of IPv4 /31 and /32 and IPv6 /127 and /128 (RFC 3021)", () => {
    expect(allocateAddress(parseCidr("192.0.2.0/31"), []).toString()).toBe("192.0.2.0");
    expect(allocateAddress(parseCidr("192.0.2.0/31"), ["192.0.2.0"]).toString()).toBe("192.0.2.1");
    expect(allocateAddress(parseCidr("192.0.2.7/32"), []).toString()).toBe("192.0.2.7");
    expect(allocateAddress(parseCidr("2001:db8::/127"), []).toString()).toBe("2001:db8::");
    expect(codeOf(() => allocateAddress(parseCidr("2001:db8::5/128"), ["2001:db8::5"]))).toBe("Exhausted");
  });

  it("holds back the IPv6 subnet-router address but not the last address", () => {
    const pool = parseCidr("fd00::/126");
    expect(allocateAddress(pool, []).toString()).toBe("fd00::1");
    expect(allocateAddress(pool, ["fd00::1", "fd00::2"]).toString()).toBe("fd00::3");
    expect(codeOf(() => allocateAddress(pool, ["fd00::1", "fd00::2", "fd00::3"]))).toBe("Exhausted");
  });

  it("honours explicit reservations and overrides", () => {
    const pool = parseCidr("10.0.0.0/29");
    expect(allocateAddress(pool, [], { reserved: ips("10.0.0.1") }).toString()).toBe("10.0.0.2");
    expect(allocateAddress(pool, [], { reserveNetwork: false }).toString()).toBe("10.0.0.0");
    const upper = ips("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6");
    expect(codeOf(() => allocateAddress(pool, upper))).toBe("Exhausted");
    expect(allocateAddress(pool, upper, { reserveBroadcast: false }).toString()).toBe("10.0.0.7");
    expect(codeOf(() => allocateAddress(parseCidr("10.0.0.7/32"), [], { reserveNetwork: true }))).toBe("Exhausted");
    expect(allocateAddress(pool, [], { reserved: ips("10.9.9.9", "::1") }).toString()).toBe("10.0.0.1");
  });

  it("matches taken text in any valid spelling and rejects malformed text", () => {
    const pool = parseCidr("2001:db8::/120");
    expect(allocateAddress(pool, ["2001:DB8:0:0:0:0:0:1"]).toString()).toBe("2001:db8::2");
    expect(allocateAddress(pool, new Set(["2001:db8::1", "2001:db8::0002"])).toString()).toBe("2001:db8::3");
    expect(codeOf(() => allocateAddress(pool, ["2001:db8::1", "not-an-ip"]))).toBe("InvalidAddress");
  });

  it("continues round-robin after a hint and wraps around", () => {
    const pool = parseCidr("10.0.0.0/29");
    expect(allocateAddress(pool, [], { after: parseIp("10.0.0.3") }).toString()).toBe("10.0.0.4");
    expect(allocateAddress(pool, ["10.0.0.4", "10.0.0.5"], { after: parseIp("10.0.0.3") }).toString()).toBe("10.0.0.6");
    expect(allocateAddress(pool, ["10.0.0.1"], { after: parseIp("10.0.0.6") }).toString()).toBe("10.0.0.2");
    expect(allocateAddress(pool, [], { after: parseIp("10.0.0.7") }).toString()).toBe("10.0.0.1");
    expect(allocateAddress(pool, [], { after: parseIp("192.0.2.1") }).toString()).toBe("10.0.0.1");
    expect(codeOf(() => allocateAddress(pool, [], { after: parseIp("::1") }))).toBe("FamilyMismatch");
  });

  it("stays fast on large pools: a /16 with 65,000 taken and a /64 with thousands taken", () => {
    const pool = parseCidr("10.244.0.0/16");
    const taken = Array.from({ length: 65_000 }, (_, i) => nthAddress(pool, i + 1));
    expect(allocateAddress(pool, taken).toString()).toBe("10.244.253.233");
    expect(allocateAddress(pool, taken, { after: parseIp("10.244.255.253") }).toString()).toBe("10.244.255.254");
    expect(allocateAddress(pool, taken, { after: parseIp("10.244.255.254") }).toString()).toBe("10.244.253.233");
    const full = [...taken, ...Array.from({ length: 534 }, (_, i) => nthAddress(pool, 65_001 + i))];
    expect(codeOf(() => allocateAddress(pool, full))).toBe("Exhausted");
    const v6 = parseCidr("fd00:10:244:1::/64");
    const v6Taken = Array.from({ length: 5000 }, (_, i) => nthAddress(v6, i + 1).toString());
    expect(allocateAddress(v6, v6Taken).toString()).toBe("fd00:10:244:1::1389");
    expect(allocateAddress(v6, v6Taken, { after: nthAddress(v6, cidrSize(v6) - 1n) }).toString()).toBe("fd00:10:244:1::1389");
  });

  it("never hands out a taken or reserved address, and finds one whenever one is free (against a brute-force scan)", () => {
    const pool = parseCidr("10.0.0.0/28");
    const inPool = fc.integer({ min: -2, max: 17 }).map((i) => parseIp(`10.0.0.${i < 0 ? 200 : i}`));
    fc.assert(
      fc.property(
        fc.array(inPool, { maxLength: 18 }),
        fc.array(inPool, { maxLength: 3 }),
        fc.option(inPool, { nil: undefined }),
        (taken, reserved, after) => {
          const blocked = new Set([...taken, ...reserved].map(String));
          const usable = Array.from({ length: 14 }, (_, i) => nthAddress(pool, i + 1)).filter((ip) => !blocked.has(ip.toString()));
          const options = after === undefined ? { reserved } : { reserved, after };
          if (usable.length === 0) {
            expect(codeOf(() => allocateAddress(pool, taken, options))).toBe("Exhausted");
            return;
          }
          const got = allocateAddress(pool, taken, options);
          expect(blocked.has(got.toString())).toBe(false);
          expect(got.value > pool.network.value && got.value < pool.network.value + 15n).toBe(true);
          const start = after === undefined ? -1n : after.value;
          const expected = usable.find((ip) => ip.value > start) ?? usable[0];
          expect(got.equals(expected!)).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
