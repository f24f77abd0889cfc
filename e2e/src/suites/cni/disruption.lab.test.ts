/**
 * isthmus-node under disruption, on a lab of its own (one cluster of three nodes, names, state and
 * host ports apart from the shared lab), because deleting a Node or killing agents there would
 * disturb the suites that share the default lab:
 * - the agents of two nodes are SIGKILLed under a 50 ms ping across those nodes: nothing is lost,
 *   no route on the overlay is deleted while they are gone and come back, pods created meanwhile
 *   start once the agent is back, and no address is handed out twice;
 * - a Node deleted from the API loses its neighbour, FDB and route entries on the other nodes;
 *   when its kubelet registers it again, they come back;
 * - the DaemonSet switched to `--vxlan-mode cross-subnet` (the lab's nodes share one LAN) under a
 *   50 ms ping: nothing is lost, no route is deleted, every node reaches the others by direct
 *   routes with no VXLAN entry left, new pods get the LAN's MTU (old ones keep theirs) and talk
 *   across nodes unencapsulated with their own addresses at full size, and a deleted Node's
 *   direct route goes and comes back.
 * The lab lives beside the default lab (ISTHMUS_LAB_* move both): state dir + "n", prefix + "n-",
 * port base + 15. It is taken down at the end and must leave nothing behind (everything the agent made lives
 * in the nodes' namespaces and directories).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EchoReply, podAddressDir, readPid, runCommand, waitFor } from "@isthmus/lab/testing";
import { defaultLabPrefix, defaultLabStateDir, defaultLocalPortBase, findLeftovers, findNode, labDown, labExecArgv, type LabOptions, labUp, nodePaths, planLab } from "@isthmus/lab";
import { createPods, labHandle, nodeInfo, parsePingSummary, readOverlay, workloadsMain } from "./fixture.js";

const location = { stateDir: `${defaultLabStateDir}n`, namePrefix: `${defaultLabPrefix.replace(/-$/, "")}n-` };
const options: LabOptions = { clusters: 1, nodesPerCluster: 3, ...location, localPortBase: defaultLocalPortBase + 15 };
const plan = planLab(options);
const lab = labHandle(location);
const where = { cluster: "c1", namespace: "cni-disrupt" } as const;
const [n1, n2, n3] = ["c1-n1", "c1-n2", "c1-n3"];

interface PodList {
  items: { metadata: { name: string; namespace: string }; spec: { nodeName?: string }; status: { podIP?: string; containerStatuses?: { restartCount: number; ready: boolean }[] } }[];
}

async function agentPod(node: string): Promise<{ name: string; pid: number; restarts: number; ready: boolean }> {
  const list = JSON.parse(await lab.kubectl("c1", ["-n", "isthmus-system", "get", "pods", "-l", "app.kubernetes.io/name=isthmus-node", "--field-selector", `spec.nodeName=${node}`, "-o", "json"])) as PodList;
  const pod = list.items[0];
  if (pod === undefined) throw new Error(`no isthmus-node pod on ${node}`);
  const record = JSON.parse(await readFile(join(nodePaths(plan, findNode(plan, "c1", node)).kubeletDir, "pods", `isthmus-system_${pod.metadata.name}`, "pod.json"), "utf8")) as { pid: number };
  const status = pod.status.containerStatuses?.[0];
  return { name: pod.metadata.name, pid: record.pid, restarts: status?.restartCount ?? 0, ready: status?.ready === true };
}

/** Starts a bounded command in a lab target; `done` settles when it exits. */
async function startIn(target: string, argv: readonly string[], timeoutMs: number): Promise<{ done: Promise<{ code: number; stdout: string }> }> {
  const prefix = await labExecArgv(target, location);
  return { done: runCommand([...prefix, ...argv], { timeoutMs, allowFailure: true }) };
}

/** The entries that point at a node: its podCIDR route (VXLAN or direct), its neighbour and its FDB entry. */
async function entriesFor(observer: string, peer: { podCidr: string; internalIp: string }): Promise<string[]> {
  const state = await readOverlay(lab, `c1/${observer}`);
  const network = peer.podCidr.split("/")[0] ?? "";
  return [
    ...(state.routes.has(peer.podCidr) ? [`route ${peer.podCidr}`] : []),
    ...(state.directRoutes.get(peer.podCidr) === peer.internalIp ? [`direct ${peer.podCidr} via ${peer.internalIp}`] : []),
    ...(state.neighbours.has(network) ? [`neigh ${network}`] : []),
    ...[...state.fdb].filter(([, dst]) => dst === peer.internalIp).map(([mac]) => `fdb ${mac}`),
  ];
}

