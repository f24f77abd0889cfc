import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cidrContaining, cidrSize, contains, lastAddress, overlaps, parseCidr } from "./cidr.js";
import { NetError, type NetErrorCode } from "./errors.js";
import { IpAddress, familyBits, maxIpValue } from "./ip.js";
import { split, subnetCount, subnets, supernet } from "./split.js";

function codeOf(fn: () => unknown): NetErrorCode | "no error" {
  try {
    fn();
    return "no error";
  } catch (err) {
    if (err instanceof NetError) return err.code;
    throw err;
  }
}

describe("split", () => {
  it("splits into aligned blocks in address order", () => {
    expect(split(parseCidr("10.0.0.0/22"), 24).map(String)).toEqual(["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"]);
    expect(split(parseCidr("10.0.0.0/24"), 24).map(String)).toEqual(["10.0.0.0/24"]);
    expect(split(parseCidr("2001:db8::/47"), 48).map(String)).toEqual(["2001:db8::/48", "2001:db8:1::/48"]);
    expect(split(parseCidr("0.0.0.0/0"), 1).map(String)).toEqual(["0.0.0.0/1", "128.0.0.0/1"]);
  });

  it("refuses shorter or too long prefixes and absurd counts", () => {
    expect(codeOf(() => split(parseCidr("10.0.0.0/16"), 8))).toBe("PrefixOutOfRange");
    expect(codeOf(() => split(parseCidr("10.0.0.0/16"), 33))).toBe("PrefixOutOfRange");
    expect(codeOf(() => split(parseCidr("10.0.0.0/16"), 16.5))).toBe("PrefixOutOfRange");
    expect(codeOf(() => split(parseCidr("::/0"), 128))).toBe("TooManyBlocks");
    expect(codeOf(() => split(parseCidr("10.0.0.0/8"), 32))).toBe("TooManyBlocks");
    expect(codeOf(() => split(parseCidr("10.0.0.0/16"), 32))).toBe("no error");
    expect(codeOf(() => split(parseCidr("10.0.0.0/24"), 28, { limit: 8 }))).toBe("TooManyBlocks");
    expect(() => split(parseCidr("::/0"), 128)).toThrow(/340282366920938463463374607431768211456 blocks/);
  });

  it("subnets is lazy, so huge splits can be walked partially", () => {
    const iterator = subnets(parseCidr("2001:db8::/32"), 128);
    expect(iterator.next().value?.toString()).toBe("2001:db8::/128");
    expect(iterator.next().value?.toString()).toBe("2001:db8::1/128");
    expect(subnetCount(parseCidr("2001:db8::/32"), 128)).toBe(1n << 96n);
    expect(codeOf(() => subnets(parseCidr("10.0.0.0/8"), 4).next())).toBe("PrefixOutOfRange");
  });

  it("yields disjoint blocks inside the parent that exactly cover it", () => {
    const family = fc.constantFrom<4 | 6>(4, 6);
    const input = family.chain((f) =>
      fc
        .tuple(fc.bigInt({ min: 0n, max: maxIpValue(f) }), fc.integer({ min: 0, max: familyBits(f) }), fc.integer({ min: 0, max: 8 }))
        .map(([value, prefix, extra]) => ({
          parent: cidrContaining(new IpAddress(f, value), prefix),
          newPrefix: Math.min(familyBits(f), prefix + extra),
        })),
    );
    fc.assert(
      fc.property(input, ({ parent, newPrefix }) => {
        const blocks = split(parent, newPrefix);
        expect(BigInt(blocks.length)).toBe(subnetCount(parent, newPrefix));
        let next = parent.network.value;
        for (const block of blocks) {
          expect(block.prefix).toBe(newPrefix);
          expect(contains(parent, block)).toBe(true);
          expect(block.network.value).toBe(next);
          next = lastAddress(block).value + 1n;
        }
        expect(next).toBe(lastAddress(parent).value + 1n);
        expect(blocks.reduce((sum, b) => sum + cidrSize(b), 0n)).toBe(cidrSize(parent));
        for (let i = 1; i < blocks.length; i++) expect(overlaps(blocks[i - 1]!, blocks[i]!)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe("supernet", () => {
  it("widens to the enclosing block", () => {
    expect(supernet(parseCidr("10.1.2.0/24"), 16).toString()).toBe("10.1.0.0/16");
    expect(supernet(parseCidr("10.1.2.0/24"), 24).toString()).toBe("10.1.2.0/24");
    expect(supernet(parseCidr("2001:db8:1::/48"), 0).toString()).toBe("::/0");
    expect(codeOf(() => supernet(parseCidr("10.1.2.0/24"), 25))).toBe("PrefixOutOfRange");
    expect(codeOf(() => supernet(parseCidr("10.1.2.0/24"), -1))).toBe("PrefixOutOfRange");
  });
});
