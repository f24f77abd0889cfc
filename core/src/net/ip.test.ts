import { isIPv4, isIPv6 } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NetError, type NetErrorCode } from "./errors.js";
import { IpAddress, compareIp, formatIp, ipFromBytes, ipToBytes, isIp, isSameFamily, maxIpValue, parseIp } from "./ip.js";

function codeOf(fn: () => unknown): NetErrorCode | "no error" {
  try {
    fn();
    return "no error";
  } catch (err) {
    if (err instanceof NetError) return err.code;
    throw err;
  }
}

/** WHATWG URL host serialisation compresses IPv6 per RFC 5952: an independent oracle. */
function urlCanonical(v6: string): string {
  return new URL(`http://[${v6}]/`).hostname.slice(1, -1);
}

const v4Value = fc.bigInt({ min: 0n, max: maxIpValue(4) });
/** IPv6 values biased towards zero groups, so that compression cases are common. */
const v6Value = fc
  .array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })
  .map((groups) => groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n));

describe("parseIp and formatIp", () => {
  it.each([
    ["0.0.0.0", "0.0.0.0"],
    ["255.255.255.255", "255.255.255.255"],
    ["10.0.0.1", "10.0.0.1"],
    ["::", "::"],
    ["::1", "::1"],
    ["1::", "1::"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["2001:DB8::1", "2001:db8::1"],
    ["2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"],
    // RFC 5952 section 4 examples
    ["2001:db8:0:0:0:0:2:1", "2001:db8::2:1"],
    ["2001:db8::0:1", "2001:db8::1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["2001:db8::1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:db8:aaaa:bbbb:cccc:dddd:eeee:AAAA", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa"],
    ["1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"],
    ["fe80:0:0:0:1:0:0:0", "fe80::1:0:0:0"],
    ["1:0:0:1:0:0:0:1", "1:0:0:1::1"],
    ["1:0:0:1:0:0:1:1", "1::1:0:0:1:1"],
    ["::ffff:1.2.3.4", "::ffff:102:304"],
    ["1:2:3:4:5:6:7.8.9.10", "1:2:3:4:5:6:708:90a"],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
    ["::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"],
  ])("%s -> %s", (text, canonical) => {
    const ip = parseIp(text);
    expect(ip.toString()).toBe(canonical);
    expect(parseIp(canonical).equals(ip)).toBe(true);
    expect(ip.family).toBe(text.includes(":") ? 6 : 4);
  });

  it.each<[string, NetErrorCode]>([
    ["", "InvalidAddress"],
    [" 1.2.3.4", "InvalidAddress"],
    ["1.2.3.4 ", "InvalidAddress"],
    ["1.2.3.4\n", "InvalidAddress"],
    ["1.2.3", "InvalidAddress"],
    ["1.2.3.4.5", "InvalidAddress"],
    ["256.1.1.1", "InvalidAddress"],
    ["1.2.3.999", "InvalidAddress"],
    ["01.2.3.4", "InvalidAddress"],
    ["1.2.3.00", "InvalidAddress"],
    ["1..3.4", "InvalidAddress"],
    [".1.2.3", "InvalidAddress"],
    ["1.2.3.4.", "InvalidAddress"],
    ["0x1.2.3.4", "InvalidAddress"],
    ["+1.2.3.4", "InvalidAddress"],
    ["-1.2.3.4", "InvalidAddress"],
    ["1e2.2.3.4", "InvalidAddress"],
    ["16909060", "InvalidAddress"],
    ["1.2.3.4/32", "InvalidAddress"],
    ["1.2.3.4:80", "InvalidAddress"],
    ["localhost", "InvalidAddress"],
    [":", "InvalidAddress"],
    [":::", "InvalidAddress"],
    [":::1", "InvalidAddress"],
    ["1:::2", "InvalidAddress"],
    ["1::2::3", "InvalidAddress"],
    [":1:2:3:4:5:6:7", "InvalidAddress"],
    ["1:2:3:4:5:6:7:", "InvalidAddress"],
    ["1:2:3:4:5:6:7", "InvalidAddress"],
    ["1:2:3:4:5:6:7:8:9", "InvalidAddress"],
    ["1:2:3:4:5:6:7:8::", "InvalidAddress"],
    ["::1:2:3:4:5:6:7:8", "InvalidAddress"],
    ["1:2:3:4::5:6:7:8", "InvalidAddress"],
    ["gggg::", "InvalidAddress"],
    ["12345::", "InvalidAddress"],
    ["fe80::1%eth0", "InvalidAddress"],
    ["fe80::1%1", "InvalidAddress"],
    ["[::1]", "InvalidAddress"],
    ["::1.2.3", "InvalidAddress"],
    ["::01.2.3.4", "InvalidAddress"],
    ["::1.2.3.4:5", "InvalidAddress"],
    ["1.2.3.4::", "InvalidAddress"],
    ["1:2:3:4:5:6:7:1.2.3.4", "InvalidAddress"],
    ["::ffff:256.1.1.1", "InvalidAddress"],
    ["\u0661.2.3.4", "InvalidAddress"],
  ])("rejects %j with %s", (text, code) => {
    expect(codeOf(() => parseIp(text))).toBe(code);
    expect(isIp(text)).toBe(false);
  });

  it("says what is wrong in the message", () => {
    expect(() => parseIp("01.2.3.4")).toThrow(/leading zero/);
    expect(() => parseIp("fe80::1%eth0")).toThrow(/zone/);
    expect(() => parseIp("1::2::3")).toThrow(/more than one '::'/);
  });

  it("formats random IPv4 values as the dotted quad and parses them back", () => {
    fc.assert(
      fc.property(v4Value, (value) => {
        const text = formatIp(new IpAddress(4, value));
        const expected = [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join(".");
        expect(text).toBe(expected);
        expect(parseIp(text).value).toBe(value);
      }),
    );
  });

  it("formats random IPv6 values like the WHATWG URL serialiser (RFC 5952) and parses them back", () => {
    fc.assert(
      fc.property(v6Value, (value) => {
        const text = formatIp(new IpAddress(6, value));
        expect(text).toBe(urlCanonical(text));
        expect(parseIp(text).value).toBe(value);
      }),
      { numRuns: 2000 },
    );
  });

  it("canonical form is idempotent for generated address text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (text) => {
        const once = parseIp(text).toString();
        expect(parseIp(once).toString()).toBe(once);
        if (text.includes(":")) expect(once).toBe(urlCanonical(text));
        else expect(once).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it("agrees with node:net on which text is an address (zone ids aside, which only node accepts)", () => {
    const octet = fc.constantFrom("0", "1", "9", "10", "99", "255", "256", "01", "001", "", "a");
    const v4 = fc.array(octet, { minLength: 3, maxLength: 5 }).map((octets) => octets.join("."));
    const group = fc.oneof(fc.constantFrom("0", "1", "a", "ffff", "FfFf", "0000", "12345", "", "g"), v4);
    const v6 = fc
      .tuple(fc.array(group, { maxLength: 9 }), fc.integer({ min: -1, max: 9 }))
      .map(([groups, gap]) => (gap < 0 || gap > groups.length ? groups.join(":") : `${groups.slice(0, gap).join(":")}::${groups.slice(gap).join(":")}`));
    const text = fc.oneof(v4, v6);
    let accepted = 0;
    fc.assert(
      fc.property(text, (candidate) => {
        const ours = isIp(candidate);
        if (ours) accepted++;
        expect(ours).toBe(isIPv4(candidate) || isIPv6(candidate));
      }),
      { numRuns: 20000 },
    );
    expect(accepted).toBeGreaterThan(200);
  });
});

describe("IpAddress", () => {
  it("refuses values outside the family", () => {
    expect(codeOf(() => new IpAddress(4, 1n << 32n))).toBe("OutOfRange");
    expect(codeOf(() => new IpAddress(6, -1n))).toBe("OutOfRange");
    expect(new IpAddress(6, maxIpValue(6)).toString()).toBe("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  });

  it("is immutable and serialises as text", () => {
    const ip = parseIp("10.0.0.1");
    expect(Object.isFrozen(ip)).toBe(true);
    expect(JSON.stringify({ ip, v6: parseIp("2001:db8::1") })).toBe('{"ip":"10.0.0.1","v6":"2001:db8::1"}');
  });

  it("converts to and from network-order bytes", () => {
    expect(Array.from(ipToBytes(parseIp("10.1.2.3")))).toEqual([10, 1, 2, 3]);
    expect(ipFromBytes(new Uint8Array([0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1])).toString()).toBe("2001:db8::1");
    expect(codeOf(() => ipFromBytes(new Uint8Array(5)))).toBe("InvalidAddress");
    fc.assert(
      fc.property(fc.oneof(v4Value.map((v) => new IpAddress(4, v)), v6Value.map((v) => new IpAddress(6, v))), (ip) => {
        expect(ipFromBytes(ipToBytes(ip)).equals(ip)).toBe(true);
      }),
    );
  });

  it("sorts IPv4 before IPv6, then numerically", () => {
    const sorted = ["::1", "10.0.0.2", "9.255.255.255", "::", "10.0.0.10"].map(parseIp).sort(compareIp).map(String);
    expect(sorted).toEqual(["9.255.255.255", "10.0.0.2", "10.0.0.10", "::", "::1"]);
    expect(isSameFamily(parseIp("::"), parseIp("0.0.0.0"))).toBe(false);
    expect(isSameFamily(parseIp("::"), parseIp("::1"))).toBe(true);
  });
});
