/**
 * NetworkPolicy while isthmus-node is killed (shared lab, c1): x admits only namespace z; y/a
 * (same node as x/a, bridged) and y/b (other node, routed) probe x/a on TCP 8080 every ~0.3 s,
 * z/a probes it too, while the policies change three times and the agent on c1-n1 (which
 * enforces x/a) is SIGKILLed twice. No probe of y may ever get through; z's probes must work
 * again at the end. Only c1-n1's agent is killed: its restart keeps the node's network and
 * policy table in place (ADRs 0400, 0406), so the suites sharing the lab see at most a CNI ADD
 * answered "try again later" for a moment.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labExecArgv, findNode, nodePaths, requireLab } from "@isthmus/lab";
import { labKubectl, runCommand, waitFor } from "@isthmus/lab/testing";
import { cluster, counterName, createTopology, deleteTopology, namespaces, nodes, nsName, podIps, pods, port, waitForCounters } from "./fixture.js";

const node = "c1-n1";
let xa = "";

interface AgentPod {
  readonly pid: number;
  readonly restarts: number;
  readonly ready: boolean;
}

async function agentOn(name: string): Promise<AgentPod> {
  const list = JSON.parse(await labKubectl(cluster, ["-n", "isthmus-system", "get", "pods", "-l", "app.kubernetes.io/name=isthmus-node", "--field-selector", `spec.nodeName=${name}`, "-o", "json"])) as { items: { metadata: { name: string }; status: { containerStatuses?: { restartCount: number; ready: boolean }[] } }[] };
  const pod = list.items.find((p) => (p.metadata as { deletionTimestamp?: unknown }).deletionTimestamp === undefined);
  if (pod === undefined) throw new Error(`no isthmus-node pod on ${name}`);
  const { plan } = await requireLab();
  const record = JSON.parse(await readFile(join(nodePaths(plan, findNode(plan, cluster, name)).kubeletDir, "pods", `isthmus-system_${pod.metadata.name}`, "pod.json"), "utf8")) as { pid: number };
  const status = pod.status.containerStatuses?.[0];
  return { pid: record.pid, restarts: status?.restartCount ?? 0, ready: status?.ready === true };
}

/** SIGKILLs the agent on c1-n1 and returns a wait for its restart. */
async function killAgent(): Promise<() => Promise<void>> {
  const before = await agentOn(node);
  process.kill(before.pid, "SIGKILL");
  return async () => {
    await waitFor(`isthmus-node on ${node} to be restarted and Ready`, async () => {
      const now = await agentOn(node);
      return now.restarts > before.restarts && now.ready ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 });
  };
}

/** Starts `count` TCP probes (one every ~0.3 s, each waiting up to `connectTimeout` s) from a pod to x/a; `done` has "1"/"0" per probe. */
async function probeLoop(from: string, count: number, connectTimeout = 0.5): Promise<{ readonly done: Promise<string[]> }> {
  const argv = await labExecArgv(`${cluster}/${nsName(from[0] ?? "")}/${from[1] ?? ""}`);
  const script = `for i in $(seq 1 ${String(count)}); do if timeout 2 socat -T 1 /dev/null "TCP:${xa}:${String(port)},connect-timeout=${String(connectTimeout)}" 2>/dev/null; then echo 1; else echo 0; fi; sleep 0.3; done`;
  return { done: runCommand([...argv, "sh", "-c", script], { timeoutMs: count * 3_000 }).then((r) => r.stdout.trim().split("\n")) };
}

const policy = (name: string, spec: Record<string, unknown>): object => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace: nsName("x") }, spec });
const denyIn = policy("deny-in", { podSelector: {}, policyTypes: ["Ingress"] });
const fromZ = policy("from-z", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "z" } } }] }] });
const fromX = policy("from-x", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "x" } } }] }] });
const fromZTcp = policy("from-z-tcp", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "z" } } }], ports: [{ protocol: "TCP", port }] }] });
const list = (...items: object[]): string => JSON.stringify({ apiVersion: "v1", kind: "List", items });
/** Every policy here selects all of x, whose pods run on both nodes. */
const counters = (...names: string[]): Map<string, Set<string>> => {
  const set = new Set(names.map((n) => counterName(nsName("x"), n, "ingress")));
  return new Map(nodes.map((n) => [n, set]));
};

describe("NetworkPolicy while isthmus-node is killed (c1)", () => {
  beforeAll(async () => {
    await createTopology();
    xa = (await podIps())[pods.indexOf("xa")] ?? "";
    for (const ns of namespaces) await labKubectl(cluster, ["-n", nsName(ns), "delete", "networkpolicy", "--all", "--wait=true"]);
    await labKubectl(cluster, ["apply", "-f", "-"], { input: list(denyIn, fromZ) });
    await waitForCounters(counters("deny-in", "from-z"), "deny-in and from-z");
    // A fresh agent pod on c1-n1: the lab kubelet's crash back-off grows with every kill
    // (10 s, 20 s, 40 s, …) and is forgotten only after 10 minutes of running.
    await labKubectl(cluster, ["-n", "isthmus-system", "delete", "pod", "-l", "app.kubernetes.io/name=isthmus-node", "--field-selector", `spec.nodeName=${node}`, "--wait=true"]);
    await waitFor(`a new isthmus-node pod on ${node} to be Ready`, async () => ((await agentOn(node)).ready ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 });
  });

  afterAll(async () => {
    await deleteTopology();
  });

  it("lets no denied probe through while policies change and the agent is killed twice; allowed probes recover", async () => {
    // A denied probe takes ~0.8 s (0.5 s timeout + 0.3 s pause): 100 of them span the changes below.
    const count = 100;
    const probes = { ya: await probeLoop("ya", count), yb: await probeLoop("yb", count), za: await probeLoop("za", count) };
    // Change 1 while the agent is dead: x also admits x (y still denied).
    const restarted1 = await killAgent();
    await labKubectl(cluster, ["apply", "-f", "-"], { input: list(fromX) });
    await restarted1();
    await waitForCounters(counters("deny-in", "from-z", "from-x"), "from-x after the restart");
    // Change 2 and a second kill: from-x goes, from-z becomes TCP-only.
    await labKubectl(cluster, ["-n", nsName("x"), "delete", "networkpolicy", "from-x"]);
    const restarted2 = await killAgent();
    await labKubectl(cluster, ["apply", "-f", "-"], { input: list(fromZTcp) });
    await labKubectl(cluster, ["-n", nsName("x"), "delete", "networkpolicy", "from-z"]);
    await restarted2();
    await waitForCounters(counters("deny-in", "from-z-tcp"), "from-z-tcp after the second restart");
    const after = await (await probeLoop("za", 3, 2)).done;
    const [ya, yb, za] = await Promise.all([probes.ya.done, probes.yb.done, probes.za.done]);
    expect(ya).toHaveLength(count);
    expect(yb).toHaveLength(count);
    expect(ya.filter((r) => r === "1")).toEqual([]);
    expect(yb.filter((r) => r === "1")).toEqual([]);
    expect(za).toHaveLength(count);
    expect(za.filter((r) => r === "1").length).toBeGreaterThan(count / 2);
    expect(after).toEqual(["1", "1", "1"]);
  }, 300_000);
});
