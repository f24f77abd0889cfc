import { BlockList } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Cidr,
  cidrContaining,
  cidrSize,
  compareCidr,
  contains,
  firstAddress,
  isCidr,
  isOnLink,
  lastAddress,
  nthAddress,
  overlaps,
  parseCidr,
  parseCidrLoose,
} from "./cidr.js";
import { NetError, type NetErrorCode } from "./errors.js";
import { IpAddress, type IpFamily, familyBits, maxIpValue, parseIp } from "./ip.js";

function codeOf(fn: () => unknown): NetErrorCode | "no error" {
  try {
    fn();
    return "no error";
  } catch (err) {
    if (err instanceof NetError) return err.code;
    throw err;
  }
}

/** Random blocks of one family; short IPv6 values keep nesting and overlap common. */
function cidrOf(family: IpFamily): fc.Arbitrary<Cidr> {
  const bits = familyBits(family);
  return fc
    .tuple(fc.bigInt({ min: 0n, max: maxIpValue(family) }), fc.integer({ min: 0, max: bits }), fc.integer({ min: 0, max: 3 }))
    .map(([value, prefix, fuzz]) => cidrContaining(new IpAddress(family, value), Math.max(0, prefix - fuzz)));
}
/** Blocks near each other, so that overlaps, nesting and adjacency happen often. */
const nearbyV4 = fc
  .tuple(fc.integer({ min: 0, max: 1023 }), fc.integer({ min: 20, max: 32 }))
  .map(([offset, prefix]) => cidrContaining(new IpAddress(4, 0x0a000000n + BigInt(offset)), prefix));

