/**
 * isthmus-cni on the shared lab (the lab's default pod network): pods on two nodes of c1 reach
 * each other without address translation, reach both nodes, reach a ClusterIP Service through
 * kube-proxy, and move 10 MB with the don't-fragment bit at the overlay MTU; a fixed-IP
 * annotation is honoured; an egress-bandwidth annotation shapes iperf3 to 10 Mbit/s ± 15 %.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EchoReply, waitFor } from "@isthmus/lab/testing";
import { requireLab } from "@isthmus/lab";
import { createPods, labHandle, nodeInfo, parseIperfReceivedBps, parsePingSummary, podIp, workloadsMain } from "./fixture.js";

const lab = labHandle();
const where = { cluster: "c1", namespace: "cni-e2e" } as const;
const [n1, n2] = ["c1-n1", "c1-n2"];
const nodeIps = { [n1]: "198.18.1.11", [n2]: "198.18.1.12" };
/** The overlay MTU on the lab's 1500-byte LAN (underlay − 50). */
const podMtu = 1450;

const tenMegabytes = 10 * 1024 * 1024;

const ips = new Map<string, string>();
let fixedIp = "";

async function echoFrom(pod: string, url: string): Promise<EchoReply> {
  const out = await lab.exec(`${where.cluster}/${where.namespace}/${pod}`, [process.execPath, workloadsMain, "http-get", url, "--timeout", "5000"], 45_000);
  return JSON.parse(out) as EchoReply;
}

/** Starts a command in a target without waiting; resolves with its stdout. */
function startExec(target: string, argv: readonly string[]): Promise<string> {
  return lab.exec(target, argv, 45_000);
}

/** iperf3 from `pod` to the iperf pod; retries while the server still finishes a previous test. */
async function iperfFrom(pod: string, args: readonly string[]): Promise<number> {
  return waitFor(`iperf3 from ${pod}`, async () => {
    const result = await lab.execResult(`${where.cluster}/${where.namespace}/${pod}`, ["iperf3", "-c", ips.get("iperf") ?? "", "-J", "--connect-timeout", "3000", ...args], 30_000);
    if (result.stdout.includes("server is busy")) return undefined;
    return parseIperfReceivedBps(result.stdout);
  }, { timeoutMs: 30_000, intervalMs: 500 });
}

const hostOf = (address: string): string => address.slice(0, address.lastIndexOf(":")).replace(/^::ffff:/, "");

