import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@isthmus/core/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeRecord } from "../agent/agent.js";
import { deleteNat } from "../agent/nat.js";
import { deleteLocalDevices } from "../agent/overlay.js";
import type { VxlanMode } from "../agent/overlay-plan.js";
import { createCommandRunner } from "../datapath/exec.js";
import { createPolicyAgent } from "../policy/agent.js";
import { deletePolicyTable } from "../policy/apply.js";
import type { NetworkPolicyData } from "../policy/types.js";
import { addNetns, connectNodesToLan, deleteNetns, netnsPath, requireRoot, sh, testNetnsName, waitFor } from "../testing/netns.js";
import { nodeLab } from "../testing/node-lab.js";
import { createEgressAgent } from "./agent.js";
import { applyEgress, deleteEgress, type EgressTableMemo, readEgressCounters } from "./apply.js";
import { hashNode, planEgress } from "./plan.js";
import { counterNames, egressTable } from "./render.js";
import type { EgressGatewayData, EgressNodeData, PodData } from "./types.js";

requireRoot();

// A LAN (namespace `lan`, bridge br0, also the router: 198.18.246.1) with node n1 (.11), the
// egress node n2 (.12) and its standby n3 (.13); behind the router, on the WAN bridge br1
// (203.0.113.1), the "outside" host 203.0.113.10, whose TCP server answers each connection with
// the source address it sees. n2 is multi-homed like the lab's gateway nodes: its wan0
// (203.0.113.12) reaches the outside directly, while the egress IP lives on its LAN interface.
// Pods: sel and other on n1, srv on n2 (srv answers with the source address too).
const lan = testNetnsName("elan");
const outside = testNetnsName("eout");
const nodes = [testNetnsName("e1"), testNetnsName("e2"), testNetnsName("e3")];
const pods = { sel: testNetnsName("esel"), other: testNetnsName("eoth"), srv: testNetnsName("esrv") };
const podNode = { sel: 0, other: 0, srv: 1 } as const;
const records: NodeRecord[] = [
  { name: "n1", podCidr: "10.248.1.0/24", internalIp: "198.18.246.11" },
  { name: "n2", podCidr: "10.248.2.0/24", internalIp: "198.18.246.12" },
  { name: "n3", podCidr: "10.248.3.0/24", internalIp: "198.18.246.13" },
];
const outsideIp = "203.0.113.10";
const egressIp = "198.18.246.50";
const ip = {} as Record<keyof typeof pods, string>;
const servers: ChildProcess[] = [];
let work = "";
const lab = nodeLab({ work: () => work, nodes, records });
const runners = nodes.map((n) => createCommandRunner({ hostNetns: netnsPath(n) }));
const runner = (i: number): ReturnType<typeof createCommandRunner> => {
  const r = runners[i];
  if (r === undefined) throw new Error(`no node ${String(i)}`);
  return r;
};

const egressNodes: EgressNodeData[] = [
  { name: "n1", labels: {}, internalIp: "198.18.246.11", podCidr: "10.248.1.0/24", ready: true },
  { name: "n2", labels: { "isthmus.io/egress": "true" }, internalIp: "198.18.246.12", podCidr: "10.248.2.0/24", ready: true },
  { name: "n3", labels: { "isthmus.io/egress": "true" }, internalIp: "198.18.246.13", podCidr: "10.248.3.0/24", ready: true },
];
const gateway = (spec: Partial<EgressGatewayData["spec"]> = {}): EgressGatewayData => ({
  name: "db-egress",
  createdAt: "2026-12-06T00:00:00Z",
  spec: { podSelector: { matchLabels: { egress: "yes" } }, nodeSelector: { matchLabels: { "isthmus.io/egress": "true" } }, egressIP: `${egressIp}/24`, ...spec },
});

