import { describe, expect, it } from "vitest";
import { allows, type Flow } from "../testing/policy-eval.js";
import { compilePolicies, counterName, policyTypes } from "./compile.js";
import type { NetworkPolicyData, PodData, PolicySpec, RemotePodSetData } from "./types.js";

// Three namespaces x, y, z with pods a, b, c each; a and b of x, and a of y and z, run on n1.
const ips: Record<string, string> = {
  "x/a": "10.0.1.1", "x/b": "10.0.1.2", "x/c": "10.0.2.1",
  "y/a": "10.0.1.3", "y/b": "10.0.2.2", "y/c": "10.0.2.3",
  "z/a": "10.0.1.4", "z/b": "10.0.2.4", "z/c": "10.0.2.5",
};
const pods: PodData[] = Object.entries(ips).map(([key, ip]) => {
  const [namespace = "", name = ""] = key.split("/");
  return { namespace, name, ip, labels: { pod: name }, nodeName: ip.startsWith("10.0.1.") ? "n1" : "n2", ports: [{ name: "web", port: 80 }, { name: "dns", port: 53, protocol: "UDP" }] };
});
const namespaces = ["x", "y", "z"].map((name) => ({ name, labels: { ns: name, "kubernetes.io/metadata.name": name } }));
const policy = (namespace: string, name: string, spec: PolicySpec): NetworkPolicyData => ({ namespace, name, spec });
const compile = (policies: NetworkPolicyData[], extraPods: PodData[] = []) => compilePolicies({ nodeName: "n1", policies, pods: [...pods, ...extraPods], namespaces });
const tcp = (from: string, to: string, port = 80): Flow => ({ src: ips[from] ?? from, dst: ips[to] ?? to, protocol: "tcp", port });
const udp = (from: string, to: string, port = 53): Flow => ({ src: ips[from] ?? from, dst: ips[to] ?? to, protocol: "udp", port });
const icmp = (from: string, to: string): Flow => ({ src: ips[from] ?? from, dst: ips[to] ?? to, protocol: "icmp" });

