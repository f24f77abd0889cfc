import { describe, expect, it } from "vitest";
import { CliError } from "../command.js";
import { findOverlaps, isClusterId, parseCableDriver, parseClusterId, parseNodeList, parsePublicIps } from "./validate.js";

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof CliError ? err.code : "other";
  }
  return undefined;
};

describe("join input checks", () => {
  it.each(["c1", "east-1", "a", "0abc", "x".repeat(63)])("accepts the cluster id %s", (id) => {
    expect(isClusterId(id)).toBe(true);
  });
  it.each(["", "C1", "-c1", "c1-", "c_1", "c.1", "x".repeat(64), "östra"])("rejects the cluster id %j with a usage error", (id) => {
    expect(isClusterId(id)).toBe(false);
    expect(codeOf(() => parseClusterId(id))).toBe("UsageError");
  });
  it("requires a cluster id", () => {
    expect(() => parseClusterId(undefined)).toThrow(/--clusterid is required/);
  });
  it("knows the cable drivers and lists them when one is unknown", () => {
    expect(parseCableDriver(undefined)).toBe("wireguard");
    expect(parseCableDriver("vxlan")).toBe("vxlan");
    expect(() => parseCableDriver("ipsec")).toThrow('Unknown cable driver "ipsec": use wireguard or vxlan');
  });
  it("parses node lists and public IPs", () => {
    expect(parseNodeList("n1, n2,n1")).toEqual(["n1", "n2"]);
    expect(parseNodeList(undefined)).toBeUndefined();
    expect(codeOf(() => parseNodeList(" , "))).toBe("UsageError");
    expect([...parsePublicIps("n1=203.0.113.1,n2=203.0.113.2")]).toEqual([["n1", "203.0.113.1"], ["n2", "203.0.113.2"]]);
    expect(codeOf(() => parsePublicIps("n1"))).toBe("UsageError");
  });
  it("finds overlaps with other clusters and within the cluster, ignoring its own record", () => {
    const mine = { id: "c2", podCidrs: ["10.1.0.0/16"], serviceCidrs: ["10.102.0.0/16"] };
    expect(findOverlaps(mine, [mine, { id: "c1", podCidrs: ["10.1.0.0/16"], serviceCidrs: ["10.101.0.0/16"] }])).toEqual(["pod CIDR 10.1.0.0/16 overlaps c1's pod CIDR 10.1.0.0/16"]);
    expect(findOverlaps({ id: "c3", podCidrs: ["10.0.0.0/8"], serviceCidrs: ["10.96.0.0/12"] }, [])).toEqual(["its own pod CIDR 10.0.0.0/8 overlaps its service CIDR 10.96.0.0/12"]);
    expect(findOverlaps({ id: "c2", podCidrs: ["10.2.0.0/16"], serviceCidrs: ["10.102.0.0/16"] }, [{ id: "c1", podCidrs: ["10.1.0.0/16"], serviceCidrs: ["10.101.0.0/16"] }])).toEqual([]);
  });
});
