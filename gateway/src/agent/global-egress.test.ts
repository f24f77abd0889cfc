import { type Cluster, maxGlobalEgressIps } from "@isthmus/core/model";
import { describe, expect, it } from "vitest";
import { globalEgressProblem, planGlobalEgress, type GlobalEgressInputs, type GlobalEgressIpData, type GlobalEgressPodData } from "./global-egress.js";

const cluster: Cluster = {
  id: "c1",
  podCidrs: ["10.244.0.0/16"],
  serviceCidrs: ["10.96.0.0/12"],
  globalCidr: "242.1.0.0/16",
  labels: {},
  joinedAt: "2025-01-31T12:00:00.000Z",
  lastSeen: "2025-01-31T12:00:00.000Z",
  globalEgress: [
    { namespace: "shop", name: "all", globalIp: "242.1.0.3" },
    { namespace: "shop", name: "web", globalIp: "242.1.0.4" },
    { namespace: "blog", name: "all" },
  ],
};
const pod = (namespace: string, name: string, ip: string, labels: Record<string, string> = {}, extra: Partial<GlobalEgressPodData> = {}): GlobalEgressPodData => ({ namespace, name, ip, labels, ...extra });
const resource = (namespace: string, name: string, createdAt: string, podSelector?: unknown): GlobalEgressIpData => ({ namespace, name, createdAt, ...(podSelector === undefined ? {} : { podSelector }) });
const pods = [
  pod("shop", "web-1", "10.244.1.5", { app: "web" }),
  pod("shop", "db-1", "10.244.1.6", { app: "db" }),
  pod("shop", "host", "192.0.2.10", { app: "web" }, { hostNetwork: true }),
  pod("shop", "done", "10.244.1.7", { app: "web" }, { phase: "Succeeded" }),
  pod("shop", "pending", "", { app: "web" }),
  pod("other", "web-9", "10.244.2.5", { app: "web" }),
];
const input = (resources: GlobalEgressIpData[], extra: Partial<GlobalEgressInputs> = {}): GlobalEgressInputs => ({ resources, pods, cluster, podCidrs: ["10.244.0.0/16"], ...extra });

