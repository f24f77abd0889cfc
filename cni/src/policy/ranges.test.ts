import { describe, expect, it } from "vitest";
import { cidrRange, disjointBoxes, formatIpv4, mergeRanges, subtractRanges } from "./ranges.js";

const r = (start: number, end: number) => ({ start, end });

describe("ranges", () => {
  it("reads IPv4 CIDRs (host bits ignored) and refuses IPv6 and nonsense", () => {
    expect(cidrRange("10.0.0.0/24")).toEqual(r(167772160, 167772415));
    expect(cidrRange("10.0.0.7/24")).toEqual(r(167772160, 167772415));
    expect(cidrRange("0.0.0.0/0")).toEqual(r(0, 2 ** 32 - 1));
    expect(cidrRange("2001:db8::/32")).toBeUndefined();
    expect(cidrRange("10.0.0.0/33")).toBeUndefined();
    expect(formatIpv4(167772415)).toBe("10.0.0.255");
  });

  it("merges overlapping and adjacent ranges", () => {
    expect(mergeRanges([r(5, 9), r(1, 3), r(4, 4), r(20, 30), r(25, 26)])).toEqual([r(1, 9), r(20, 30)]);
  });

  it("subtracts except blocks, including ones at the edges and outside", () => {
    expect(subtractRanges([r(0, 99)], [r(0, 9), r(50, 59), r(95, 200), r(300, 400)])).toEqual([r(10, 49), r(60, 94)]);
    expect(subtractRanges([r(0, 9)], [r(0, 9)])).toEqual([]);
  });

  it("makes boxes disjoint and joins neighbours with equal ports", () => {
    const out = disjointBoxes([
      { peer: r(0, 99), ports: r(80, 80) },
      { peer: r(50, 149), ports: r(80, 90) },
      { peer: r(150, 199), ports: r(80, 90) },
    ]);
    expect(out).toEqual([
      { peer: r(0, 49), ports: r(80, 80) },
      { peer: r(50, 199), ports: r(80, 90) },
    ]);
    expect(disjointBoxes([{ peer: r(5, 5), ports: r(1, 2) }, { peer: r(5, 5), ports: r(4, 9) }])).toEqual([{ peer: r(5, 5), ports: r(1, 2) }, { peer: r(5, 5), ports: r(4, 9) }]);
    expect(disjointBoxes([])).toEqual([]);
  });
});
