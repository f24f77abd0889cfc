import { describe, expect, it } from "vitest";
import { planEgress } from "./plan.js";
import type { EgressGatewayData, EgressInput, EgressNodeData, PodData } from "./types.js";

const nodes: EgressNodeData[] = [
  { name: "n1", labels: {}, internalIp: "198.18.246.11", podCidr: "10.247.1.0/24", ready: true },
  { name: "n2", labels: { "isthmus.io/egress": "true" }, internalIp: "198.18.246.12", podCidr: "10.247.2.0/24", ready: true },
  { name: "n3", labels: { "isthmus.io/egress": "true" }, internalIp: "198.18.247.13", podCidr: "10.247.3.0/24", ready: true },
];
const pods: PodData[] = [
  { namespace: "db", name: "a", labels: { app: "client" }, ip: "10.247.1.5", nodeName: "n1" },
  { namespace: "db", name: "b", labels: { app: "other" }, ip: "10.247.1.6", nodeName: "n1" },
  { namespace: "db", name: "c", labels: { app: "client" }, ip: "10.247.3.7", nodeName: "n3" },
  { namespace: "web", name: "d", labels: { app: "client" }, ip: "10.247.1.8", nodeName: "n1" },
  { namespace: "db", name: "host", labels: { app: "client" }, ip: "198.18.246.11", nodeName: "n1", hostNetwork: true },
  { namespace: "db", name: "pending", labels: { app: "client" }, nodeName: "n1" },
];
const namespaces = [{ name: "db", labels: { team: "db" } }, { name: "web", labels: { team: "web" } }];
const egressNodes = { matchLabels: { "isthmus.io/egress": "true" } };

function gw(name: string, spec: EgressGatewayData["spec"], createdAt = "2026-12-01T00:00:00Z"): EgressGatewayData {
  return { name, createdAt, spec };
}

function input(gateways: EgressGatewayData[], nodeName = "n1", extra: Partial<EgressInput> = {}): EgressInput {
  return { nodeName, gateways, nodes, pods, namespaces, ...extra };
}

const dbClients = gw("db", { namespaceSelector: { matchLabels: { team: "db" } }, podSelector: { matchLabels: { app: "client" } }, nodeSelector: egressNodes, egressIP: "198.18.246.50/24" });

