import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@isthmus/core/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeRecord } from "../agent/agent.js";
import { deleteNat } from "../agent/nat.js";
import { deleteLocalDevices } from "../agent/overlay.js";
import { createCommandRunner } from "../datapath/exec.js";
import { addNetns, connectNodesToLan, deleteNetns, netnsPath, requireRoot, sh, testNetnsName, waitFor } from "../testing/netns.js";
import { nodeLab } from "../testing/node-lab.js";
import { createPolicyAgent, type PolicyAgent } from "./agent.js";
import { deletePolicyTable } from "./apply.js";
import type { PolicySource } from "./kube.js";
import type { NetworkPolicyData, PodData, PolicyInput } from "./types.js";

requireRoot();

// Two node namespaces on one LAN; on n1 pods x/a, x/b (same bridge) and y/c, on n2 pod y/d.
// Every pod serves TCP 80, TCP 81 and UDP 53 (answering "ok"); probes are new connections. The UDP
// server reads the datagram before answering: with `EXEC:echo ok`, socat's child wrote the datagram
// into an echo that had often exited already, died of EPIPE before sending "ok", and a loaded
// machine made that race likely (a CI failure).
const lan = testNetnsName("plan");
const nodes = [testNetnsName("p1"), testNetnsName("p2")];
const podNames = ["x/a", "x/b", "y/c", "y/d"] as const;
type PodName = (typeof podNames)[number];
const podNs = Object.fromEntries(podNames.map((p) => [p, testNetnsName(`pod${p.replace("/", "")}`)])) as Record<PodName, string>;
const podNode: Record<PodName, number> = { "x/a": 0, "x/b": 0, "y/c": 0, "y/d": 1 };
const records: NodeRecord[] = [
  { name: "n1", podCidr: "10.247.1.0/24", internalIp: "198.18.246.11" },
  { name: "n2", podCidr: "10.247.2.0/24", internalIp: "198.18.246.12" },
];
const ip = {} as Record<PodName, string>;
const servers: ChildProcess[] = [];
let work = "";
const lab = nodeLab({ work: () => work, nodes, records });
const n1 = createCommandRunner({ hostNetns: netnsPath(nodes[0] ?? "") });

/** A source the test edits: complete (synced) unless `synced` is false. */
const source = { synced: true, policies: [] as NetworkPolicyData[] };
const fakeSource: PolicySource = {
  snapshot: (nodeName): PolicyInput | undefined => {
    if (!source.synced) return undefined;
    const pods: PodData[] = podNames.map((p) => {
      const [namespace = "", name = ""] = p.split("/");
      return { namespace, name, ip: ip[p], nodeName: `n${String(podNode[p] + 1)}`, labels: { pod: name }, ports: [{ name: "http", port: 80 }] };
    });
    return { nodeName, pods, namespaces: [{ name: "x", labels: { ns: "x" } }, { name: "y", labels: { ns: "y" } }], policies: source.policies };
  },
};
const newAgent = (): PolicyAgent => createPolicyAgent({ nodeName: "n1", runner: n1, source: fakeSource, logger: createLogger({ level: "silent" }) });

async function tcp(from: PodName, to: PodName, port = 80): Promise<boolean> {
  const dst = ip[to];
  try {
    return (await sh(["socat", "-T", "2", "-u", `TCP:${dst}:${String(port)},connect-timeout=2`, "-"], podNs[from])).includes("ok");
  } catch {
    return false;
  }
}

/** One datagram; the answer is waited for up to 2 s after sending (socat's -t; its default 0.5 s is too short on a busy machine). */
async function udp(from: PodName, to: PodName, port = 53): Promise<boolean> {
  return (await sh(["sh", "-c", `echo x | socat -T 2 -t 2 - UDP:${ip[to]}:${String(port)}`], podNs[from])).includes("ok");
}

/** Probes many flows at once (denied ones cost their full timeout). */
async function probe(flows: Record<string, () => Promise<boolean>>): Promise<Record<string, boolean>> {
  const entries = await Promise.all(Object.entries(flows).map(async ([k, f]) => [k, await f()] as const));
  return Object.fromEntries(entries);
}

/**
 * Probes `flows` and expects `want`. A flow expected open but found closed is probed again (up
 * to 3 rounds: on a busy 2-core machine a reply can miss its 2 s); a flow expected closed but
 * found open fails at once.
 */
async function expectFlows(flows: Record<string, () => Promise<boolean>>, want: Record<string, boolean>): Promise<void> {
  let got = await probe(flows);
  for (let round = 2; round <= 3; round++) {
    const missing = Object.keys(want).filter((k) => want[k] === true && got[k] === false);
    if (missing.length === 0 || Object.keys(want).some((k) => want[k] === false && got[k] === true)) break;
    got = { ...got, ...(await probe(Object.fromEntries(missing.flatMap((k) => (flows[k] === undefined ? [] : [[k, flows[k]]]))))) };
  }
  expect(got).toEqual(want);
}

