import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allocateBlock } from "./allocate-block.js";
import { type Cidr, cidrContaining, contains, overlaps, parseCidr } from "./cidr.js";
import { NetError, type NetErrorCode } from "./errors.js";
import { IpAddress } from "./ip.js";
import { subnets } from "./split.js";

function codeOf(fn: () => unknown): NetErrorCode | "no error" {
  try {
    fn();
    return "no error";
  } catch (err) {
    if (err instanceof NetError) return err.code;
    throw err;
  }
}

const cidrs = (...texts: string[]): Cidr[] => texts.map(parseCidr);

describe("allocateBlock", () => {
  it.each([
    ["empty pool gives its first block", "242.0.0.0/8", 16, [], "242.0.0.0/16"],
    ["skips a taken block", "242.0.0.0/8", 16, ["242.0.0.0/16"], "242.1.0.0/16"],
    ["fills the first hole", "242.0.0.0/8", 16, ["242.0.0.0/16", "242.2.0.0/16"], "242.1.0.0/16"],
    ["hole of exactly the right size", "10.0.0.0/24", 26, ["10.0.0.0/26", "10.0.0.128/25"], "10.0.0.64/26"],
    ["taken blocks of mixed sizes", "10.0.0.0/16", 24, ["10.0.0.0/23", "10.0.2.0/25", "10.0.3.0/24"], "10.0.4.0/24"],
    ["half-used block is not free", "10.0.0.0/16", 24, ["10.0.0.128/25"], "10.0.1.0/24"],
    ["out-of-pool and other-family entries are ignored", "10.0.0.0/16", 24, ["10.1.0.0/16", "::/0", "9.0.0.0/8"], "10.0.0.0/24"],
    ["smaller blocks fit in the gaps left by larger ones", "10.0.0.0/24", 28, ["10.0.0.0/28", "10.0.0.32/27"], "10.0.0.16/28"],
    ["whole pool as one block", "10.0.0.0/24", 24, [], "10.0.0.0/24"],
    ["IPv6 /64 per node from a /48", "fd00:10:244::/48", 64, ["fd00:10:244::/64", "fd00:10:244:1::/64"], "fd00:10:244:2::/64"],
    ["unsorted taken list", "10.0.0.0/24", 26, ["10.0.0.128/26", "10.0.0.0/26", "10.0.0.64/26"], "10.0.0.192/26"],
    ["overlapping taken entries", "10.0.0.0/24", 26, ["10.0.0.0/25", "10.0.0.64/26", "10.0.0.0/26"], "10.0.0.128/26"],
  ])("%s", (_name, pool, prefix, taken, expected) => {
    expect(allocateBlock(parseCidr(pool), prefix, cidrs(...taken)).toString()).toBe(expected);
  });

  it.each([
    ["pool full", "10.0.0.0/24", 26, ["10.0.0.0/25", "10.0.0.128/25"], /the pool is full/],
    ["covered by a supernet", "10.0.0.0/24", 30, ["10.0.0.0/8"], /the pool is full/],
    ["free space only in unaligned fragments", "10.0.0.0/24", 25, ["10.0.0.64/26", "10.0.0.192/26"], /128 of 256 addresses are free/],
    ["one address short everywhere", "10.0.0.0/24", 26, ["10.0.0.0/32", "10.0.0.64/32", "10.0.0.128/32", "10.0.0.192/32"], /252 of 256/],
  ])("exhausted: %s", (_name, pool, prefix, taken, message) => {
    const fn = (): Cidr => allocateBlock(parseCidr(pool), prefix, cidrs(...taken));
    expect(codeOf(fn)).toBe("Exhausted");
    expect(fn).toThrow(new RegExp(`/${prefix} block from pool ${pool.replace(/\./g, "\\.")}`));
    expect(fn).toThrow(message);
  });

  it("refuses prefixes shorter than the pool or too long for the family", () => {
    expect(codeOf(() => allocateBlock(parseCidr("10.0.0.0/16"), 8, []))).toBe("PrefixOutOfRange");
    expect(codeOf(() => allocateBlock(parseCidr("10.0.0.0/16"), 33, []))).toBe("PrefixOutOfRange");
    expect(codeOf(() => allocateBlock(parseCidr("::/0"), 129, []))).toBe("PrefixOutOfRange");
  });

  it("handles a fragmented /8 with thousands of taken /16s and /24s", () => {
    const pool = parseCidr("242.0.0.0/8");
    const taken = Array.from({ length: 255 }, (_, i) => parseCidr(`242.${i}.0.0/16`));
    for (let i = 0; i < 256; i += 2) taken.push(parseCidr(`242.255.${i}.0/24`));
    expect(allocateBlock(pool, 16, taken.slice(1)).toString()).toBe("242.0.0.0/16");
    expect(codeOf(() => allocateBlock(pool, 16, taken))).toBe("Exhausted");
    expect(allocateBlock(pool, 24, taken).toString()).toBe("242.255.1.0/24");
    expect(codeOf(() => allocateBlock(pool, 23, taken))).toBe("Exhausted");
  });

  it("never overlaps a taken block and returns the lowest free one (against a brute-force scan)", () => {
    const pool = parseCidr("10.0.0.0/24");
    const block = fc
      .tuple(fc.integer({ min: -64, max: 320 }), fc.integer({ min: 22, max: 32 }))
      .map(([offset, prefix]) => cidrContaining(new IpAddress(4, 0x0a000000n + BigInt(offset)), prefix));
    fc.assert(
      fc.property(fc.array(block, { maxLength: 12 }), fc.integer({ min: 24, max: 30 }), (taken, prefix) => {
        const expected = Array.from(subnets(pool, prefix)).find((c) => !taken.some((t) => overlaps(c, t)));
        if (expected === undefined) {
          expect(codeOf(() => allocateBlock(pool, prefix, taken))).toBe("Exhausted");
          return;
        }
        const got = allocateBlock(pool, prefix, taken);
        expect(got.equals(expected)).toBe(true);
        expect(contains(pool, got)).toBe(true);
        expect(got.prefix).toBe(prefix);
        expect(taken.some((t) => overlaps(got, t))).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });
});