/** The test's pods as the planner sees them. */
const podData = (): PodData[] => (Object.keys(pods) as (keyof typeof pods)[]).map((p) => ({ namespace: "app", name: p, labels: p === "sel" ? { egress: "yes" } : {}, ip: ip[p], nodeName: `n${String(podNode[p] + 1)}` }));

/** Plans every node for `gateways` and applies each node's programs; returns each node's changes. */
async function program(gateways: EgressGatewayData[], mode: VxlanMode = "always", nodeData: readonly EgressNodeData[] = egressNodes): Promise<string[][]> {
  const out: string[][] = [];
  for (const [i, rec] of records.entries()) {
    const plan = planEgress({ nodeName: rec.name, gateways, nodes: nodeData, pods: podData(), namespaces: [{ name: "app", labels: {} }] });
    out.push(await applyEgress(runner(i), { programs: plan.programs, nodeIp: rec.internalIp ?? "", mode, clusterCidrs: records.map((r) => r.podCidr ?? "") }));
  }
  return out;
}

/** The source address `to` sees for a new TCP connection from pod `from` (retried: a busy machine can miss a 2 s timeout). */
async function seenBy(from: keyof typeof pods, to: string): Promise<string> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return (await sh(["socat", "-T", "3", "-u", `TCP:${to}:8080,connect-timeout=3`, "-"], pods[from])).trim();
    } catch (err) {
      last = err;
    }
  }
  throw new Error(`no answer from ${to} to pod ${from}`, { cause: last });
}

/** Every trace of the egress gateway in node `i`: rules of its priorities, routes of its tables, the egress address, its table. */
async function traces(i: number): Promise<string[]> {
  const ns = nodes[i] ?? "";
  const rules = (await sh(["ip", "rule", "show"], ns)).split("\n").filter((l) => /^104[01]:/.test(l));
  const routes = (await sh(["ip", "route", "show", "table", "all"], ns)).split("\n").filter((l) => /table 7[12]\d\d/.test(l));
  const addresses = (await sh(["ip", "-4", "addr", "show"], ns)).split("\n").filter((l) => l.includes(egressIp));
  const tables = (await sh(["nft", "list", "tables"], ns)).split("\n").filter((l) => l.includes(egressTable));
  return [...rules, ...routes, ...addresses, ...tables];
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "isthmus-test-cni-egress-"));
  for (const ns of [lan, outside, ...nodes, ...Object.values(pods)]) await addNetns(ns);
  await connectNodesToLan(lan, nodes, { subnet: "198.18.246", router: true });
  await sh(["ip", "link", "add", "br1", "type", "bridge"], lan);
  await sh(["ip", "addr", "add", "203.0.113.1/24", "dev", "br1"], lan);
  await sh(["ip", "link", "set", "br1", "up"], lan);
  await sh(["ip", "link", "add", "wan", "netns", lan, "type", "veth", "peer", "name", "eth0", "netns", outside]);
  await sh(["ip", "link", "set", "wan", "master", "br1", "up"], lan);
  await sh(["ip", "addr", "add", `${outsideIp}/24`, "dev", "eth0"], outside);
  await sh(["ip", "link", "set", "eth0", "up"], outside);
  await sh(["ip", "route", "add", "default", "via", "203.0.113.1"], outside);
  await sh(["ip", "link", "add", "wan1", "netns", lan, "type", "veth", "peer", "name", "wan0", "netns", nodes[1] ?? ""]);
  await sh(["ip", "link", "set", "wan1", "master", "br1", "up"], lan);
  await sh(["ip", "addr", "add", "203.0.113.12/24", "dev", "wan0"], nodes[1]);
  await sh(["ip", "link", "set", "wan0", "up"], nodes[1]);
  for (const i of nodes.keys()) await lab.agent(i).reconcile();
  for (const p of Object.keys(pods) as (keyof typeof pods)[]) ip[p] = await lab.addPod(podNode[p], pods[p]);
  for (const ns of [outside, pods.srv, lan]) {
    servers.push(spawn("ip", ["netns", "exec", ns, "socat", "TCP-LISTEN:8080,fork,reuseaddr", "SYSTEM:echo $SOCAT_PEERADDR"], { stdio: "ignore" }));
    await waitFor(`server in ${ns}`, async () => (await sh(["ss", "-ltn"], ns)).includes(":8080 "));
  }
});