describe("parseCidr", () => {
  it.each([
    ["10.0.0.0/8", "10.0.0.0/8", 16777216n],
    ["0.0.0.0/0", "0.0.0.0/0", 1n << 32n],
    ["192.0.2.7/32", "192.0.2.7/32", 1n],
    ["::/0", "::/0", 1n << 128n],
    ["::1/128", "::1/128", 1n],
    ["2001:db8::/32", "2001:db8::/32", 1n << 96n],
    ["2001:DB8:0:0::/64", "2001:db8::/64", 1n << 64n],
    ["fd00:10:244:1::/64", "fd00:10:244:1::/64", 1n << 64n],
  ])("%s", (text, canonical, size) => {
    const cidr = parseCidr(text);
    expect(cidr.toString()).toBe(canonical);
    expect(cidrSize(cidr)).toBe(size);
    expect(parseCidr(canonical).equals(cidr)).toBe(true);
    expect(isCidr(text)).toBe(true);
  });

  it.each<[string, NetErrorCode]>([
    ["", "InvalidCidr"],
    ["10.0.0.0", "InvalidCidr"],
    ["/8", "InvalidCidr"],
    ["1.2.3.4/", "InvalidCidr"],
    ["1.2.3.4//32", "InvalidCidr"],
    ["1.2.3.4/32/32", "InvalidCidr"],
    ["1.2.3.4/+8", "InvalidCidr"],
    ["1.2.3.4/-1", "InvalidCidr"],
    ["1.2.3.4/08", "InvalidCidr"],
    ["1.2.3.4/ 8", "InvalidCidr"],
    [" 10.0.0.0/8", "InvalidCidr"],
    ["10.0.0.0/8 ", "InvalidCidr"],
    ["10.0.0.0/8\n", "InvalidCidr"],
    ["10.0.0.0/0x8", "InvalidCidr"],
    ["10.0.0.0/8.0", "InvalidCidr"],
    ["10.0.0.0/255.0.0.0", "InvalidCidr"],
    ["1.2.3/24", "InvalidCidr"],
    ["256.0.0.0/8", "InvalidCidr"],
    ["010.0.0.0/8", "InvalidCidr"],
    ["1::2::3/64", "InvalidCidr"],
    ["fe80::%eth0/64", "InvalidCidr"],
    ["gggg::/16", "InvalidCidr"],
    ["1.2.3.4/33", "PrefixOutOfRange"],
    ["0.0.0.0/99999999999999999999", "PrefixOutOfRange"],
    ["::/129", "PrefixOutOfRange"],
    ["10.0.0.1/8", "HostBitsSet"],
    ["11.0.0.0/7", "HostBitsSet"],
    ["192.0.2.1/31", "HostBitsSet"],
    ["2001:db8::1/64", "HostBitsSet"],
    ["::1/127", "HostBitsSet"],
  ])("rejects %j with %s", (text, code) => {
    expect(codeOf(() => parseCidr(text))).toBe(code);
    expect(isCidr(text)).toBe(false);
  });

  it("names the network when host bits are set, and keeps the address error as cause", () => {
    expect(() => parseCidr("10.0.0.1/8")).toThrow(/host bits.*10\.0\.0\.0\/8/);
    const err = (() => {
      try {
        parseCidr("01.2.3.4/8");
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(NetError);
    expect((err as NetError).cause).toBeInstanceOf(NetError);
    expect((err as NetError).message).toMatch(/leading zero/);
  });

  it("parseCidrLoose masks host bits but is otherwise as strict", () => {
    expect(parseCidrLoose("10.1.2.3/16").toString()).toBe("10.1.0.0/16");
    expect(parseCidrLoose("2001:db8::1/64").toString()).toBe("2001:db8::/64");
    expect(parseCidrLoose("10.0.0.0/8").toString()).toBe("10.0.0.0/8");
    expect(codeOf(() => parseCidrLoose("10.0.0.1/33"))).toBe("PrefixOutOfRange");
    expect(codeOf(() => parseCidrLoose("10.0.0.1"))).toBe("InvalidCidr");
  });

  it("round-trips random blocks through text, and the canonical form is a fixed point", () => {
    fc.assert(
      fc.property(fc.oneof(cidrOf(4), cidrOf(6)), (cidr) => {
        const text = cidr.toString();
        expect(parseCidr(text).equals(cidr)).toBe(true);
        expect(parseCidr(text).toString()).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("Cidr", () => {
  it("refuses bad prefixes and host bits at construction and is frozen", () => {
    expect(codeOf(() => new Cidr(parseIp("10.0.0.0"), 33))).toBe("PrefixOutOfRange");
    expect(codeOf(() => new Cidr(parseIp("10.0.0.0"), 8.5))).toBe("PrefixOutOfRange");
    expect(codeOf(() => new Cidr(parseIp("10.0.0.0"), -1))).toBe("PrefixOutOfRange");
    expect(codeOf(() => new Cidr(parseIp("10.0.0.1"), 31))).toBe("HostBitsSet");
    expect(codeOf(() => cidrContaining(parseIp("::"), 129))).toBe("PrefixOutOfRange");
    expect(Object.isFrozen(parseCidr("10.0.0.0/8"))).toBe(true);
    expect(JSON.stringify([parseCidr("10.0.0.0/8")])).toBe('["10.0.0.0/8"]');
  });

  it("gives first, last, size and nth address", () => {
    const v4 = parseCidr("10.244.1.0/24");
    expect(firstAddress(v4).toString()).toBe("10.244.1.0");
    expect(lastAddress(v4).toString()).toBe("10.244.1.255");
    expect(nthAddress(v4, 1).toString()).toBe("10.244.1.1");
    expect(nthAddress(v4, 255n).toString()).toBe("10.244.1.255");
    expect(codeOf(() => nthAddress(v4, 256))).toBe("OutOfRange");
    expect(codeOf(() => nthAddress(v4, -1))).toBe("OutOfRange");
    const v6 = parseCidr("2001:db8::/32");
    expect(lastAddress(v6).toString()).toBe("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
    expect(nthAddress(v6, 1n << 80n).toString()).toBe("2001:db8:1::");
    expect(lastAddress(parseCidr("::/0")).value).toBe(maxIpValue(6));
  });

  it("sorts by family, network, then shorter prefix first", () => {
    const sorted = ["::/0", "10.0.0.0/16", "10.0.0.0/8", "9.0.0.0/8", "0.0.0.0/0"].map(parseCidr).sort(compareCidr).map(String);
    expect(sorted).toEqual(["0.0.0.0/0", "9.0.0.0/8", "10.0.0.0/8", "10.0.0.0/16", "::/0"]);
  });
});

describe("contains and overlaps", () => {
  it.each([
    ["10.0.0.0/8", "10.0.0.0/8", true, true, true],
    ["10.0.0.0/8", "10.1.0.0/16", true, false, true],
    ["10.1.0.0/16", "10.0.0.0/8", false, true, true],
    ["10.0.0.0/24", "10.0.1.0/24", false, false, false],
    ["10.0.0.0/25", "10.0.0.128/25", false, false, false],
    ["10.0.0.0/31", "10.0.0.1/32", true, false, true],
    ["0.0.0.0/0", "255.255.255.255/32", true, false, true],
    ["10.0.0.0/8", "::/0", false, false, false],
    ["::/0", "10.0.0.0/8", false, false, false],
    ["::ffff:0:0/96", "0.0.0.0/0", false, false, false],
    ["2001:db8::/32", "2001:db8:ffff::/48", true, false, true],
    ["2001:db8::/32", "2001:db9::/32", false, false, false],
  ])("%s vs %s: a contains b %s, b contains a %s, overlap %s", (a, b, aHasB, bHasA, overlap) => {
    const [ca, cb] = [parseCidr(a), parseCidr(b)];
    expect(contains(ca, cb)).toBe(aHasB);
    expect(contains(cb, ca)).toBe(bHasA);
    expect(overlaps(ca, cb)).toBe(overlap);
    expect(overlaps(cb, ca)).toBe(overlap);
  });

  it("contains(address) matches first/last arithmetic and node's BlockList", () => {
    fc.assert(
      fc.property(nearbyV4, fc.integer({ min: 0, max: 2047 }), (cidr, offset) => {
        const ip = new IpAddress(4, 0x0a000000n - 512n + BigInt(offset));
        const inside = ip.value >= firstAddress(cidr).value && ip.value <= lastAddress(cidr).value;
        const blockList = new BlockList();
        blockList.addSubnet(cidr.network.toString(), cidr.prefix, "ipv4");
        expect(contains(cidr, ip)).toBe(inside);
        expect(blockList.check(ip.toString(), "ipv4")).toBe(inside);
        expect(contains(cidr, parseIp("::a00:0"))).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it("contains(block) and overlaps match interval arithmetic, in both families", () => {
    const pair = fc.oneof(fc.tuple(nearbyV4, nearbyV4), fc.tuple(cidrOf(6), cidrOf(6)), fc.tuple(cidrOf(4), cidrOf(4)));
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const [af, al, bf, bl] = [firstAddress(a).value, lastAddress(a).value, firstAddress(b).value, lastAddress(b).value];
        expect(contains(a, b)).toBe(af <= bf && bl <= al);
        expect(overlaps(a, b)).toBe(af <= bl && bf <= al);
        expect(overlaps(a, b)).toBe(overlaps(b, a));
        expect(contains(a, b) && contains(b, a)).toBe(a.equals(b));
      }),
      { numRuns: 3000 },
    );
  });

  it("isOnLink: inside a prefix of the interface's addresses, never through a /32", () => {
    const subnets = ["198.18.1.12/24", "192.0.2.7/32", "198.51.100.9/28"].map(parseCidrLoose);
    expect(isOnLink(parseIp("198.18.1.11"), subnets)).toBe(true);
    expect(isOnLink(parseIp("198.51.100.14"), subnets)).toBe(true);
    expect(isOnLink(parseIp("198.51.100.17"), subnets)).toBe(false);
    expect(isOnLink(parseIp("198.18.2.11"), subnets)).toBe(false);
    expect(isOnLink(parseIp("192.0.2.7"), subnets)).toBe(false);
    expect(isOnLink(parseIp("198.18.1.11"), [])).toBe(false);
  });
});