const deny = (namespace: string, types: string[]): NetworkPolicyData => ({ namespace, name: `deny-${types.join("-").toLowerCase()}`, spec: { podSelector: {}, policyTypes: types } });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "isthmus-test-cni-policy-"));
  for (const ns of [lan, ...nodes, ...Object.values(podNs)]) await addNetns(ns);
  await connectNodesToLan(lan, nodes, { subnet: "198.18.246" });
  await lab.agent(0).reconcile();
  await lab.agent(1).reconcile();
  for (const p of podNames) {
    ip[p] = await lab.addPod(podNode[p], podNs[p]);
    for (const argv of [["TCP-LISTEN:80,fork,reuseaddr", "EXEC:echo ok"], ["TCP-LISTEN:81,fork,reuseaddr", "EXEC:echo ok"], ["UDP-RECVFROM:53,fork", "SYSTEM:read line; echo ok"]]) {
      servers.push(spawn("ip", ["netns", "exec", podNs[p], "socat", ...argv], { stdio: "ignore" }));
    }
    await waitFor(`servers of ${p}`, async () => {
      const out = await sh(["ss", "-ltnu"], podNs[p]);
      return out.includes(":80 ") && out.includes(":81 ") && out.includes(":53 ");
    });
  }
  // Start from br_netfilter off in n1: the agent must turn it on for same-node filtering.
  await sh(["sysctl", "-q", "-w", "net.bridge.bridge-nf-call-iptables=0"], nodes[0]);
});

afterAll(async () => {
  for (const s of servers) s.kill();
  await deletePolicyTable(n1);
  await deleteNat(n1);
  await deleteLocalDevices(n1);
  await deleteNetns(...Object.values(podNs), ...nodes, lan);
  await rm(work, { recursive: true, force: true });
});