afterAll(async () => {
  for (const s of servers) s.kill();
  await deletePolicyTable(runner(0));
  for (const [i] of nodes.entries()) {
    await deleteEgress(runner(i));
    await deleteNat(runner(i));
    await deleteLocalDevices(runner(i));
  }
  await deleteNetns(lan, outside, ...nodes, ...Object.values(pods));
  if (work !== "") await rm(work, { recursive: true, force: true });
});

describe("egress gateway data path", () => {
  it("without a resource every pod is seen with its node's address outside", async () => {
    expect(await seenBy("sel", outsideIp)).toBe("198.18.246.11");
    expect(await seenBy("other", outsideIp)).toBe("198.18.246.11");
  });

  it("a selected pod on a non-egress node is seen with the egress IP; an unselected one with its node's address", async () => {
    await program([gateway()]);
    expect(await sh(["ip", "-4", "addr", "show", "dev", "eth0"], nodes[1])).toContain(`${egressIp}/32`);
    expect(await seenBy("sel", outsideIp)).toBe(egressIp);
    expect(await seenBy("other", outsideIp)).toBe("198.18.246.11");
    const counters = await readEgressCounters(runner(1));
    const { tx, rx } = counterNames("db-egress");
    expect(counters.get(tx)?.packets).toBeGreaterThan(0);
    expect(counters.get(rx)?.packets).toBeGreaterThan(0);
  });

  it("traffic of the selected pod inside the cluster keeps its pod IP", async () => {
    expect(await seenBy("sel", ip.srv)).toBe(ip.sel);
  });

  it("a destination the pod's node routes more specifically (as the route agent routes the clusterset) is not steered", async () => {
    await sh(["ip", "route", "add", "203.0.113.0/24", "via", "198.18.246.1", "dev", "eth0"], nodes[0]);
    try {
      expect(await seenBy("sel", outsideIp)).toBe("198.18.246.11");
    } finally {
      await sh(["ip", "route", "del", "203.0.113.0/24"], nodes[0]);
    }
    expect(await seenBy("sel", outsideIp)).toBe(egressIp);
  });

  it("a host on the pod node's own subnet is reached directly and masqueraded as before", async () => {
    expect(await seenBy("sel", "198.18.246.1")).toBe("198.18.246.11");
  });

  it("a pod the selector no longer selects is no longer steered; the counters survive the change", async () => {
    const { tx } = counterNames("db-egress");
    const before = (await readEgressCounters(runner(1))).get(tx)?.packets ?? 0;
    await program([gateway({ podSelector: { matchLabels: { egress: "other" } } })]);
    expect(await seenBy("sel", outsideIp)).toBe("198.18.246.11");
    expect((await readEgressCounters(runner(1))).get(tx)?.packets).toBe(before);
    await program([gateway()]);
    expect(await seenBy("sel", outsideIp)).toBe(egressIp);
  });

  it("a NetworkPolicy that denies the destination still denies it through the egress gateway", async () => {
    const policies: NetworkPolicyData[] = [];
    const podData: PodData[] = [{ namespace: "app", name: "sel", labels: { egress: "yes" }, ip: ip.sel, nodeName: "n1" }];
    const policy = createPolicyAgent({ nodeName: "n1", runner: runner(0), logger: createLogger({ level: "silent" }), source: { snapshot: (nodeName) => ({ nodeName, pods: podData, namespaces: [{ name: "app", labels: {} }], policies }) } });
    policies.push({ namespace: "app", name: "no-outside", spec: { podSelector: { matchLabels: { egress: "yes" } }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["203.0.113.0/24"] } }] }] } });
    expect(await policy.reconcile()).toBe("applied");
    await expect(sh(["socat", "-T", "2", "-u", `TCP:${outsideIp}:8080,connect-timeout=2`, "-"], pods.sel)).rejects.toThrow();
    expect(await seenBy("sel", ip.srv)).toBe(ip.sel);
    policies.length = 0;
    expect(await policy.reconcile()).toBe("applied");
    expect(await seenBy("sel", outsideIp)).toBe(egressIp);
  });

  it("works with strict reverse-path filtering on the pod's node (replies come back over the overlay)", async () => {
    await sh(["sysctl", "-q", "-w", "net.ipv4.conf.all.rp_filter=1"], nodes[0]);
    try {
      expect(await seenBy("sel", outsideIp)).toBe(egressIp);
      expect(await seenBy("other", outsideIp)).toBe("198.18.246.11");
      expect(await seenBy("sel", ip.srv)).toBe(ip.sel);
    } finally {
      await sh(["sysctl", "-q", "-w", "net.ipv4.conf.all.rp_filter=0"], nodes[0]);
    }
  });

  it("re-applying the same plan changes nothing", async () => {
    expect(await program([gateway()])).toEqual([[], [], []]);
  });

  it("a second apply with the same memo only reads: one command per kind, no write", async () => {
    const gateways = [gateway()];
    for (const [i, rec] of records.entries()) {
      const plan = planEgress({ nodeName: rec.name, gateways, nodes: egressNodes, pods: podData(), namespaces: [{ name: "app", labels: {} }] });
      const memo: EgressTableMemo = {};
      const options = { programs: plan.programs, nodeIp: rec.internalIp ?? "", mode: "always" as const, clusterCidrs: records.map((r) => r.podCidr ?? ""), memo };
      await applyEgress(runner(i), options);
      const commands: string[] = [];
      const counting = { hostNetns: runner(i).hostNetns, run: (argv: readonly string[], o?: Parameters<ReturnType<typeof createCommandRunner>["run"]>[1]) => { commands.push(argv.slice(0, 3).join(" ")); return runner(i).run(argv, o); } };
      expect(await applyEgress(counting, options)).toEqual([]);
      expect(commands.sort()).toEqual(["ip -j -4", "ip -j -4", "ip -j -4", "nft -j list"]);
    }
  });

  it("destinations limit the steering", async () => {
    await program([gateway({ destinations: ["192.0.2.0/24"] })]);
    expect(await seenBy("sel", outsideIp)).toBe("198.18.246.11");
    await program([gateway({ destinations: ["203.0.113.0/28"] })]);
    expect(await seenBy("sel", outsideIp)).toBe(egressIp);
  });

  it("steers directly to the egress node on one segment in cross-subnet mode", async () => {
    await program([gateway()], "cross-subnet");
    expect(await sh(["ip", "route", "show", "table", "7101"], nodes[0])).toContain("via 198.18.246.12 dev eth0");
    expect(await seenBy("sel", outsideIp)).toBe(egressIp);
    await program([gateway()]);
    expect(await sh(["ip", "route", "show", "table", "7101"], nodes[0])).toContain("dev isthmus.1");
  });

  it("when the egress node is no longer Ready the next eligible one serves with the same egress IP", async () => {
    await program([gateway()]);
    expect(await seenBy("sel", outsideIp)).toBe(egressIp);
    const started = performance.now();
    await program([gateway()], "always", egressNodes.map((n) => (n.name === "n2" ? { ...n, ready: false } : n)));
    expect(await sh(["ip", "-4", "addr", "show", "dev", "eth0"], nodes[1])).not.toContain(egressIp);
    expect(await sh(["ip", "-4", "addr", "show", "dev", "eth0"], nodes[2])).toContain(`${egressIp}/32`);
    expect(await sh(["ip", "route", "show", "table", "7101"], nodes[0])).toContain("via 10.248.3.0 dev isthmus.1");
    expect(await seenBy("sel", outsideIp)).toBe(egressIp);
    console.log(`egress moved to n3: replan, apply and first connection in ${(performance.now() - started).toFixed(0)} ms`);
    await program([gateway()]);
    expect(await sh(["ip", "-4", "addr", "show", "dev", "eth0"], nodes[2])).not.toContain(egressIp);
    expect(await seenBy("sel", outsideIp)).toBe(egressIp);
  });

  it("when the egress node dies the standby announces the egress IP, so the router forgets the dead node at once", async () => {
    await program([gateway()]);
    expect(await seenBy("sel", outsideIp)).toBe(egressIp);
    // The router knows the egress IP at n2's MAC (as after any traffic through n2); n2 now loses both its links.
    const n2Mac = (JSON.parse(await sh(["ip", "-j", "link", "show", "dev", "eth0"], nodes[1])) as { address: string }[])[0]?.address ?? "";
    await sh(["ip", "neigh", "replace", egressIp, "lladdr", n2Mac, "dev", "br0", "nud", "reachable"], lan);
    await sh(["ip", "link", "set", "eth0", "down"], nodes[1]);
    await sh(["ip", "link", "set", "wan0", "down"], nodes[1]);
    try {
      const started = performance.now();
      await program([gateway()], "always", egressNodes.map((n) => (n.name === "n2" ? { ...n, ready: false } : n)));
      const n3Mac = (JSON.parse(await sh(["ip", "-j", "link", "show", "dev", "eth0"], nodes[2])) as { address: string }[])[0]?.address;
      await waitFor("the router to learn the egress IP at n3", async () => (await sh(["ip", "neigh", "show", egressIp], lan)).includes(`lladdr ${n3Mac ?? "?"}`), 3_000);
      const seen = await sh(["socat", "-T", "3", "-u", `TCP:${outsideIp}:8080,connect-timeout=3`, "-"], pods.sel);
      expect(seen.trim()).toBe(egressIp);
      console.log(`egress moved off a dead n2: replan, apply and first connection in ${(performance.now() - started).toFixed(0)} ms`);
    } finally {
      await sh(["ip", "link", "set", "eth0", "up"], nodes[1]);
      await sh(["ip", "link", "set", "wan0", "up"], nodes[1]);
      await sh(["ip", "route", "replace", "default", "via", "198.18.246.1"], nodes[1]);
    }
    await program([gateway()]);
    expect(await seenBy("sel", outsideIp)).toBe(egressIp);
  });

  it("a node that lost the egress IP to another node's announcement stops answering ARP for it with no agent to tell it; announcing it again undoes that", async () => {
    await program([gateway()]);
    const mac = async (i: number): Promise<string> => (JSON.parse(await sh(["ip", "-j", "link", "show", "dev", "eth0"], nodes[i])) as { address: string }[])[0]?.address ?? "?";
    const [n2Mac, n3Mac] = [await mac(1), await mac(2)];
    /** The MACs that answer the router's broadcast requests for the egress IP within a second. */
    const answering = async (): Promise<string[]> => {
      const out = await sh(["arping", "-b", "-w", "1", "-I", "br0", egressIp], lan).catch((err: unknown) => String(err));
      return [...new Set([...out.matchAll(/\[([0-9a-f:]{17})\]/gi)].map((m) => (m[1] ?? "").toLowerCase()))].sort();
    };
    expect(await answering()).toEqual([n2Mac]);
    // n3 takes the address over as a standby does when it finds n2 dead, while n2's kernel keeps
    // it, as after its agent was killed: nothing runs on n2 from here on.
    const n3Plan = planEgress({ nodeName: "n3", gateways: [gateway()], nodes: egressNodes, pods: podData(), namespaces: [{ name: "app", labels: {} }], unreachable: ["n2"] });
    await applyEgress(runner(2), { programs: n3Plan.programs, nodeIp: "198.18.246.13", mode: "always", clusterCidrs: records.map((r) => r.podCidr ?? "") });
    expect(await sh(["ip", "-4", "addr", "show", "dev", "eth0"], nodes[1])).toContain(`${egressIp}/32`);
    await waitFor("n2's kernel to record that n3 announced the address", async () => (await sh(["nft", "list", "set", "arp", egressTable, "taken"], nodes[1])).includes(egressIp), 5_000);
    // Both hold it; only n3 answers (before the guard both did, and the router took the first).
    expect(await answering()).toEqual([n3Mac]);
    // A write on n2 that announces nothing (a fresh agent's first check) keeps the claim.
    const n2Plan = planEgress({ nodeName: "n2", gateways: [gateway()], nodes: egressNodes, pods: podData(), namespaces: [{ name: "app", labels: {} }] });
    const n2Apply = { programs: n2Plan.programs, nodeIp: "198.18.246.12", mode: "always" as const, clusterCidrs: records.map((r) => r.podCidr ?? "") };
    await applyEgress(runner(1), n2Apply);
    expect(await answering()).toEqual([n3Mac]);
    // n2 announces it again (its agent back, or a release from n3): the claim is cleared first and n2 answers again.
    await applyEgress(runner(1), { ...n2Apply, reannounce: [egressIp] });
    await waitFor("the router at n2's MAC again", async () => (await sh(["ip", "neigh", "show", egressIp], lan)).includes(`lladdr ${n2Mac}`), 5_000);
    await program([gateway()]);
    expect(await answering()).toEqual([n2Mac]);
    expect(await seenBy("sel", outsideIp)).toBe(egressIp);
  });

  it("the node's own address as egress IP adds no address", async () => {
    await program([gateway({ egressIP: "198.18.246.12" })]);
    expect(await traces(1)).toEqual([`table ip ${egressTable}`]);
    expect(await seenBy("sel", outsideIp)).toBe("198.18.246.12");
  });

  it("an address the egress node already holds is used but never recorded, so never removed", async () => {
    await sh(["ip", "addr", "add", "198.18.246.60/24", "dev", "eth0"], nodes[1]);
    try {
      await program([gateway({ egressIP: "198.18.246.60/24" })]);
      expect(await seenBy("sel", outsideIp)).toBe("198.18.246.60");
      expect(await sh(["nft", "list", "set", "ip", egressTable, "addresses"], nodes[1])).not.toContain("198.18.246.60");
      await program([]);
      expect(await sh(["ip", "-4", "addr", "show", "dev", "eth0"], nodes[1])).toContain("198.18.246.60/24");
    } finally {
      await sh(["ip", "addr", "del", "198.18.246.60/24", "dev", "eth0"], nodes[1]);
    }
  });

  it("the multi-homed egress node SNATs what leaves through its WAN interface, not its LAN one", async () => {
    await program([gateway()]);
    expect(await sh(["ip", "route", "get", outsideIp], nodes[1])).toContain("dev wan0");
    expect(await seenBy("sel", outsideIp)).toBe(egressIp);
    expect(await sh(["ip", "route", "get", outsideIp], nodes[2])).toContain("dev eth0");
  });

  it("an egress IP no node can hold programs nothing: the pod leaves through its node, not into a black hole", async () => {
    await program([gateway({ egressIP: "192.0.2.50/24" })]);
    for (const i of nodes.keys()) expect(await traces(i)).toEqual([]);
    expect(await seenBy("sel", outsideIp)).toBe("198.18.246.11");
  });

  it("the agents put back what was removed behind their back at their next check (address, SNAT, table, rule, route)", async () => {
    await program([gateway()]);
    const logger = createLogger({ level: "silent" });
    const agents = [0, 1].map((i) => createEgressAgent({
      nodeName: `n${String(i + 1)}`,
      runner: runner(i),
      logger,
      recheckMs: 300,
      source: { snapshot: (nodeName) => ({ nodeName, gateways: [gateway()], nodes: egressNodes, pods: podData(), namespaces: [{ name: "app", labels: {} }] }), writeStatus: () => Promise.resolve(false) },
    }));
    for (const a of agents) await a.start();
    try {
      const [n1, n2] = [nodes[0] ?? "", nodes[1] ?? ""];
      const repaired = async (what: string, ns: string, argv: string[], want: string): Promise<void> => {
        await waitFor(`${what} to be back`, async () => (await sh(argv, ns).catch(() => "")).includes(want), 10_000);
      };
      await sh(["ip", "addr", "del", `${egressIp}/32`, "dev", "eth0"], n2);
      await repaired("the egress address", n2, ["ip", "-4", "addr", "show", "dev", "eth0"], `${egressIp}/32`);
      const snat = (await sh(["nft", "-a", "list", "chain", "ip", egressTable, "nat"], n2)).split("\n").find((l) => l.includes(`snat to ${egressIp}`));
      await sh(["nft", "delete", "rule", "ip", egressTable, "nat", "handle", snat?.split("# handle ")[1]?.trim() ?? "?"], n2);
      await repaired("the SNAT rule", n2, ["nft", "list", "chain", "ip", egressTable, "nat"], `snat to ${egressIp}`);
      // The whole table, and with it the record that the address is ours: the agent still knows.
      await sh(["nft", "delete", "table", "ip", egressTable], n2);
      await repaired("the table with the address recorded", n2, ["nft", "list", "set", "ip", egressTable, "addresses"], egressIp);
      await sh(["ip", "rule", "del", "priority", "1041"], n1);
      await repaired("the steering rule", n1, ["ip", "rule", "show"], "1041:");
      await sh(["ip", "route", "flush", "table", "7101"], n1);
      await repaired("the steering route", n1, ["ip", "route", "show", "table", "7101"], "default via");
      expect(await seenBy("sel", outsideIp)).toBe(egressIp);
    } finally {
      for (const a of agents) await a.stop();
    }
  });

  it("distribution hash: two pods on one node leave through two egress nodes, each seen with that node's address; a dead one moves only its pod", async () => {
    const targets = egressNodes.filter((n) => n.name !== "n1");
    // A resource name under which the two pods hash to different nodes (the hash includes it).
    const name = ["spread", "spread-a", "spread-b", "spread-c", "spread-d", "spread-e"].find((n) => hashNode(n, ip.sel, targets).name !== hashNode(n, ip.other, targets).name) ?? "none";
    const spread: EgressGatewayData = { name, createdAt: "2026-12-06T00:00:00Z", spec: { nodeSelector: { matchLabels: { "isthmus.io/egress": "true" } }, distribution: "hash" } };
    const expected = { sel: hashNode(name, ip.sel, targets), other: hashNode(name, ip.other, targets) };
    await program([spread]);
    expect(await seenBy("sel", outsideIp)).toBe(expected.sel.internalIp);
    expect(await seenBy("other", outsideIp)).toBe(expected.other.internalIp);
    expect(expected.sel.internalIp).not.toBe(expected.other.internalIp);
    // The node serving `other` is no longer Ready: its pod moves to the node serving `sel`, which keeps its own.
    await program([spread], "always", egressNodes.map((n) => (n.name === expected.other.name ? { ...n, ready: false } : n)));
    expect(await seenBy("other", outsideIp)).toBe(expected.sel.internalIp);
    expect(await seenBy("sel", outsideIp)).toBe(expected.sel.internalIp);
    await program([]);
    for (const i of nodes.keys()) expect(await traces(i)).toEqual([]);
  });

  it("removing the resource leaves no rule, route, address or table behind", async () => {
    await program([gateway()]);
    expect(await seenBy("sel", outsideIp)).toBe(egressIp);
    expect((await traces(0)).length).toBeGreaterThan(0);
    await program([]);
    for (const i of nodes.keys()) expect(await traces(i)).toEqual([]);
    expect(await seenBy("sel", outsideIp)).toBe("198.18.246.11");
  });
});