describe("isthmus-node under disruption (a lab of its own: 1 cluster x 3 nodes)", () => {
  beforeAll(async () => {
    await labUp(options);
    await createPods(lab, where, [
      { name: "target", node: n1, kind: "echo" },
      { name: "pinger", node: n2, kind: "client" },
    ]);
  });

  afterAll(async () => {
    await labDown(location);
    expect(await findLeftovers(plan)).toEqual({ namespaces: [], mounts: [], processes: [], files: [] });
  });

  it("loses no packet of a 50 ms ping across nodes while both agents are killed and restarted, and hands out no address twice", async () => {
    const targetIp = (await lab.kubectl("c1", ["-n", where.namespace, "get", "pod", "target", "-o", "jsonpath={.status.podIP}"])).trim();
    const before = await agentPod(n1);
    const beforeN2 = await agentPod(n2);
    // 500 pings every 50 ms (25 s), bounded by -w; the route monitor on n2 watches for flaps.
    const monitor = await startIn(`c1/${n2}`, ["timeout", "30", "ip", "-o", "monitor", "route", "neigh"], 40_000);
    const ping = await startIn(`c1/${where.namespace}/pinger`, ["ping", "-q", "-i", "0.05", "-c", "500", "-w", "35", "-W", "1", targetIp], 45_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    process.kill(before.pid, "SIGKILL");
    process.kill(beforeN2.pid, "SIGKILL");
    // Pods created while the agents are down: ADD answers "try again later" until they are back.
    await lab.kubectl("c1", ["apply", "-f", "-"], JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [1, 2, 3, 4].map((i) => ({
        apiVersion: "v1", kind: "Pod", metadata: { name: `late-${i}`, namespace: where.namespace },
        spec: { nodeName: i % 2 === 0 ? n2 : n1, terminationGracePeriodSeconds: 2, containers: [{ name: "client", image: "lab/client" }] },
      })),
    }));
    for (const node of [n1, n2]) {
      await waitFor(`the isthmus-node agent on ${node} to be restarted and Ready`, async () => {
        const now = await agentPod(node);
        return now.restarts > 0 && now.ready ? now : undefined;
      }, { timeoutMs: 60_000, intervalMs: 500 });
    }
    await lab.kubectl("c1", ["-n", where.namespace, "wait", "pod/late-1", "pod/late-2", "pod/late-3", "pod/late-4", "--for=condition=Ready", "--timeout=90s"]);
    const summary = parsePingSummary((await ping.done).stdout);
    expect(summary.transmitted).toBe(500);
    expect(summary.received).toBe(500);
    const flaps = (await monitor.done).stdout.split("\n").filter((l) => l.startsWith("Deleted") && l.includes("isthmus.1"));
    expect(flaps).toEqual([]);

    const pods = JSON.parse(await lab.kubectl("c1", ["get", "pods", "-A", "-o", "json"])) as PodList;
    const podIps = pods.items.filter((p) => p.metadata.namespace === where.namespace).map((p) => ({ ip: p.status.podIP ?? "", node: p.spec.nodeName ?? "" }));
    expect(podIps).toHaveLength(6);
    expect(new Set(podIps.map((p) => p.ip)).size).toBe(6);
    // Each node's IPAM records exactly the addresses of the pods it runs: no double claim, no leak.
    for (const node of [n1, n2]) {
      const dir = podAddressDir(plan, findNode(plan, "c1", node));
      if (dir === undefined) throw new Error("this lab must run isthmus-cni");
      const claimed = (await readdir(dir)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)).sort();
      expect(claimed).toEqual(podIps.filter((p) => p.node === node).map((p) => p.ip).sort());
    }
  });

  it("removes a deleted Node's neighbour, FDB and route entries on the other nodes, and restores them when it registers again", async () => {
    await deleteNodeAndRestore(n3, (peer) => [`route ${peer.podCidr}`, `neigh ${peer.podCidr.split("/")[0] ?? ""}`, `fdb ${vtepMacOf(peer.internalIp)}`]);
  });

  it("switches every agent to --vxlan-mode cross-subnet under a 50 ms ping: no packet lost, no route deleted, direct routes only", async () => {
    const targetIp = (await lab.kubectl("c1", ["-n", where.namespace, "get", "pod", "target", "-o", "jsonpath={.status.podIP}"])).trim();
    const before = await Promise.all([n1, n2, n3].map(agentPod));
    // 1600 pings every 50 ms (80 s on a quiet machine), bounded by -w well beyond that so the
    // count, not the deadline, ends it; the rollout must finish while the ping still runs.
    const monitor = await startIn(`c1/${n2}`, ["timeout", "100", "ip", "-o", "monitor", "route"], 110_000);
    const ping = await startIn(`c1/${where.namespace}/pinger`, ["ping", "-q", "-i", "0.05", "-c", "1600", "-w", "150", "-W", "1", targetIp], 160_000);
    let pingDone = false;
    void ping.done.then(() => (pingDone = true));
    await lab.kubectl("c1", ["-n", "isthmus-system", "patch", "daemonset", "isthmus-node", "--type", "json", "-p", JSON.stringify([{ op: "replace", path: "/spec/template/spec/containers/0/args", value: ["--log-level", "info", "--vxlan-mode", "cross-subnet"] }])]);
    await lab.kubectl("c1", ["-n", "isthmus-system", "rollout", "status", "daemonset/isthmus-node", "--timeout=75s"]);
    const infos = await Promise.all([n1, n2, n3].map((n) => nodeInfo(lab, "c1", n)));
    for (const [i, observer] of [n1, n2, n3].entries()) {
      const peers = infos.filter((_, k) => k !== i);
      await waitFor(`${observer} to reach every other node by a direct route and hold no VXLAN entry`, async () => {
        const state = await readOverlay(lab, `c1/${observer}`);
        const direct = peers.every((p) => state.directRoutes.get(p.podCidr) === p.internalIp);
        return direct && state.routes.size === 0 && state.neighbours.size === 0 && state.fdb.size === 0 ? true : undefined;
      }, { timeoutMs: 20_000, intervalMs: 250, explain: async () => {
        const state = await readOverlay(lab, `c1/${observer}`);
        return JSON.stringify({ vxlanRoutes: [...state.routes], neighbours: [...state.neighbours], fdb: [...state.fdb], directRoutes: [...state.directRoutes] });
      } });
    }
    const after = await Promise.all([n1, n2, n3].map(agentPod));
    expect(after.map((a) => a.name)).not.toContain(before[0]?.name);
    expect(pingDone, "the rollout outlasted the ping; the switch was not measured whole").toBe(false);
    const summary = parsePingSummary((await ping.done).stdout);
    expect(summary.transmitted).toBe(1600);
    expect(summary.received).toBe(1600);
    const deletedRoutes = (await monitor.done).stdout.split("\n").filter((l) => /^Deleted \d+\.\d+\.\d+\.\d+\/\d+ /.test(l));
    expect(deletedRoutes).toEqual([]);
  }, 200_000);

  it("in cross-subnet mode gives new pods the LAN's MTU and carries their traffic across nodes unencapsulated, with their own addresses and full-size DF packets", async () => {
    // Pods created before the switch keep the VXLAN MTU they got at ADD; new pods get the LAN's.
    await createPods(lab, where, [
      { name: "wide-target", node: n1, kind: "echo" },
      { name: "wide-client", node: n2, kind: "client" },
    ]);
    const ipOf = async (pod: string) => (await lab.kubectl("c1", ["-n", where.namespace, "get", "pod", pod, "-o", "jsonpath={.status.podIP}"])).trim();
    const mtuOf = async (pod: string) => Number(/ mtu (\d+) /.exec(await lab.exec(`c1/${where.namespace}/${pod}`, ["ip", "-o", "link", "show", "eth0"]))?.[1]);
    expect(await Promise.all(["wide-target", "wide-client", "target", "pinger"].map(mtuOf))).toEqual([lanMtu, lanMtu, lanMtu - 50, lanMtu - 50]);
    const [targetIp, clientIp, oldTargetIp] = await Promise.all(["wide-target", "wide-client", "target"].map(ipOf));
    const txBefore = await vxlanTxPackets(n2);
    const reply = JSON.parse(await lab.exec(`c1/${where.namespace}/wide-client`, [process.execPath, workloadsMain, "http-get", `http://${targetIp ?? ""}:8080/direct`, "--timeout", "5000"], 45_000)) as EchoReply;
    expect(reply.pod).toBe("wide-target");
    expect(reply.client.slice(0, reply.client.lastIndexOf(":")).replace(/^::ffff:/, "")).toBe(clientIp);
    const fits = parsePingSummary(await lab.exec(`c1/${where.namespace}/wide-client`, ["ping", "-q", "-M", "do", "-s", String(lanMtu - 28), "-c", "3", "-i", "0.2", "-W", "2", targetIp ?? ""]));
    expect(fits).toEqual({ transmitted: 3, received: 3 });
    // A new pod and an old one (MTU 1450) agree on a segment size: 4 KB each way, in full segments.
    const longPath = `/mixed-${"x".repeat(4000)}`;
    const mixed = JSON.parse(await lab.exec(`c1/${where.namespace}/wide-client`, [process.execPath, workloadsMain, "http-get", `http://${oldTargetIp ?? ""}:8080${longPath}`, "--timeout", "5000"], 45_000)) as EchoReply;
    expect({ pod: mixed.pod, path: mixed.path }).toEqual({ pod: "target", path: longPath });
    expect(await vxlanTxPackets(n2)).toBe(txBefore);
  });

  it("in cross-subnet mode removes a deleted Node's direct route on the other nodes, and restores it when it registers again", async () => {
    await deleteNodeAndRestore(n3, (peer) => [`direct ${peer.podCidr} via ${peer.internalIp}`]);
  });
});

