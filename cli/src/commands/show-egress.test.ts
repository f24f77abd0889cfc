import { describe, expect, it } from "vitest";
import { egressRows } from "./show-egress.js";

describe("show egress", () => {
  it("shows each resource from its status, with the reason when it cannot serve and the conflict when it has one", () => {
    const rows = egressRows([
      { metadata: { name: "nowhere" }, spec: {}, status: { selectedPods: 0, conditions: [{ type: "Ready", status: "False", reason: "NoEligibleNode", message: "spec.nodeSelector matches no Ready node" }] } },
      { metadata: { name: "db" }, spec: { destinations: ["203.0.113.0/24"] }, status: { activeNode: "c1-n1", egressIP: "198.18.1.250", selectedPods: 2, conditions: [{ type: "Ready", status: "True", reason: "Active" }, { type: "Conflict", status: "True", reason: "PodsClaimedByOther", message: "older a" }] } },
      { metadata: { name: "fresh" } },
    ]);
    expect(rows).toEqual([
      { name: "db", ready: "True/Active", activeNode: "c1-n1", egressIp: "198.18.1.250", pods: 2, destinations: ["203.0.113.0/24"], conflict: "PodsClaimedByOther", message: "older a" },
      { name: "fresh", ready: "Pending", destinations: ["0.0.0.0/0"] },
      { name: "nowhere", ready: "False/NoEligibleNode", pods: 0, destinations: ["0.0.0.0/0"], message: "spec.nodeSelector matches no Ready node" },
    ]);
  });

  it("lists every serving node of a hash resource with its address", () => {
    const rows = egressRows([{ metadata: { name: "spread" }, status: { activeNodes: [{ name: "c1-n1", egressIP: "198.18.1.11", selectedPods: 1 }, { name: "c1-n2", egressIP: "198.18.1.12", selectedPods: 2 }], selectedPods: 3, conditions: [{ type: "Ready", status: "True", reason: "Active" }] } }]);
    expect(rows).toEqual([{ name: "spread", ready: "True/Active", activeNode: "c1-n1,c1-n2", egressIp: "198.18.1.11,198.18.1.12", pods: 3, destinations: ["0.0.0.0/0"] }]);
  });
});