describe("planEgress", () => {
  it("steers the selected local pods to the first eligible node and reports it active", () => {
    const plan = planEgress(input([dbClients]));
    expect(plan.statuses).toEqual([{
      name: "db",
      activeNode: "n2",
      egressIP: "198.18.246.50",
      selectedPods: 2,
      conditions: [
        { type: "Ready", status: "True", reason: "Active", message: "node n2 SNATs to 198.18.246.50" },
        { type: "Conflict", status: "False", reason: "NoConflict", message: "no older resource selects these pods" },
      ],
    }]);
    expect(plan.programs).toEqual([{
      name: "db", index: 1, destinations: ["0.0.0.0/0"], steer: ["10.247.1.5"], snat: [], serving: false,
      active: { name: "n2", internalIp: "198.18.246.12", podCidr: "10.247.2.0/24" }, egressIp: "198.18.246.50", extraPrefix: 24,
      candidates: [{ name: "n2", internalIp: "198.18.246.12", podCidr: "10.247.2.0/24" }],
    }]);
  });

  it("gives the active node every selected pod to SNAT and nothing to steer", () => {
    const [program] = planEgress(input([dbClients], "n2")).programs;
    expect(program?.steer).toEqual([]);
    expect(program?.serving).toBe(true);
    expect(program?.snat).toEqual(["10.247.1.5", "10.247.3.7"]);
  });

  it("plans nothing on a node with no selected pods that is not active", () => {
    expect(planEgress(input([dbClients], "n3", { pods: pods.filter((p) => p.nodeName !== "n3") })).programs).toEqual([]);
  });

  it("uses the active node's InternalIP when no egress IP is given, and normalises destinations", () => {
    const plan = planEgress(input([gw("x", { nodeSelector: egressNodes, destinations: ["203.0.113.9/24", "192.0.2.0/24", "192.0.2.0/24"] })]));
    expect(plan.statuses[0]?.egressIP).toBe("198.18.246.12");
    expect(plan.programs[0]?.destinations).toEqual(["192.0.2.0/24", "203.0.113.0/24"]);
    expect(plan.programs[0]?.extraPrefix).toBeUndefined();
    expect(plan.programs[0]?.steer).toEqual(["10.247.1.5", "10.247.1.6", "10.247.1.8"]);
  });

  it("never treats the active node's own InternalIP as an extra address, even written with a prefix", () => {
    const plan = planEgress(input([gw("x", { nodeSelector: egressNodes, egressIP: "198.18.246.12/24" })], "n2"));
    expect(plan.programs[0]?.egressIp).toBe("198.18.246.12");
    expect(plan.programs[0]?.extraPrefix).toBeUndefined();
  });

  it("lets only the node holding a bare egress IP serve", () => {
    const plan = planEgress(input([gw("x", { nodeSelector: egressNodes, egressIP: "198.18.247.13" })]));
    expect(plan.statuses[0]?.activeNode).toBe("n3");
  });

  it("skips nodes that are not Ready or lack an address or a podCIDR", () => {
    const down = nodes.map((n) => (n.name === "n2" ? { ...n, ready: false } : n));
    const plan = planEgress(input([gw("x", { nodeSelector: egressNodes })], "n1", { nodes: down }));
    expect(plan.statuses[0]?.activeNode).toBe("n3");
    const none: EgressNodeData[] = nodes.map(({ name, labels, internalIp, ready }) => ({ name, labels, ready, ...(internalIp === undefined ? {} : { internalIp }) }));
    expect(planEgress(input([gw("x", { nodeSelector: egressNodes })], "n1", { nodes: none })).statuses[0]?.conditions[0]?.reason).toBe("NoEligibleNode");
  });

  it("reports a node selector that matches nothing and programs nothing", () => {
    const plan = planEgress(input([gw("x", { nodeSelector: { matchLabels: { role: "nope" } } })]));
    expect(plan.statuses).toEqual([{ name: "x", selectedPods: 0, conditions: [{ type: "Ready", status: "False", reason: "NoEligibleNode", message: "spec.nodeSelector matches no Ready node with an InternalIP and a podCIDR" }] }]);
    expect(plan.programs).toEqual([]);
  });

  it("reports an egress IP that no selected node can hold", () => {
    const onNoSubnet = planEgress(input([gw("x", { nodeSelector: egressNodes, egressIP: "203.0.113.50/24" })]));
    expect(onNoSubnet.statuses[0]?.conditions[0]).toMatchObject({ status: "False", reason: "EgressIPNotOnAnyNode" });
    expect(onNoSubnet.statuses[0]?.conditions[0]?.message).toContain("none of the 2 selected nodes");
    expect(onNoSubnet.programs).toEqual([]);
    const notANode = planEgress(input([gw("x", { nodeSelector: egressNodes, egressIP: "198.18.246.11" })]));
    expect(notANode.statuses[0]?.conditions[0]).toMatchObject({ status: "False", reason: "EgressIPNotOnAnyNode" });
    expect(notANode.programs).toEqual([]);
  });

  it("rejects malformed specs with InvalidSpec and programs nothing", () => {
    const bad: [EgressGatewayData["spec"], string][] = [
      [{}, "spec.nodeSelector is required"],
      [{ nodeSelector: {}, destinations: ["nonsense"] }, "\"nonsense\" is not a CIDR"],
      [{ nodeSelector: {}, destinations: ["2001:db8::/32"] }, "is not IPv4"],
      [{ nodeSelector: {}, egressIP: "198.18.246.50/33" }, "spec.egressIP"],
      [{ nodeSelector: {}, egressIP: "2001:db8::1" }, "spec.egressIP"],
      [{ nodeSelector: {}, egressIP: "1.2.3.4/24/1" }, "spec.egressIP"],
      [{ nodeSelector: {}, podSelector: { matchExpressions: [{ key: "a", operator: "Has" }] } }, "operator \"Has\""],
      [{ nodeSelector: {}, podSelector: { matchExpressions: [{ key: "a", operator: "In" }] } }, "needs values"],
    ];
    for (const [spec, message] of bad) {
      const plan = planEgress(input([gw("x", spec)]));
      expect(plan.programs).toEqual([]);
      expect(plan.statuses[0]?.conditions[0]).toMatchObject({ type: "Ready", status: "False", reason: "InvalidSpec" });
      expect(plan.statuses[0]?.conditions[0]?.message).toContain(message);
    }
  });

  it("leaves pods claimed by an older resource with it and says so on the newer", () => {
    const newer = gw("all-clients", { podSelector: { matchLabels: { app: "client" } }, nodeSelector: egressNodes, egressIP: "198.18.247.13" }, "2026-12-02T00:00:00Z");
    const plan = planEgress(input([newer, dbClients]));
    const byName = new Map(plan.statuses.map((s) => [s.name, s]));
    expect(byName.get("db")?.selectedPods).toBe(2);
    expect(byName.get("all-clients")?.selectedPods).toBe(1);
    expect(byName.get("all-clients")?.conditions[1]).toEqual({ type: "Conflict", status: "True", reason: "PodsClaimedByOther", message: "some selected pods already belong to the older db: they stay there" });
    expect(plan.programs.map((p) => [p.name, p.index, p.steer])).toEqual([["all-clients", 1, ["10.247.1.8"]], ["db", 2, ["10.247.1.5"]]]);
  });

  it("does not let a resource that cannot serve take pods from one that can", () => {
    const older = gw("broken", { podSelector: { matchLabels: { app: "client" } }, nodeSelector: { matchLabels: { role: "nope" } } }, "2026-11-01T00:00:00Z");
    const plan = planEgress(input([older, dbClients]));
    expect(plan.statuses.find((s) => s.name === "db")?.conditions[1]?.reason).toBe("NoConflict");
    expect(plan.programs.map((p) => p.name)).toEqual(["db"]);
  });

  it("is deterministic: the same input in another order gives the same plan", () => {
    const other = gw("all-clients", { podSelector: { matchLabels: { app: "client" } }, nodeSelector: egressNodes }, "2026-12-02T00:00:00Z");
    const a = planEgress(input([other, dbClients]));
    const b = planEgress({ ...input([dbClients, other]), pods: [...pods].reverse(), nodes: [...nodes].reverse() });
    expect(b).toEqual(a);
  });
});

