import { describe, expect, it } from "vitest";
import { ModelError } from "./errors.js";
import { maxWorkloadPods, parseWorkloadSet } from "./workload-set.js";

const valid = {
  clusterId: "c1",
  namespace: "shop",
  namespaceLabels: { team: "web" },
  pods: [
    { name: "web-0", ip: "10.1.0.5", labels: { app: "frontend", "isthmus.io/tier": "a" } },
    { name: "db-0", ip: "10.1.0.6", labels: {} },
  ],
};

function issuesOf(input: unknown): readonly string[] {
  try {
    parseWorkloadSet(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).code).toBe("InvalidWorkloadSet");
    return (err as ModelError).issues;
  }
  throw new Error("expected a ModelError");
}

describe("workload set", () => {
  it("accepts a namespace's pods with labels", () => {
    expect(parseWorkloadSet(valid)).toEqual(valid);
    expect(parseWorkloadSet({ ...valid, pods: [] }).pods).toEqual([]);
  });

  it("refuses IPv6 and malformed addresses, bad names and labels, duplicates, unknown fields", () => {
    expect(issuesOf({ ...valid, pods: [{ name: "a", ip: "fd00::1", labels: {} }] })).toEqual(["pods.0.ip: must be an IPv4 address"]);
    expect(issuesOf({ ...valid, pods: [{ name: "a", ip: "10.1.0.300", labels: {} }] })[0]).toMatch(/^pods\.0\.ip: /);
    expect(issuesOf({ ...valid, pods: [{ name: "A_b", ip: "10.1.0.1", labels: {} }] })[0]).toMatch(/^pods\.0\.name: /);
    expect(issuesOf({ ...valid, namespaceLabels: { "bad key!": "x" } })[0]).toMatch(/^namespaceLabels\.bad key!: /);
    expect(issuesOf({ ...valid, pods: [...valid.pods, { name: "web-0", ip: "10.1.0.6", labels: {} }] })).toEqual([
      'pods.2.name: "web-0" is listed more than once',
      "pods.2.ip: 10.1.0.6 is listed more than once",
    ]);
    expect(issuesOf({ ...valid, namespace: "Shop" })[0]).toMatch(/^namespace: /);
    expect(issuesOf({ ...valid, extra: 1 }).join()).toMatch(/extra/);
  });

  it(`holds a set to ${String(maxWorkloadPods)} pods`, () => {
    const pods = Array.from({ length: maxWorkloadPods + 1 }, (_, i) => ({ name: `p-${String(i)}`, ip: `10.${String(i >> 16)}.${String((i >> 8) & 255)}.${String(i & 255)}`, labels: {} }));
    expect(parseWorkloadSet({ ...valid, pods: pods.slice(0, maxWorkloadPods) }).pods).toHaveLength(maxWorkloadPods);
    expect(issuesOf({ ...valid, pods })).toEqual([`pods: at most ${String(maxWorkloadPods)} pods per namespace`]);
  });
});