describe("isthmus-cni on the shared lab (c1)", () => {
  beforeAll(async () => {
    const { plan } = await requireLab();
    expect(plan.podNetwork).toBe("isthmus");
    const { podCidr } = await nodeInfo(lab, where.cluster, n1);
    fixedIp = podCidr.replace(/\.0\/24$/, ".200");
    const service = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "echo", namespace: where.namespace },
      spec: { selector: { app: "cni-echo" }, ports: [{ port: 80, targetPort: 8080, protocol: "TCP" }] },
    };
    await createPods(
      lab,
      where,
      [
        { name: "echo", node: n1, kind: "echo", labels: { app: "cni-echo" } },
        { name: "iperf", node: n1, kind: "iperf3" },
        { name: "fixed", node: n1, kind: "echo", annotations: { "isthmus.io/ip-address": fixedIp } },
        { name: "client", node: n2, kind: "client" },
        { name: "shaped", node: n2, kind: "client", annotations: { "kubernetes.io/egress-bandwidth": "10M" } },
      ],
      [service],
    );
    for (const pod of ["echo", "iperf", "fixed", "client", "shaped"]) ips.set(pod, await podIp(lab, where, pod));
  });

  afterAll(async () => {
    await lab.kubectl(where.cluster, ["delete", "namespace", where.namespace, "--ignore-not-found", "--wait=true", "--timeout=90s"]);
  });

  it("gives each pod an address from its node's podCIDR, with the overlay MTU on eth0", async () => {
    for (const [pod, node] of [["echo", n1], ["client", n2]] as const) {
      const { podCidr } = await nodeInfo(lab, where.cluster, node);
      expect(ips.get(pod)?.split(".").slice(0, 3).join(".")).toBe(podCidr.split(".").slice(0, 3).join("."));
      const link = JSON.parse(await lab.exec(`${where.cluster}/${where.namespace}/${pod}`, ["ip", "-j", "link", "show", "eth0"])) as { mtu: number }[];
      expect(link[0]?.mtu).toBe(podMtu);
    }
  });

  it("connects pod to pod across nodes with the client's own address (no NAT inside the cluster)", async () => {
    const reply = await echoFrom("client", `http://${ips.get("echo") ?? ""}:8080/across`);
    expect(reply.pod).toBe("echo");
    expect(reply.node).toBe(n1);
    expect(hostOf(reply.client)).toBe(ips.get("client"));
  });

  it("connects a pod to its own node and to the other node, and a node to a pod on another node", async () => {
    for (const ip of Object.values(nodeIps)) {
      const ping = parsePingSummary(await lab.exec(`${where.cluster}/${where.namespace}/client`, ["ping", "-q", "-c", "3", "-i", "0.2", "-W", "2", ip]));
      expect(ping).toEqual({ transmitted: 3, received: 3 });
    }
    const fromNode = parsePingSummary(await lab.exec(`${where.cluster}/${n1}`, ["ping", "-q", "-c", "3", "-i", "0.2", "-W", "2", ips.get("client") ?? ""]));
    expect(fromNode).toEqual({ transmitted: 3, received: 3 });
  });

  it("reaches a ClusterIP Service through kube-proxy from the other node", async () => {
    const clusterIp = (await lab.kubectl(where.cluster, ["-n", where.namespace, "get", "service", "echo", "-o", "jsonpath={.spec.clusterIP}"])).trim();
    expect(clusterIp).toMatch(/^10\.101\./);
    const reply = await echoFrom("client", `http://${clusterIp}/service`);
    expect(reply.pod).toBe("echo");
    expect(hostOf(reply.client)).toBe(ips.get("client"));
  });

  it("carries full-MTU packets with DF set and a 10 MB TCP transfer across nodes", async () => {
    const target = ips.get("iperf") ?? "";
    // ICMP at exactly the pod MTU with DF: fits, no fragmentation needed anywhere on the path.
    const ping = parsePingSummary(await lab.exec(`${where.cluster}/${where.namespace}/client`, ["ping", "-q", "-M", "do", "-s", String(podMtu - 28), "-c", "3", "-i", "0.2", "-W", "2", target]));
    expect(ping).toEqual({ transmitted: 3, received: 3 });
    // One byte more does not fit: the kernel refuses (DF) instead of fragmenting.
    const tooBig = await lab.execResult(`${where.cluster}/${where.namespace}/client`, ["ping", "-q", "-M", "do", "-s", String(podMtu - 27), "-c", "1", "-W", "1", target]);
    expect(tooBig.code).not.toBe(0);
    // Linux TCP sets DF on every segment (path MTU discovery): 10 MB must arrive whole.
    const received = startExec(`${where.cluster}/${where.namespace}/iperf`, ["timeout", "40", "sh", "-c", "socat -u TCP-LISTEN:9000,reuseaddr STDOUT | wc -c"]);
    await lab.exec(
      `${where.cluster}/${where.namespace}/client`,
      ["sh", "-c", `head -c ${tenMegabytes} /dev/zero | socat -u STDIN TCP:${target}:9000,retry=50,interval=0.1`],
      45_000,
    );
    expect(Number((await received).trim())).toBe(tenMegabytes);
    const pmtu = await lab.exec(`${where.cluster}/${where.namespace}/client`, ["sysctl", "-n", "net.ipv4.ip_no_pmtu_disc"]);
    expect(pmtu.trim()).toBe("0");
  });

  it("honours the fixed IP annotation isthmus.io/ip-address", async () => {
    expect(ips.get("fixed")).toBe(fixedIp);
    const addrs = JSON.parse(await lab.exec(`${where.cluster}/${where.namespace}/fixed`, ["ip", "-j", "-4", "addr", "show", "eth0"])) as { addr_info: { local: string }[] }[];
    expect(addrs[0]?.addr_info.map((a) => a.local)).toEqual([fixedIp]);
    const reply = await echoFrom("client", `http://${fixedIp}:8080/fixed`);
    expect(reply.pod).toBe("fixed");
  });

  it("shapes a pod with kubernetes.io/egress-bandwidth: 10M to 10 Mbit/s ± 15 % (iperf3 across nodes)", async () => {
    const mbps = (await iperfFrom("shaped", ["-t", "4"])) / 1e6;
    expect(mbps).toBeGreaterThan(8.5);
    expect(mbps).toBeLessThan(11.5);
    // The unshaped client on the same node is not limited.
    const free = await iperfFrom("client", ["-t", "2"]);
    expect(free / 1e6).toBeGreaterThan(50);
  });
});
