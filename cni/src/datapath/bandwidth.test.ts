import { describe, expect, it } from "vitest";
import { bandwidthScript, parseBandwidth, parseBandwidthAnnotations } from "./bandwidth.js";

describe("bandwidth", () => {
  it("parses Kubernetes quantities in bits per second", () => {
    expect(parseBandwidth("10M", "x")).toBe(10_000_000);
    expect(parseBandwidth("1.5G", "x")).toBe(1_500_000_000);
    expect(parseBandwidth("512Ki", "x")).toBe(524_288);
    expect(parseBandwidth("100000", "x")).toBe(100_000);
  });

  it("rejects malformed and out-of-range values naming the annotation", () => {
    expect(() => parseBandwidthAnnotations({ "kubernetes.io/egress-bandwidth": "fast" })).toThrow(/kubernetes.io\/egress-bandwidth "fast" is not a quantity/);
    expect(() => parseBandwidth("10", "x")).toThrow(/out of range/);
    expect(() => parseBandwidth("100G", "x")).toThrow(/out of range/);
  });

  it("shapes ingress with TBF on the veth and egress through the IFB", () => {
    const script = bandwidthScript({ ingressBps: 10_000_000, egressBps: 20_000_000 }, { hostVeth: "isv-a", ifb: "isb-a" });
    expect(script.split("\n").filter((l) => l !== "")).toEqual([
      "qdisc replace dev isv-a root tbf rate 10000000bit burst 32768 latency 25ms",
      "qdisc replace dev isv-a handle ffff: ingress",
      "filter add dev isv-a parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev isb-a",
      "qdisc replace dev isb-a root tbf rate 20000000bit burst 32768 latency 25ms",
    ]);
    expect(bandwidthScript({}, { hostVeth: "isv-a", ifb: "isb-a" })).toBe("");
  });
});
