import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommandRunner } from "../datapath/exec.js";
import { addNetns, connectNodesToLan, deleteNetns, netnsPath, requireRoot, sh, testNetnsName, waitFor } from "../testing/netns.js";
import { nodeLab } from "../testing/node-lab.js";
import type { NodeRecord } from "./agent.js";
import { deleteNat } from "./nat.js";
import { deleteLocalDevices } from "./overlay.js";

requireRoot();

const lan = testNetnsName("lan");
const nodes = [testNetnsName("n1"), testNetnsName("n2")];
const pods = [testNetnsName("pod1"), testNetnsName("pod2")];
const records: NodeRecord[] = [
  { name: "n1", podCidr: "10.250.1.0/24", internalIp: "198.18.250.11" },
  { name: "n2", podCidr: "10.250.2.0/24", internalIp: "198.18.250.12" },
];
let work = "";

const lab = nodeLab({ work: () => work, nodes, records });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "isthmus-test-cni-overlay-"));
  for (const ns of [lan, ...nodes, ...pods]) await addNetns(ns);
  await connectNodesToLan(lan, nodes, { subnet: "198.18.250" });
});

afterAll(async () => {
  await deleteNetns(...pods, ...nodes, lan);
  await rm(work, { recursive: true, force: true });
});

describe("overlay between two node namespaces", () => {
  let ip1 = "";
  let ip2 = "";

  it("builds bridge, VXLAN, peers, NAT and the conflist on each node", async () => {
    const reports = [await lab.agent(0).reconcile(), await lab.agent(1).reconcile()];
    expect(reports.map((r) => r.mtu)).toEqual([1450, 1450]);
    expect(reports[0]?.peers).toEqual(["n2"]);
    const conflist = JSON.parse(await readFile(join(work, "node0", "net.d", "10-isthmus.conflist"), "utf8")) as { plugins: { mtu: number; ipam: { subnet: string } }[] };
    expect(conflist.plugins[0]).toMatchObject({ mtu: 1450, ipam: { subnet: "10.250.1.0/24" } });
    const vx = JSON.parse(await sh(["ip", "-d", "-j", "link", "show", "dev", "isthmus.1"], nodes[0])) as { linkinfo: { info_data: { id: number; port: number; learning: boolean } } }[];
    expect(vx[0]?.linkinfo.info_data).toMatchObject({ id: 1, port: 8472, learning: false });
    expect(await sh(["ip", "route", "show", "10.250.2.0/24"], nodes[0])).toContain("via 10.250.2.0 dev isthmus.1 proto 148 onlink");
    expect(await sh(["nft", "list", "table", "ip", "isthmus-node"], nodes[0])).toMatch(/ip saddr 10\.250\.1\.0\/24 ip daddr != @cluster_cidrs ip daddr != @remote_cidrs masquerade/);
  });

  it("carries pod-to-pod traffic across nodes, with full-MTU DF packets and a 10 MB TCP transfer", async () => {
    ip1 = await lab.addPod(0, pods[0] ?? "");
    ip2 = await lab.addPod(1, pods[1] ?? "");
    await sh(["ping", "-c", "2", "-W", "2", ip2], pods[0]);
    await sh(["ping", "-c", "1", "-W", "2", "-M", "do", "-s", String(1450 - 28), ip2], pods[0]);
    await expect(sh(["ping", "-c", "1", "-W", "1", "-M", "do", "-s", String(1450 - 27), ip2], pods[0])).rejects.toThrow();
    await sh(["ping", "-c", "1", "-W", "2", "198.18.250.12"], pods[0]);
    // 10 MiB over TCP (Linux sets DF on TCP: path MTU discovery), counted byte for byte by the receiver.
    const srv = spawn("ip", ["netns", "exec", pods[1] ?? "", "sh", "-c", `socat -u TCP-LISTEN:5001,bind=${ip2} - | wc -c`], { stdio: ["ignore", "pipe", "inherit"] });
    let received = "";
    srv.stdout.on("data", (b: Buffer) => (received += b.toString()));
    const done = new Promise<void>((resolve) => srv.on("close", () => { resolve(); }));
    await waitFor("receiver", async () => (await sh(["ss", "-ltn"], pods[1])).includes(":5001"));
    await sh(["sh", "-c", `head -c 10485760 /dev/zero | socat -u - TCP:${ip2}:5001`], pods[0]);
    await done;
    expect(Number(received.trim())).toBe(10 * 1024 * 1024);
    // The tunnel's own UDP packets are not tracked on either node (ADR 0404); the pod flow is.
    for (const node of nodes) {
      const tracked = await sh(["conntrack", "-L", "-o", "extended"], node);
      expect(tracked).not.toMatch(/dport=8472/);
      expect(tracked).toMatch(new RegExp(`tcp .* dst=${ip2.replaceAll(".", "\\.")} .*dport=5001`));
    }
  });

  it("keeps pod addresses inside the cluster and masquerades traffic leaving it, except to remote_cidrs", async () => {
    await sh(["ip", "addr", "add", "198.18.250.1/24", "dev", "br0"], lan);
    await sh(["ip", "route", "add", "10.250.1.0/24", "via", "198.18.250.11"], lan);
    await sh(["ping", "-c", "1", "-W", "2", "198.18.250.11"], pods[0]);
    expect(await peerAddressSeen(pods[1] ?? "", ip2, pods[0] ?? "")).toBe(ip1);
    expect(await peerAddressSeen(lan, "198.18.250.1", pods[0] ?? "")).toBe("198.18.250.11");
    await sh(["nft", "add", "element", "ip", "isthmus-node", "remote_cidrs", "{ 198.18.250.1/32 }"], nodes[0]);
    expect(await peerAddressSeen(lan, "198.18.250.1", pods[0] ?? "")).toBe(ip1);
    await lab.agent(0, { list: () => [...records] }).reconcile();
    expect(await sh(["nft", "list", "set", "ip", "isthmus-node", "remote_cidrs"], nodes[0])).toContain("198.18.250.1");
  });

  it("adopts existing state after a restart without touching any entry, even a route of the previous version (no proto)", async () => {
    await sh(["ip", "route", "replace", "10.250.2.0/24", "via", "10.250.2.0", "dev", "isthmus.1", "onlink"], nodes[0]);
    const before = await sh(["ip", "route", "show", "dev", "isthmus.1"], nodes[0]);
    const report = await lab.agent(0).reconcile();
    expect(report.changes).toEqual([]);
    expect(await sh(["ip", "route", "show", "dev", "isthmus.1"], nodes[0])).toBe(before);
  });

  it("loses no packet of a 50 ms ping across nodes while fresh agents (restarts) reconcile", async () => {
    const ping = sh(["ping", "-i", "0.05", "-c", "60", "-W", "1", ip2], pods[0]);
    for (let round = 0; round < 5; round++) {
      expect((await lab.agent(0).reconcile()).changes).toEqual([]);
      expect((await lab.agent(1).reconcile()).changes).toEqual([]);
    }
    expect(await ping).toMatch(/60 packets transmitted, 60 received, 0% packet loss/);
  });

  it("removes every entry of a departed node", async () => {
    const report = await lab.agent(0, { list: () => records.slice(0, 1) }).reconcile();
    expect(report.changes.length).toBe(3);
    expect(await sh(["ip", "route", "show", "dev", "isthmus.1"], nodes[0])).toBe("");
    expect(await sh(["ip", "neigh", "show", "dev", "isthmus.1", "nud", "permanent"], nodes[0])).toBe("");
    expect(await sh(["bridge", "fdb", "show", "dev", "isthmus.1"], nodes[0])).not.toContain("198.18.250.12");
  });

  it("cleans up devices and NAT on uninstall", async () => {
    const runner = createCommandRunner({ hostNetns: netnsPath(nodes[0] ?? "") });
    await deleteLocalDevices(runner);
    await deleteNat(runner);
    await deleteLocalDevices(runner);
    await deleteNat(runner);
    expect(await sh(["ip", "-o", "link", "show"], nodes[0])).not.toMatch(/isthmus0|isthmus\.1/);
    expect(await sh(["nft", "list", "tables"], nodes[0])).not.toContain("isthmus-node");
  });
});

let port = 5100;

/** The source address a TCP server in `serverNs` on `serverIp` sees when `clientNs` connects. */
async function peerAddressSeen(serverNs: string, serverIp: string, clientNs: string): Promise<string> {
  port += 1;
  const srv = spawn("ip", ["netns", "exec", serverNs, "socat", "-d", "-d", "-u", `TCP-LISTEN:${port},bind=${serverIp}`, "OPEN:/dev/null,wronly"], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  srv.stderr.on("data", (b: Buffer) => (log += b.toString()));
  const done = new Promise<void>((resolve) => srv.on("close", () => { resolve(); }));
  await waitFor("peer-address server", async () => (await sh(["ss", "-ltn"], serverNs)).includes(`:${port}`));
  await sh(["socat", "-u", "OPEN:/dev/null", `TCP:${serverIp}:${port}`], clientNs);
  await done;
  return /accepting connection from AF=2 ([0-9.]+):/.exec(log)?.[1] ?? `(none in ${log})`;
}
