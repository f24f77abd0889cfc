import { describe, expect, it } from "vitest";
import type { GlobalEgressIpStatus } from "./global-egress.js";
import { storedGlobalEgressStatus, toGlobalEgressIpData, toGlobalEgressPodData } from "./global-egress-resource.js";

const ready = (ok: boolean): GlobalEgressIpStatus => ({
  ...(ok ? { globalIP: "242.1.0.3" } : {}),
  selectedPods: ok ? 2 : 0,
  conditions: [
    { type: "Ready", status: ok ? "True" : "False", reason: ok ? "Allocated" : "BlockExhausted", message: "m" },
    { type: "Conflict", status: "False", reason: "NoConflict", message: "n" },
  ],
});

describe("storedGlobalEgressStatus", () => {
  it("keeps a condition's lastTransitionTime while its status holds and stamps a change with now and the generation", () => {
    const first = storedGlobalEgressStatus(ready(false), undefined, { now: "2026-01-01T00:00:00.000Z", generation: 1 });
    expect(first).toEqual({ selectedPods: 0, conditions: ready(false).conditions.map((c) => ({ ...c, lastTransitionTime: "2026-01-01T00:00:00.000Z", observedGeneration: 1 })) });
    const second = storedGlobalEgressStatus(ready(true), first, { now: "2026-01-01T00:01:00.000Z", generation: 2 });
    expect(second.globalIP).toBe("242.1.0.3");
    expect(second.conditions.map((c) => [c.type, c.lastTransitionTime])).toEqual([["Ready", "2026-01-01T00:01:00.000Z"], ["Conflict", "2026-01-01T00:00:00.000Z"]]);
  });
});

describe("the planner's view of objects", () => {
  it("reads a GlobalEgressIP's namespace, name, age and selector, and a pod's address, labels, host network and phase", () => {
    expect(toGlobalEgressIpData({ metadata: { namespace: "shop", name: "all", creationTimestamp: new Date("2026-01-01T00:00:00Z") }, spec: { podSelector: { matchLabels: { app: "web" } } } }))
      .toEqual({ namespace: "shop", name: "all", createdAt: "2026-01-01T00:00:00.000Z", podSelector: { matchLabels: { app: "web" } } });
    expect(toGlobalEgressPodData({ metadata: { namespace: "shop", name: "p", labels: { app: "web" } }, spec: { containers: [], hostNetwork: true }, status: { podIP: "10.1.1.5", phase: "Running" } }))
      .toEqual({ namespace: "shop", name: "p", labels: { app: "web" }, ip: "10.1.1.5", hostNetwork: true, phase: "Running" });
  });
});