describe("planEgress with liveness", () => {
  const both = gw("both", { podSelector: { matchLabels: { app: "client" } }, nodeSelector: egressNodes });

  it("skips a candidate this node's probes find dead: the next one serves with its own address", () => {
    const plan = planEgress(input([both], "n1", { unreachable: ["n2"] }));
    expect(plan.statuses[0]).toMatchObject({ activeNode: "n3", egressIP: "198.18.247.13" });
    expect(plan.programs[0]?.active.name).toBe("n3");
    expect(planEgress(input([both], "n3", { unreachable: ["n2"] })).programs[0]?.serving).toBe(true);
  });

  it("keeps the egress IP when the standby can hold it", () => {
    const extra = gw("extra", { podSelector: { matchLabels: { app: "client" } }, nodeSelector: egressNodes, egressIP: "198.18.0.50/15" });
    expect(planEgress(input([extra])).statuses[0]).toMatchObject({ activeNode: "n2", egressIP: "198.18.0.50" });
    expect(planEgress(input([extra], "n1", { unreachable: ["n2"] })).statuses[0]).toMatchObject({ activeNode: "n3", egressIP: "198.18.0.50" });
  });

  it("reports NoReachableNode and programs nothing when no candidate answers", () => {
    const plan = planEgress(input([both], "n1", { unreachable: ["n2", "n3"] }));
    expect(plan.statuses[0]?.conditions).toEqual([{ type: "Ready", status: "False", reason: "NoReachableNode", message: "the nodes that can serve (n2, n3) do not answer the probes of node n1" }]);
    expect(plan.programs).toEqual([]);
    // Still probed, so that their return is seen.
    expect(plan.probe).toEqual(["n2", "n3"]);
  });

  it("a candidate cut off from everyone (itself unreachable) stops serving", () => {
    const plan = planEgress(input([both], "n2", { unreachable: ["n1", "n2", "n3"] }));
    expect(plan.programs).toEqual([]);
  });

  it("probes: a pod node its candidates, a candidate the others, the pod nodes and two witnesses", () => {
    const more: EgressNodeData[] = [...nodes, { name: "n4", labels: {}, internalIp: "198.18.246.14", podCidr: "10.247.4.0/24", ready: true }, { name: "n5", labels: {}, internalIp: "198.18.246.15", podCidr: "10.247.5.0/24", ready: true }];
    expect(planEgress({ ...input([both], "n1"), nodes: more }).probe).toEqual(["n2", "n3"]);
    expect(planEgress({ ...input([both], "n2"), nodes: more }).probe).toEqual(["n1", "n3"]);
    expect(planEgress({ ...input([both], "n3"), nodes: more }).probe).toEqual(["n1", "n2"]);
    // A node with neither pods nor a candidacy probes nothing; nothing to probe without a resource.
    expect(planEgress({ ...input([both], "n4"), nodes: more }).probe).toEqual([]);
    expect(planEgress({ ...input([], "n2"), nodes: more }).probe).toEqual([]);
    // Witnesses: the first other Ready nodes by name, also for a candidate with no pods anywhere.
    const lonely = gw("lonely", { podSelector: { matchLabels: { app: "none" } }, nodeSelector: { matchLabels: { role: "edge" } } });
    const edge = more.map((n) => (n.name === "n5" ? { ...n, labels: { role: "edge" } } : n));
    expect(planEgress({ ...input([lonely], "n5"), nodes: edge }).probe).toEqual(["n1", "n2"]);
  });
});