describe("planGlobalEgress", () => {
  it("SNATs a whole namespace (empty selector) or the pods a selector picks to the address the broker gave; others keep the egress address", () => {
    const plan = planGlobalEgress(input([resource("shop", "web", "2025-02-01T00:00:00Z", { matchLabels: { app: "web" } })]));
    expect(plan.requests).toEqual([{ namespace: "shop", name: "web" }]);
    expect(plan.snat).toEqual([{ globalIp: "242.1.0.4", sources: ["10.244.1.5"] }]);
    expect(plan.statuses.get("shop/web")).toEqual({
      globalIP: "242.1.0.4",
      selectedPods: 1,
      conditions: [
        { type: "Ready", status: "True", reason: "Allocated", message: "the selected pods leave to remote clusters as 242.1.0.4" },
        { type: "Conflict", status: "False", reason: "NoConflict", message: "no older GlobalEgressIP selects these pods" },
      ],
    });
    const whole = planGlobalEgress(input([resource("shop", "all", "2025-02-01T00:00:00Z")]));
    expect(whole.snat).toEqual([{ globalIp: "242.1.0.3", sources: ["10.244.1.5", "10.244.1.6"] }]);
  });

  it("gives a pod two resources select to the older one; the later one reports the conflict and keeps its other pods", () => {
    const older = resource("shop", "web", "2025-02-01T00:00:00Z", { matchExpressions: [{ key: "app", operator: "In", values: ["web"] }] });
    const later = resource("shop", "all", "2025-03-01T00:00:00Z", {});
    for (const resources of [[older, later], [later, older]]) {
      const plan = planGlobalEgress(input(resources));
      expect(plan.snat).toEqual([
        { globalIp: "242.1.0.3", sources: ["10.244.1.6"] },
        { globalIp: "242.1.0.4", sources: ["10.244.1.5"] },
      ]);
      expect(plan.statuses.get("shop/all")?.conditions[1]).toMatchObject({ type: "Conflict", status: "True", reason: "PodsClaimedByOther", message: expect.stringContaining("shop/web") as unknown });
      expect(plan.statuses.get("shop/all")?.selectedPods).toBe(1);
      expect(plan.statuses.get("shop/web")?.conditions[1]).toMatchObject({ status: "False", reason: "NoConflict" });
    }
    // Same creation time: namespace/name decides.
    const tie = planGlobalEgress(input([resource("shop", "web", "2025-02-01T00:00:00Z"), resource("shop", "all", "2025-02-01T00:00:00Z")]));
    expect(tie.statuses.get("shop/web")?.conditions[1]?.reason).toBe("PodsClaimedByOther");
  });

  it("says why a resource has no address: no block, block exhausted, not given yet; it programs nothing", () => {
    const blog = resource("blog", "all", "2025-02-01T00:00:00Z");
    const reason = (plan: ReturnType<typeof planGlobalEgress>): string | undefined => plan.statuses.get("blog/all")?.conditions[0]?.reason;
    const exhausted = planGlobalEgress(input([blog], { pods: [pod("blog", "b", "10.244.3.1")] }));
    expect(reason(exhausted)).toBe("BlockExhausted");
    expect(exhausted.statuses.get("blog/all")?.conditions[0]?.message).toContain("242.1.0.0/16 has no address left");
    expect(exhausted.snat).toEqual([]);
    expect(exhausted.requests).toEqual([{ namespace: "blog", name: "all" }]);
    const { globalCidr: _block, ...plain } = cluster;
    expect(reason(planGlobalEgress(input([blog], { cluster: { ...plain, globalEgress: [{ namespace: "blog", name: "all" }] } })))).toBe("NoGlobalBlock");
    expect(reason(planGlobalEgress(input([blog], { cluster: undefined })))).toBe("Pending");
    // Published, but the broker's record does not list it yet.
    expect(planGlobalEgress(input([resource("blog", "new", "2025-02-01T00:00:00Z")])).statuses.get("blog/new")?.conditions[0]?.reason).toBe("Pending");
  });

  it("publishes at most the oldest maxGlobalEgressIps resources (the broker refuses more); the newer ones say TooMany", () => {
    const many = Array.from({ length: maxGlobalEgressIps + 2 }, (_, i) => resource("bulk", `r-${String(i).padStart(4, "0")}`, "2025-02-01T00:00:00Z"));
    const plan = planGlobalEgress(input(many, { pods: [] }));
    expect(plan.requests).toHaveLength(maxGlobalEgressIps);
    expect(plan.requests.some((r) => r.name === `r-${String(maxGlobalEgressIps)}`)).toBe(false);
    expect(plan.statuses.get(`bulk/r-${String(maxGlobalEgressIps + 1)}`)?.conditions[0]?.reason).toBe("TooMany");
  });

  it("refuses a bad selector with InvalidSpec: not published, nothing programmed", () => {
    const bad: unknown[] = [
      { matchLabels: { "bad key!": "x" } },
      { matchExpressions: [{ key: "app", operator: "Near", values: ["x"] }] },
      { matchExpressions: [{ key: "app", operator: "Exists", values: ["x"] }] },
      { matchExpressions: [{ key: "app", operator: "In" }] },
      { matchLabels: ["app"] },
      { podSelector: {} },
      "app=web",
    ];
    for (const podSelector of bad) {
      const plan = planGlobalEgress(input([resource("shop", "web", "2025-02-01T00:00:00Z", podSelector)]));
      expect(plan.requests).toEqual([]);
      expect(plan.snat).toEqual([]);
      expect(plan.statuses.get("shop/web")?.conditions[0]).toMatchObject({ type: "Ready", status: "False", reason: "InvalidSpec", message: expect.stringContaining("spec.podSelector") as unknown });
    }
    expect(globalEgressProblem(resource("shop", "web", "x", { matchLabels: { app: "web" } }))).toBeUndefined();
  });
});