describe("network policy on a node with pods (real packets)", () => {
  it("isolates nothing without policies, and turns br_netfilter on", async () => {
    expect(await newAgent().reconcile()).toBe("applied");
    expect((await sh(["sysctl", "-n", "net.bridge.bridge-nf-call-iptables"], nodes[0])).trim()).toBe("1");
    await expectFlows({ ab: () => tcp("x/a", "x/b"), ca: () => tcp("y/c", "x/a"), da: () => tcp("y/d", "x/a"), ad: () => tcp("x/a", "y/d"), udp: () => udp("y/d", "x/a") }, { ab: true, ca: true, da: true, ad: true, udp: true });
  });

  it("deny-all ingress in x drops traffic to x from its own node's pods (bridged) and from another node's (routed), not x's own connections or its node's", async () => {
    source.policies = [deny("x", ["Ingress"])];
    const agent = newAgent();
    expect(await agent.reconcile()).toBe("applied");
    await expectFlows({ ba: () => tcp("x/b", "x/a"), ca: () => tcp("y/c", "x/a"), da: () => tcp("y/d", "x/a"), udp: () => udp("y/d", "x/b"), ad: () => tcp("x/a", "y/d"), ac: () => tcp("x/a", "y/c"), dc: () => tcp("y/d", "y/c") }, { ba: false, ca: false, da: false, udp: false, ad: true, ac: true, dc: true });
    // The pod's own node reaches it (kubelet probes); another node does not.
    await sh(["ping", "-c", "1", "-W", "2", ip["x/a"]], nodes[0]);
    await expect(sh(["ping", "-c", "1", "-W", "1", ip["x/a"]], nodes[1])).rejects.toThrow();
    const drops = await agent.drops();
    expect(drops).toEqual([expect.objectContaining({ namespace: "x", policy: "deny-ingress", direction: "ingress" })]);
    expect(drops[0]?.packets).toBeGreaterThanOrEqual(5);
  });

  it("sees bridged same-node traffic only through br_netfilter (why the agent turns it on)", async () => {
    await sh(["sysctl", "-q", "-w", "net.bridge.bridge-nf-call-iptables=0"], nodes[0]);
    try {
      // Pods of one node share a subnet: x/b and y/c to x/a are both bridged; y/d on n2 is routed.
      await expectFlows({ ba: () => tcp("x/b", "x/a"), ca: () => tcp("y/c", "x/a"), da: () => tcp("y/d", "x/a") }, { ba: true, ca: true, da: false });
    } finally {
      await sh(["sysctl", "-q", "-w", "net.bridge.bridge-nf-call-iptables=1"], nodes[0]);
    }
    await expectFlows({ ba: () => tcp("x/b", "x/a") }, { ba: false });
  });

  it("allows from namespace y on TCP 80 only, named or numbered", async () => {
    source.policies = [
      deny("x", ["Ingress"]),
      { namespace: "x", name: "from-y-http", spec: { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "y" } } }], ports: [{ port: "http" }] }] } },
    ];
    expect(await newAgent().reconcile()).toBe("applied");
    await expectFlows({ ca80: () => tcp("y/c", "x/a", 80), da80: () => tcp("y/d", "x/a", 80), da81: () => tcp("y/d", "x/a", 81), dudp: () => udp("y/d", "x/a"), ba80: () => tcp("x/b", "x/a", 80), cb80: () => tcp("y/c", "x/b", 80) }, { ca80: true, da80: true, da81: false, dudp: false, ba80: false, cb80: false });
  });

  it("egress: x may only send DNS (UDP 53) and replies come back", async () => {
    source.policies = [{ namespace: "x", name: "dns-only", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ protocol: "UDP", port: 53 }] }] } }];
    expect(await newAgent().reconcile()).toBe("applied");
    await expectFlows({ udpD: () => udp("x/a", "y/d"), udpB: () => udp("x/a", "x/b"), tcpD: () => tcp("x/a", "y/d"), tcpB: () => tcp("x/b", "x/a"), inbound: () => tcp("y/d", "x/a") }, { udpD: true, udpB: true, tcpD: false, tcpB: false, inbound: true });
  });

  it("replaces the ruleset atomically: under 20 replacements a denied stream never gets one packet through and an allowed ping loses none", async () => {
    const allowC: NetworkPolicyData = { namespace: "x", name: "from-c", spec: { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "y" } }, podSelector: { matchLabels: { pod: "c" } } }] }] } };
    source.policies = [deny("x", ["Ingress"]), allowC];
    const agent = newAgent();
    await agent.reconcile();
    // x/a writes whatever arrives on UDP 5300 to a file; x/b (denied) streams to it throughout.
    const log = join(work, "udp-5300.bin");
    const receiver = spawn("ip", ["netns", "exec", podNs["x/a"], "socat", "-u", "UDP-RECV:5300", `OPEN:${log},creat,append`], { stdio: "ignore" });
    const receiverDone = new Promise<void>((resolve) => receiver.on("close", () => { resolve(); }));
    await waitFor("UDP receiver", async () => (await sh(["ss", "-lun"], podNs["x/a"])).includes(":5300"));
    const sender = spawn("ip", ["netns", "exec", podNs["x/b"], "sh", "-c", `for i in $(seq 1 3000); do echo deny-me; sleep 0.005; done | socat -u - UDP:${ip["x/a"]}:5300`], { stdio: "ignore" });
    const senderDone = new Promise<void>((resolve) => sender.on("close", () => { resolve(); }));
    const dropsBefore = (await agent.drops()).find((d) => d.policy === "deny-ingress")?.packets ?? 0;
    await waitFor("the denied stream to be dropped", async () => ((await agent.drops()).find((d) => d.policy === "deny-ingress")?.packets ?? 0) > dropsBefore + 10);
    const ping = sh(["ping", "-q", "-c", "60", "-i", "0.02", "-W", "1", ip["x/a"]], podNs["y/c"]);
    for (let i = 0; i < 20; i++) {
      // Alternate between two rulesets that both deny x/b and allow y/c.
      source.policies = i % 2 === 0 ? [deny("x", ["Ingress"]), allowC, { namespace: "x", name: `extra-${String(i)}`, spec: { podSelector: { matchLabels: { pod: "b" } }, ingress: [{ from: [{ ipBlock: { cidr: "192.0.2.0/24" } }] }] } }] : [deny("x", ["Ingress"]), allowC];
      expect(await agent.reconcile()).toBe("applied");
    }
    const summary = await ping;
    expect(summary).toMatch(/60 packets transmitted, 60 received/);
    sender.kill();
    receiver.kill();
    await Promise.all([senderDone, receiverDone]);
    expect((await readFile(log).catch(() => Buffer.alloc(0))).length).toBe(0);
    // The per-policy drop counter survived the 20 replacements and counted the stream.
    const drops = await agent.drops();
    expect(drops.find((d) => d.policy === "deny-ingress")?.packets).toBeGreaterThan(dropsBefore + 10);
  });

  it("a restarted agent keeps the last table in force until its caches are complete, then replaces it", async () => {
    source.synced = false;
    const restarted = newAgent();
    expect(await restarted.reconcile()).toBe("waiting-for-caches");
    await expectFlows({ ba: () => tcp("x/b", "x/a"), ca: () => tcp("y/c", "x/a") }, { ba: false, ca: true });
    source.synced = true;
    source.policies = [];
    expect(await restarted.reconcile()).toBe("applied");
    expect(await restarted.reconcile()).toBe("unchanged");
    await expectFlows({ ba: () => tcp("x/b", "x/a") }, { ba: true });
    // No policy left: no counters, no drop chains.
    const table = await sh(["nft", "list", "table", "inet", "isthmus-policy"], nodes[0]);
    expect(table).not.toMatch(/counter |chain drop_/);
  });
});
