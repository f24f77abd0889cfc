import { describe, expect, it } from "vitest";
import { parseCluster } from "./cluster.js";
import { ModelError } from "./errors.js";

const valid = {
  id: "east",
  podCidrs: ["10.1.0.0/16"],
  serviceCidrs: ["10.96.0.0/16", "fd00:96::/112"],
  globalCidr: "242.1.0.0/16",
  labels: { region: "eu-west", "isthmus.io/tier": "prod" },
  joinedAt: "2025-01-31T12:00:00.000Z",
  lastSeen: "2025-01-31T12:05:00.000Z",
};

function issuesOf(input: unknown): readonly string[] {
  try {
    parseCluster(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).code).toBe("InvalidCluster");
    return (err as ModelError).issues;
  }
  throw new Error("expected parseCluster to throw");
}

describe("parseCluster", () => {
  it("accepts a valid cluster and returns a frozen copy", () => {
    const cluster = parseCluster(valid);
    expect(cluster).toEqual(valid);
    expect(Object.isFrozen(cluster)).toBe(true);
    expect(Object.isFrozen(cluster.podCidrs)).toBe(true);
  });

  it("defaults labels to empty and allows no global CIDR", () => {
    const { labels: _labels, globalCidr: _global, ...rest } = valid;
    expect(parseCluster(rest)).toEqual({ ...rest, labels: {} });
  });

  it("lists every problem at once", () => {
    const issues = issuesOf({ ...valid, id: "East_1", podCidrs: ["10.1.0.0"], serviceCidrs: [], extra: true });
    expect(issues).toHaveLength(4);
    expect(issues.some((i) => i.startsWith("id: cluster id \"East_1\""))).toBe(true);
    expect(issues.some((i) => i.startsWith('podCidrs.0: Cannot parse CIDR "10.1.0.0"'))).toBe(true);
    expect(issues).toContain("serviceCidrs: at least one service CIDR is required");
    expect(issues).toContain('Unrecognized key: "extra"');
  });

  it("rejects lastSeen before joinedAt, overlapping CIDRs and bad labels", () => {
    expect(issuesOf({ ...valid, lastSeen: "2025-01-31T11:00:00.000Z" })).toEqual([
      "lastSeen: must not be before joinedAt (2025-01-31T12:00:00.000Z)",
    ]);
    expect(issuesOf({ ...valid, serviceCidrs: ["10.1.128.0/20"] })).toEqual(["serviceCidrs.0: 10.1.128.0/20 overlaps podCidrs.0 10.1.0.0/16"]);
    expect(issuesOf({ ...valid, globalCidr: "10.96.0.0/12" })).toEqual(["globalCidr: 10.96.0.0/12 overlaps serviceCidrs.0 10.96.0.0/16"]);
    expect(issuesOf({ ...valid, labels: { "bad key!": "x" } })[0]).toMatch(/^labels\.bad key!: label key/);
  });

  it("accepts GlobalEgressIPs with addresses of the block, unique; rejects duplicates, foreign addresses and bad names", () => {
    const globalEgress = [{ namespace: "shop", name: "all", globalIp: "242.1.0.3" }, { namespace: "blog", name: "web" }];
    expect(parseCluster({ ...valid, globalEgress }).globalEgress).toEqual(globalEgress);
    expect(issuesOf({ ...valid, globalEgress: [globalEgress[0], { ...globalEgress[0], globalIp: "242.1.0.4" }] })).toEqual(["globalEgress.1: shop/all is listed twice"]);
    expect(issuesOf({ ...valid, globalEgress: [globalEgress[0], { namespace: "blog", name: "web", globalIp: "242.1.0.3" }] })).toEqual(["globalEgress.1.globalIp: 242.1.0.3 is given twice"]);
    expect(issuesOf({ ...valid, globalEgress: [{ namespace: "shop", name: "all", globalIp: "242.2.0.3" }] })).toEqual(["globalEgress.0.globalIp: 242.2.0.3 is not in the cluster's global block 242.1.0.0/16"]);
    const { globalCidr: _block, ...plain } = valid;
    expect(issuesOf({ ...plain, globalEgress })).toEqual(["globalEgress.0.globalIp: 242.1.0.3 is not in the cluster's global block (it has none)"]);
    expect(issuesOf({ ...valid, globalEgress: [{ namespace: "Shop", name: "all" }] })[0]).toMatch(/^globalEgress\.0\.namespace: /);
  });

  it("rejects non-objects", () => {
    expect(issuesOf(null)).toHaveLength(1);
    expect(issuesOf("east")).toHaveLength(1);
  });
});