/** The lab LAN's MTU: pods get it in mode cross-subnet, and 50 bytes less (VXLAN) in mode always (docs/adr/0405). */
const lanMtu = 1500;

/** The VTEP MAC isthmus-node derives from a node address (0a:15 + the IPv4 bytes). */
function vtepMacOf(ip: string): string {
  return ["0a", "15", ...ip.split(".").map((b) => Number(b).toString(16).padStart(2, "0"))].join(":");
}

/** Packets a node has sent on isthmus.1. */
async function vxlanTxPackets(node: string): Promise<number> {
  const stats = JSON.parse(await lab.exec(`c1/${node}`, ["ip", "-s", "-j", "link", "show", "dev", "isthmus.1"])) as { stats64?: { tx?: { packets?: number } } }[];
  const packets = stats[0]?.stats64?.tx?.packets;
  if (packets === undefined) throw new Error(`no tx counter for isthmus.1 on ${node}`);
  return packets;
}

/**
 * Deletes `node` from the API (its kubelet held with SIGSTOP so it cannot register again at once),
 * waits until the other nodes hold none of its entries, then lets it register again and waits
 * until they hold exactly `expected(peer)` for its new podCIDR.
 */
async function deleteNodeAndRestore(node: string, expected: (peer: { podCidr: string; internalIp: string }) => string[]): Promise<void> {
  const observers = [n1, n2, n3].filter((n) => n !== node);
  const peer = await nodeInfo(lab, "c1", node);
  for (const observer of observers) expect((await entriesFor(observer, peer)).sort()).toEqual(expected(peer).sort());
  const kubeletPid = await readPid(plan, `${node}-kubelet`);
  if (kubeletPid === undefined) throw new Error(`no pid file for ${node}'s kubelet`);
  process.kill(kubeletPid, "SIGSTOP");
  try {
    await lab.kubectl("c1", ["delete", "node", node, "--wait=true", "--timeout=30s"]);
    for (const observer of observers) {
      await waitFor(`${observer} to drop every entry of ${node}`, async () => ((await entriesFor(observer, peer)).length === 0 ? true : undefined), {
        timeoutMs: 10_000,
        intervalMs: 100,
      });
    }
  } finally {
    process.kill(kubeletPid, "SIGCONT");
  }
  // The controller-manager may hand the new Node object another podCIDR: follow whatever it has.
  const restored = await waitFor(`${node} to be registered again with a podCIDR and an InternalIP`, async () => {
    const info = await nodeInfo(lab, "c1", node).catch(() => undefined);
    return info === undefined || info.podCidr === "" || info.internalIp === "" ? undefined : info;
  }, { timeoutMs: 60_000, intervalMs: 500 });
  for (const observer of observers) {
    await waitFor(`${observer} to have the entries of the restored ${node}`, async () => (JSON.stringify((await entriesFor(observer, restored)).sort()) === JSON.stringify(expected(restored).sort()) ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 200,
      explain: async () => `want ${JSON.stringify(expected(restored))}, have ${JSON.stringify(await entriesFor(observer, restored))}`,
    });
  }
}