describe("planEgress with distribution hash", () => {
  const egressNames = ["e1", "e2", "e3", "e4"];
  const spreadNodes: EgressNodeData[] = [
    { name: "p1", labels: {}, internalIp: "198.18.246.11", podCidr: "10.247.1.0/24", ready: true },
    ...egressNames.map((name, i) => ({ name, labels: { "isthmus.io/egress": "true" }, internalIp: `198.18.246.${String(21 + i)}`, podCidr: `10.247.${String(2 + i)}.0/24`, ready: true })),
  ];
  const many: PodData[] = Array.from({ length: 64 }, (_, i) => ({ namespace: "db", name: `c${String(i)}`, labels: { app: "client" }, ip: `10.247.1.${String(10 + i)}`, nodeName: "p1" }));
  const spread = gw("spread", { podSelector: { matchLabels: { app: "client" } }, nodeSelector: egressNodes, distribution: "hash" });
  const plan = (nodeName: string, unreachable: string[] = []) => planEgress({ nodeName, gateways: [spread], nodes: spreadNodes, pods: many, namespaces, unreachable });
  /** Pod IP → the egress node the pod node steers it to. */
  const assignment = (unreachable: string[] = []): Map<string, string> => new Map(plan("p1", unreachable).programs.flatMap((p) => p.steer.map((ip) => [ip, p.active.name] as const)));

  it("every live eligible node serves with its own InternalIP; the status lists each with its pods", () => {
    const status = plan("p1").statuses[0];
    expect(status?.activeNode).toBeUndefined();
    expect(status?.activeNodes?.map((n) => [n.name, n.egressIP])).toEqual(egressNames.map((name, i) => [name, `198.18.246.${String(21 + i)}`]));
    expect(status?.activeNodes?.reduce((sum, n) => sum + n.selectedPods, 0)).toBe(64);
    expect(status?.conditions[0]).toMatchObject({ status: "True", reason: "Active" });
    // Every egress node gets some of 64 pods, and the pod node steers each pod once.
    for (const n of status?.activeNodes ?? []) expect(n.selectedPods).toBeGreaterThan(0);
    expect(assignment().size).toBe(64);
  });

  it("gives the pod node one program per egress node, and each egress node the pods hashed to it", () => {
    const programs = plan("p1").programs;
    expect(programs.map((p) => [p.part, p.index, p.serving])).toEqual(egressNames.map((name, i) => [name, i + 1, false]));
    const e2 = plan("e2").programs;
    expect(e2).toHaveLength(1);
    expect(e2[0]).toMatchObject({ serving: true, egressIp: "198.18.246.22", steer: [] });
    expect(e2[0]?.part).toBeUndefined();
    expect(new Set(e2[0]?.snat)).toEqual(new Set([...assignment()].filter(([, n]) => n === "e2").map(([ip]) => ip)));
  });

  it("a dead egress node moves only its own pods; the others stay where they were", () => {
    const before = assignment();
    const after = assignment(["e3"]);
    for (const [ip, node] of before) {
      if (node === "e3") expect(after.get(ip)).not.toBe("e3");
      else expect(after.get(ip)).toBe(node);
    }
    expect(plan("p1", ["e3"]).statuses[0]?.activeNodes?.map((n) => n.name)).toEqual(["e1", "e2", "e4"]);
  });

  it("is the same on every node and in any input order", () => {
    const reversed = planEgress({ nodeName: "p1", gateways: [spread], nodes: [...spreadNodes].reverse(), pods: [...many].reverse(), namespaces });
    expect(reversed).toEqual(plan("p1"));
    expect(plan("e1").statuses).toEqual(plan("p1").statuses);
  });

  it("rejects an egressIP or an unknown distribution with InvalidSpec", () => {
    const withIp = gw("ip", { nodeSelector: egressNodes, distribution: "hash", egressIP: "198.18.246.50/24" });
    const unknown = gw("odd", { nodeSelector: egressNodes, distribution: "round-robin" as "hash" });
    const statuses = planEgress({ nodeName: "p1", gateways: [withIp, unknown], nodes: spreadNodes, pods: many, namespaces }).statuses;
    expect(statuses.map((s) => [s.name, s.conditions[0]?.reason, s.conditions[0]?.message])).toEqual([
      ["ip", "InvalidSpec", "spec.egressIP must be omitted with distribution hash: every egress node serves with its own InternalIP"],
      ["odd", "InvalidSpec", "spec.distribution: \"round-robin\" is not one of active-standby, hash"],
    ]);
  });
});