describe("compilePolicies", () => {
  it("isolates nothing without policies", () => {
    const r = compile([]);
    expect(r.ingress.isolated).toEqual([]);
    expect(r.egress.isolated).toEqual([]);
    expect(r.counters).toEqual([]);
    expect(allows(r, tcp("y/b", "x/a"))).toBe(true);
  });

  it("deny-all ingress isolates the selected local pods for ingress only", () => {
    const r = compile([policy("x", "deny", { podSelector: {}, policyTypes: ["Ingress"] })]);
    expect(r.ingress.isolated).toEqual([ips["x/a"], ips["x/b"]]);
    expect(r.egress.isolated).toEqual([]);
    expect(allows(r, tcp("y/a", "x/a"))).toBe(false);
    expect(allows(r, tcp("x/b", "x/a"))).toBe(false);
    expect(allows(r, icmp("z/b", "x/b"))).toBe(false);
    expect(allows(r, tcp("x/a", "y/a"))).toBe(true);
    expect(allows(r, tcp("y/a", "z/a"))).toBe(true);
  });

  it("deny-all egress drops what the selected pods send, wherever it goes", () => {
    const r = compile([policy("x", "deny", { podSelector: {}, policyTypes: ["Egress"] })]);
    expect(r.egress.isolated).toEqual([ips["x/a"], ips["x/b"]]);
    expect(allows(r, tcp("x/a", "y/b"))).toBe(false);
    expect(allows(r, udp("x/a", "8.8.8.8"))).toBe(false);
    expect(allows(r, tcp("y/a", "x/a"))).toBe(true);
  });

  it("allow-all rules (an empty rule) let everything in or out of isolated pods", () => {
    const r = compile([
      policy("x", "deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
      policy("x", "allow-in", { podSelector: {}, ingress: [{}], policyTypes: ["Ingress"] }),
    ]);
    expect(allows(r, icmp("z/c", "x/a"))).toBe(true);
    expect(allows(r, tcp("x/a", "z/c"))).toBe(false);
  });

  it("defaults policyTypes to Ingress, plus Egress when there are egress rules", () => {
    expect(policyTypes(policy("x", "p", { podSelector: {} }))).toEqual(["ingress"]);
    expect(policyTypes(policy("x", "p", { podSelector: {}, egress: [{}] }))).toEqual(["ingress", "egress"]);
    expect(policyTypes(policy("x", "p", { podSelector: {}, egress: [] }))).toEqual(["ingress"]);
    expect(policyTypes(policy("x", "p", { podSelector: {}, policyTypes: ["Egress"], ingress: [{}] }))).toEqual(["egress"]);
    // A policy with only egress rules and no policyTypes isolates ingress too (the API's default).
    const r = compile([policy("x", "p", { podSelector: { matchLabels: { pod: "a" } }, egress: [{}] })]);
    expect(allows(r, tcp("y/a", "x/a"))).toBe(false);
    expect(allows(r, tcp("x/a", "y/a"))).toBe(true);
  });

  it("selects pods of the policy's namespace only", () => {
    const r = compile([policy("y", "deny", { podSelector: { matchLabels: { pod: "a" } } })]);
    expect(r.ingress.isolated).toEqual([ips["y/a"]]);
  });

  it("podSelector peers are pods of the policy's namespace", () => {
    const r = compile([policy("x", "p", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: "b" } } }] }] })]);
    expect(allows(r, tcp("x/b", "x/a"))).toBe(true);
    expect(allows(r, tcp("y/b", "x/a"))).toBe(false);
    expect(allows(r, tcp("x/c", "x/a"))).toBe(false);
  });

  it("namespaceSelector peers are every pod of the matching namespaces", () => {
    const r = compile([policy("x", "p", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "y" } } }] }] })]);
    expect(["y/a", "y/b", "y/c"].map((p) => allows(r, tcp(p, "x/a")))).toEqual([true, true, true]);
    expect(allows(r, tcp("x/b", "x/a"))).toBe(false);
    expect(allows(r, tcp("z/b", "x/a"))).toBe(false);
  });

  it("podSelector and namespaceSelector in one peer both apply; in two peers either does", () => {
    const both = compile([policy("x", "p", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "y" } }, podSelector: { matchLabels: { pod: "b" } } }] }] })]);
    expect([allows(both, tcp("y/b", "x/a")), allows(both, tcp("y/c", "x/a")), allows(both, tcp("x/b", "x/a")), allows(both, tcp("z/b", "x/a"))]).toEqual([true, false, false, false]);
    const either = compile([policy("x", "p", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "y" } } }, { podSelector: { matchLabels: { pod: "b" } } }] }] })]);
    expect([allows(either, tcp("y/b", "x/a")), allows(either, tcp("y/c", "x/a")), allows(either, tcp("x/b", "x/a")), allows(either, tcp("z/b", "x/a"))]).toEqual([true, true, true, false]);
  });

  it("an empty namespaceSelector matches every namespace, an empty podSelector every pod", () => {
    const r = compile([policy("x", "p", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { pod: "c" } } }] }] })]);
    expect(["x/c", "y/c", "z/c", "y/b"].map((p) => allows(r, tcp(p, "x/a")))).toEqual([true, true, true, false]);
  });

  it("ipBlock allows its CIDR without the except blocks; overlapping blocks are one union", () => {
    const r = compile([policy("x", "p", {
      podSelector: {},
      ingress: [{ from: [{ ipBlock: { cidr: "10.0.2.0/24", except: ["10.0.2.4/30"] } }, { ipBlock: { cidr: "10.0.2.0/28" } }, { ipBlock: { cidr: "192.0.2.0/24", except: ["192.0.2.128/25"] } }] }],
    })]);
    // 10.0.2.4/30 is excepted from the first block but inside the second: allowed.
    expect(["x/c", "y/b", "z/b", "z/c"].map((p) => allows(r, tcp(p, "x/a")))).toEqual([true, true, true, true]);
    expect(allows(r, tcp("10.0.2.200", "x/a"))).toBe(true);
    expect(allows(r, tcp("192.0.2.7", "x/a"))).toBe(true);
    expect(allows(r, tcp("192.0.2.200", "x/a"))).toBe(false);
    expect(allows(r, tcp("y/a", "x/a"))).toBe(false);
  });

  it("except removes addresses inside the one block (no other block covers them)", () => {
    const r = compile([policy("x", "p", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/16", except: ["10.0.2.0/24"] } }] }] })]);
    expect([allows(r, tcp("x/a", "y/a")), allows(r, tcp("x/a", "y/b"))]).toEqual([true, false]);
  });

  it("an IPv6 or malformed ipBlock matches nothing and is reported", () => {
    const r = compile([policy("x", "p", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "2001:db8::/32" } }, { ipBlock: { cidr: "nonsense" } }] }] })]);
    expect(allows(r, tcp("y/a", "x/a"))).toBe(false);
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toContain("x/p");
  });

  it("ports: number, endPort range, protocol, every port of a protocol", () => {
    const r = compile([policy("x", "p", {
      podSelector: {},
      ingress: [{ ports: [{ port: 80 }, { protocol: "TCP", port: 8000, endPort: 8080 }, { protocol: "UDP" }] }],
    })]);
    expect(allows(r, tcp("y/a", "x/a", 80))).toBe(true);
    expect(allows(r, tcp("y/a", "x/a", 81))).toBe(false);
    expect([7999, 8000, 8080, 8081].map((p) => allows(r, tcp("y/a", "x/a", p)))).toEqual([false, true, true, false]);
    expect(allows(r, udp("y/a", "x/a", 12345))).toBe(true);
    expect(allows(r, { src: ips["y/a"] ?? "", dst: ips["x/a"] ?? "", protocol: "sctp", port: 80 })).toBe(false);
    expect(allows(r, icmp("y/a", "x/a"))).toBe(false);
  });

  it("SCTP ports: a number, a range, every port; never TCP or UDP (the lab kernel has no SCTP to probe)", () => {
    const sctp = (port: number): Flow => ({ src: ips["y/a"] ?? "", dst: ips["x/a"] ?? "", protocol: "sctp", port });
    const r = compile([policy("x", "p", { podSelector: {}, ingress: [{ ports: [{ protocol: "SCTP", port: 3868 }, { protocol: "SCTP", port: 9000, endPort: 9010 }] }] })]);
    expect([3867, 3868, 8999, 9000, 9010, 9011].map((p) => allows(r, sctp(p)))).toEqual([false, true, false, true, true, false]);
    expect(allows(r, tcp("y/a", "x/a", 3868))).toBe(false);
    expect(allows(r, udp("y/a", "x/a", 3868))).toBe(false);
    expect(r.ingress.ports.every((e) => e.protocol === 132)).toBe(true);
    const every = compile([policy("x", "p", { podSelector: {}, ingress: [{ ports: [{ protocol: "SCTP" }] }] })]);
    expect([1, 65535].map((p) => allows(every, sctp(p)))).toEqual([true, true]);
    expect(allows(every, tcp("y/a", "x/a"))).toBe(false);
  });

  it("a named ingress port resolves on the target pod", () => {
    const other: PodData = { namespace: "x", name: "d", ip: "10.0.1.9", nodeName: "n1", labels: { pod: "d" }, ports: [{ name: "web", port: 8080 }] };
    const r = compile([policy("x", "p", { podSelector: {}, ingress: [{ ports: [{ port: "web" }, { port: "dns", protocol: "UDP" }] }] })], [other]);
    expect([allows(r, tcp("y/a", "x/a", 80)), allows(r, tcp("y/a", "x/a", 8080))]).toEqual([true, false]);
    expect([allows(r, tcp("y/a", "10.0.1.9", 80)), allows(r, tcp("y/a", "10.0.1.9", 8080))]).toEqual([false, true]);
    expect(allows(r, udp("y/a", "x/a", 53))).toBe(true);
    // x/d has no UDP port "dns": nothing on UDP reaches it, and that is reported.
    expect(allows(r, udp("y/a", "10.0.1.9", 53))).toBe(false);
    expect(r.warnings).toEqual([expect.stringContaining("x/d has no UDP port named dns")]);
  });

  it("a named egress port resolves on each destination pod; an unknown name allows nothing", () => {
    const r = compile([
      policy("x", "p", { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: "web" }] }, { ports: [{ port: "nope" }] }] }),
    ]);
    expect(allows(r, tcp("x/a", "z/c", 80))).toBe(true);
    expect(allows(r, tcp("x/a", "z/c", 81))).toBe(false);
    expect(allows(r, tcp("x/a", "192.0.2.1", 80))).toBe(false);
  });

  it("egress to DNS only", () => {
    const r = compile([policy("x", "dns-only", { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }] })]);
    expect([allows(r, udp("x/a", "z/c", 53)), allows(r, tcp("x/a", "z/c", 53)), allows(r, tcp("x/a", "z/c", 80)), allows(r, udp("x/a", "z/c", 54))]).toEqual([true, true, false, false]);
  });

  it("two policies on one pod allow the union of their rules", () => {
    const r = compile([
      policy("x", "from-y", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "y" } } }], ports: [{ port: 80 }] }] }),
      policy("x", "from-z", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "z" } } }] }] }),
    ]);
    expect([allows(r, tcp("y/b", "x/a", 80)), allows(r, tcp("y/b", "x/a", 81)), allows(r, tcp("z/b", "x/a", 81)), allows(r, tcp("y/b", "x/b", 80))]).toEqual([true, false, true, false]);
  });

  it("needs both the source's egress and the destination's ingress to allow", () => {
    const r = compile([
      policy("x", "a-out", { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: { matchLabels: { pod: "b" } } }] }] }),
      policy("x", "b-in", { podSelector: { matchLabels: { pod: "b" } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: "c" } } }] }] }),
    ]);
    expect(allows(r, tcp("x/a", "x/b"))).toBe(false);
    expect(allows(r, tcp("x/c", "x/b"))).toBe(true);
  });

  it("follows relabelled pods and namespaces", () => {
    const spec: PolicySpec = { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "blue" } }, podSelector: { matchLabels: { role: "client" } } }] }] };
    const client: PodData = { namespace: "z", name: "c2", ip: "10.0.2.9", nodeName: "n2", labels: { role: "client" } };
    const before = compilePolicies({ nodeName: "n1", policies: [policy("x", "p", spec)], pods: [...pods, client], namespaces });
    expect(allows(before, tcp("10.0.2.9", "x/a"))).toBe(false);
    const after = compilePolicies({ nodeName: "n1", policies: [policy("x", "p", spec)], pods: [...pods, client], namespaces: namespaces.map((n) => (n.name === "z" ? { ...n, labels: { ...n.labels, team: "blue" } } : n)) });
    expect(allows(after, tcp("10.0.2.9", "x/a"))).toBe(true);
    const relabelled = compilePolicies({ nodeName: "n1", policies: [policy("x", "p", spec)], pods: [...pods, { ...client, labels: { role: "server" } }], namespaces: namespaces.map((n) => (n.name === "z" ? { ...n, labels: { ...n.labels, team: "blue" } } : n)) });
    expect(allows(relabelled, tcp("10.0.2.9", "x/a"))).toBe(false);
  });

  it("never isolates hostNetwork pods and never treats them (or pods without an address) as pod peers", () => {
    const host: PodData = { namespace: "x", name: "h", ip: "198.18.0.1", nodeName: "n1", hostNetwork: true, labels: { pod: "b" } };
    const pending: PodData = { namespace: "x", name: "p", nodeName: "n1", labels: { pod: "b" } };
    const r = compile([policy("x", "p", { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { pod: "b" } } }] }] })], [host, pending]);
    expect(r.ingress.isolated).toEqual([ips["x/a"], ips["x/b"]]);
    expect(allows(r, tcp("198.18.0.1", "x/a"))).toBe(false);
    expect(allows(r, tcp("x/b", "x/a"))).toBe(true);
  });

  it("counts drops per policy and direction, with one drop chain per distinct set of policies", () => {
    const r = compile([
      policy("x", "all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
      policy("x", "only-a", { podSelector: { matchLabels: { pod: "a" } } }),
    ]);
    expect(r.counters.map((c) => `${c.policy}/${c.direction}`).sort()).toEqual(["all/egress", "all/ingress", "only-a/ingress"]);
    expect(r.dropChains).toHaveLength(3);
    const chainOf = (pod: string) => r.ingress.drop.find((d) => d.pod === ips[pod])?.chain;
    expect(r.dropChains.find((c) => c.name === chainOf("x/a"))?.counters).toEqual([counterName("x", "all", "ingress"), counterName("x", "only-a", "ingress")].sort());
    expect(r.dropChains.find((c) => c.name === chainOf("x/b"))?.counters).toEqual([counterName("x", "all", "ingress")]);
  });

  it("gives the same ruleset for the same input in any order", () => {
    const policies = [
      policy("x", "p1", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.0.2.0/24"] } }], ports: [{ port: 80 }, { port: 70, endPort: 90 }] }] }),
      policy("x", "p2", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 85, endPort: 100 }] }] }),
    ];
    const a = compilePolicies({ nodeName: "n1", policies, pods, namespaces });
    const b = compilePolicies({ nodeName: "n1", policies: [...policies].reverse(), pods: [...pods].reverse(), namespaces: [...namespaces].reverse() });
    expect(b).toEqual(a);
    // Elements of one pod and protocol never overlap (nftables refuses that).
    const ofA = a.ingress.ports.filter((e) => e.pod === ips["x/a"]);
    for (const [i, e] of ofA.entries()) {
      for (const f of ofA.slice(i + 1)) {
        const overlap = e.protocol === f.protocol && e.peer.start <= f.peer.end && f.peer.start <= e.peer.end && e.ports.start <= f.ports.end && f.ports.start <= e.ports.end;
        expect(overlap).toBe(false);
      }
    }
    expect([allows(a, tcp("y/b", "x/a", 69)), allows(a, tcp("y/b", "x/a", 95)), allows(a, tcp("y/b", "x/a", 101)), allows(a, tcp("10.9.9.9", "x/a", 80)), allows(a, tcp("10.9.9.9", "x/a", 95))]).toEqual([false, true, false, true, false]);
  });

  describe("peers in other clusters (RemotePodSets, isthmus.io/cluster)", () => {
    // c1 shares namespace x (labelled team=web) with a frontend and a worker, and namespace q; c3 shares x too.
    const remotePods: RemotePodSetData[] = [
      { clusterId: "c1", namespace: "x", namespaceLabels: { team: "web" }, pods: [{ name: "fe", ip: "10.1.0.5", labels: { app: "frontend" } }, { name: "wk", ip: "10.1.0.6", labels: { app: "worker" } }] },
      { clusterId: "c1", namespace: "q", namespaceLabels: { team: "web" }, pods: [{ name: "fe", ip: "10.1.0.7", labels: { app: "frontend" } }] },
      { clusterId: "c3", namespace: "x", namespaceLabels: {}, pods: [{ name: "fe", ip: "10.3.0.5", labels: { app: "frontend" } }] },
    ];
    const withRemote = (policies: NetworkPolicyData[]) => compilePolicies({ nodeName: "n1", policies, pods, namespaces, remotePods });
    const only = (podSelector: PolicySpec["podSelector"], namespaceSelector?: PolicySpec["podSelector"]) =>
      withRemote([policy("x", "remote", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ ...(podSelector === undefined ? {} : { podSelector }), ...(namespaceSelector === undefined ? {} : { namespaceSelector }) }] }] })]);

    it("a podSelector with the cluster key selects that cluster's pods of the policy's namespace, never local pods", () => {
      const r = only({ matchLabels: { "isthmus.io/cluster": "c1", app: "frontend" } });
      expect(allows(r, tcp("10.1.0.5", "x/a"))).toBe(true);
      expect(allows(r, tcp("10.1.0.6", "x/a"))).toBe(false);
      expect(allows(r, tcp("10.1.0.7", "x/a"))).toBe(false);
      expect(allows(r, tcp("10.3.0.5", "x/a"))).toBe(false);
      expect(allows(r, tcp("x/b", "x/a"))).toBe(false);
      expect(allows(r, tcp("10.1.0.5", "x/b"))).toBe(true);
    });

    it("with a namespaceSelector, matches the remote namespaces' labels; expressions on the key select several clusters", () => {
      const r = only({ matchLabels: { "isthmus.io/cluster": "c1", app: "frontend" } }, { matchLabels: { team: "web" } });
      expect(allows(r, tcp("10.1.0.5", "x/a"))).toBe(true);
      expect(allows(r, tcp("10.1.0.7", "x/a"))).toBe(true);
      expect(allows(r, tcp("10.3.0.5", "x/a"))).toBe(false);
      const any = only({ matchExpressions: [{ key: "isthmus.io/cluster", operator: "Exists" }], matchLabels: { app: "frontend" } });
      expect(["10.1.0.5", "10.1.0.6", "10.1.0.7", "10.3.0.5"].map((src) => allows(any, tcp(src, "x/a")))).toEqual([true, false, false, true]);
      const notC1 = only({ matchExpressions: [{ key: "isthmus.io/cluster", operator: "NotIn", values: ["c1"] }] });
      expect(["10.1.0.5", "10.3.0.5"].map((src) => allows(notC1, tcp(src, "x/a")))).toEqual([false, true]);
    });

    it("a selector without the key still selects only this cluster's pods, and remote pods are egress peers too", () => {
      const local = only({ matchLabels: { app: "frontend" } });
      expect(allows(local, tcp("10.1.0.5", "x/a"))).toBe(false);
      const egress = withRemote([policy("x", "out", { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: { matchLabels: { "isthmus.io/cluster": "c1", app: "frontend" } } }], ports: [{ port: 80 }, { port: "web" }] }] })]);
      expect(allows(egress, tcp("x/a", "10.1.0.5"))).toBe(true);
      expect(allows(egress, tcp("x/a", "10.1.0.5", 81))).toBe(false);
      expect(allows(egress, tcp("x/a", "10.1.0.6"))).toBe(false);
      expect(withRemote([]).ingress.isolated).toEqual([]);
    });
  });
});

