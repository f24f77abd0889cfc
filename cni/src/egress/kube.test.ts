import { describe, expect, it } from "vitest";
import { statusesToWrite } from "./agent.js";
import { canonicalJson } from "@isthmus/core/model";
import { conditionEvents, statusPatch, storedStatus, toEgressGatewayData, toEgressNodeData } from "./kube.js";
import type { EgressGatewayStatus, EgressInput } from "./types.js";

const active: EgressGatewayStatus = { name: "a", activeNode: "n2", egressIP: "198.18.246.50", selectedPods: 2, conditions: [{ type: "Ready", status: "True", reason: "Active", message: "node n2 SNATs to 198.18.246.50" }] };
const idle: EgressGatewayStatus = { name: "b", selectedPods: 0, conditions: [{ type: "Ready", status: "False", reason: "NoEligibleNode", message: "x" }] };

describe("egress status", () => {
  it("keeps a condition's transition time while its status holds and stamps a change", () => {
    const stored = { conditions: [{ type: "Ready" as const, status: "True" as const, reason: "Active" as const, message: "old", lastTransitionTime: "2026-12-01T00:00:00.000Z" }] };
    expect(storedStatus(active, stored, { now: "2026-12-06T00:00:00.000Z", generation: 4 }).conditions).toEqual([{ ...active.conditions[0], lastTransitionTime: "2026-12-01T00:00:00.000Z", observedGeneration: 4 }]);
    expect(storedStatus(idle, stored, { now: "2026-12-06T00:00:00.000Z" })).toEqual({ selectedPods: 0, conditions: [{ ...idle.conditions[0], lastTransitionTime: "2026-12-06T00:00:00.000Z" }] });
  });

  it("is written by the active node, and for resources no node serves by the first Ready node", () => {
    const input = (nodeName: string): EgressInput => ({ nodeName, gateways: [], pods: [], namespaces: [], nodes: [{ name: "n1", labels: {}, ready: false }, { name: "n2", labels: {}, ready: true }, { name: "n3", labels: {}, ready: true }] });
    expect(statusesToWrite(input("n1"), [active, idle])).toEqual([]);
    expect(statusesToWrite(input("n2"), [active, idle])).toEqual([active, idle]);
    expect(statusesToWrite(input("n3"), [active, idle])).toEqual([]);
  });

  it("records an Event for a new or changed condition only, a Warning for bad news", () => {
    const conflict: EgressGatewayStatus = { ...active, conditions: [...active.conditions, { type: "Conflict", status: "True", reason: "PodsClaimedByOther", message: "older b" }] };
    expect(conditionEvents(idle, undefined)).toEqual([{ type: "Warning", reason: "NoEligibleNode", message: "x" }]);
    expect(conditionEvents(conflict, { conditions: [{ ...active.conditions[0], lastTransitionTime: "t" }] } as never)).toEqual([{ type: "Warning", reason: "PodsClaimedByOther", message: "older b" }]);
    expect(conditionEvents(active, { conditions: [{ type: "Ready", status: "False", reason: "NoEligibleNode", message: "x", lastTransitionTime: "t" }] })).toEqual([{ type: "Normal", reason: "Active", message: "node n2 SNATs to 198.18.246.50" }]);
    expect(conditionEvents(active, { conditions: [{ ...active.conditions[0], message: "other words", lastTransitionTime: "t" }] } as never)).toEqual([]);
    expect(conditionEvents({ ...active, conditions: [{ type: "Conflict", status: "False", reason: "NoConflict", message: "" }] }, undefined)).toEqual([]);
  });

  it("a status that loses its active node, address or node list removes them from the stored one", () => {
    // What the API server does with a merge patch (RFC 7386): null removes, objects merge, the rest replaces.
    const merge = (target: unknown, patch: unknown): unknown => {
      if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
      const base = target !== null && typeof target === "object" && !Array.isArray(target) ? (target as Record<string, unknown>) : {};
      const merged = Object.entries({ ...base, ...(patch as Record<string, unknown>) }).flatMap(([k, v]) => (v === null ? [] : [[k, k in patch ? merge(base[k], v) : v] as const]));
      return Object.fromEntries(merged);
    };
    const served = storedStatus(active, undefined, { now: "t1" });
    const notServed = storedStatus(idle, served, { now: "t2" });
    const patch = statusPatch(notServed, served);
    expect(patch.status).toMatchObject({ activeNode: null, egressIP: null });
    expect(merge(served, patch.status)).toEqual(notServed);
    expect(merge(served, patch.status)).not.toHaveProperty("activeNode");
    // active-standby → hash → active-standby: each switch drops the other form's fields.
    const spread: EgressGatewayStatus = { name: "a", activeNodes: [{ name: "n2", egressIP: "198.18.246.12", selectedPods: 1 }, { name: "n3", egressIP: "198.18.246.13", selectedPods: 1 }], selectedPods: 2, conditions: active.conditions };
    const asHash = storedStatus(spread, served, { now: "t3" });
    expect(merge(served, statusPatch(asHash, served).status)).toEqual(asHash);
    expect(merge(asHash, statusPatch(served, asHash).status)).toEqual(served);
    // Nothing to remove: the patch is the status itself.
    expect(statusPatch(served, served)).toEqual({ status: served });
  });

  it("compares stored statuses whatever the order of their fields (the API server sorts them)", () => {
    const want = storedStatus(active, undefined, { now: "t", generation: 1 });
    const fromServer = JSON.parse(JSON.stringify({ conditions: (want.conditions ?? []).map((c) => Object.fromEntries(Object.entries(c).sort())), selectedPods: 2, egressIP: want.egressIP, activeNode: want.activeNode })) as unknown;
    expect(JSON.stringify(fromServer)).not.toBe(JSON.stringify(want));
    expect(canonicalJson(fromServer)).toBe(canonicalJson(want));
  });

  it("converts API objects", () => {
    expect(toEgressGatewayData({ metadata: { name: "a", generation: 2, creationTimestamp: new Date("2026-12-06T00:00:00Z") }, spec: { nodeSelector: {} } })).toEqual({ name: "a", generation: 2, createdAt: "2026-12-06T00:00:00.000Z", spec: { nodeSelector: {} } });
    expect(toEgressNodeData({ metadata: { name: "n1" }, spec: { podCIDR: "10.0.1.0/24" }, status: { addresses: [{ type: "InternalIP", address: "198.18.0.1" }], conditions: [{ type: "Ready", status: "True" }] } })).toEqual({ name: "n1", labels: {}, ready: true, internalIp: "198.18.0.1", podCidr: "10.0.1.0/24" });
  });
});
