import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommandRunner } from "../datapath/exec.js";
import { addNetns, deleteNetns, netnsPath, requireRoot, sh, testNetnsName, waitFor } from "../testing/netns.js";
import { nodeLab } from "../testing/node-lab.js";
import type { NodeRecord } from "./agent.js";
import { deleteLocalDevices } from "./overlay.js";

requireRoot();

// Three node namespaces: n1 and n2 on one LAN (198.18.248.0/24), n3 on another (198.18.247.0/24)
// behind a router (the "lan" namespace forwards between its two bridges). In mode cross-subnet
// n1 reaches n2 by a direct route and n3 over VXLAN; the tests switch modes under traffic.
const lan = testNetnsName("rlan");
const nodes = [testNetnsName("r1"), testNetnsName("r2"), testNetnsName("r3")];
const pods = [testNetnsName("rp1"), testNetnsName("rp2"), testNetnsName("rp3")];
const records: NodeRecord[] = [
  { name: "n1", podCidr: "10.248.1.0/24", internalIp: "198.18.248.11" },
  { name: "n2", podCidr: "10.248.2.0/24", internalIp: "198.18.248.12" },
  { name: "n3", podCidr: "10.248.3.0/24", internalIp: "198.18.247.13" },
];
const n2Direct = "10.248.2.0/24 via 198.18.248.12 dev eth0 proto 148";
const n2Vxlan = "10.248.2.0/24 via 10.248.2.0 dev isthmus.1 proto 148 onlink";
let work = "";
const podIps: string[] = [];

const lab = nodeLab({ work: () => work, nodes, records });

/** Packets sent on `isthmus.1` of n1 so far. */
async function vxlanTxPackets(): Promise<number> {
  const stats = JSON.parse(await sh(["ip", "-s", "-j", "link", "show", "dev", "isthmus.1"], nodes[0])) as { stats64: { tx: { packets: number } } }[];
  return stats[0]?.stats64.tx.packets ?? Number.NaN;
}

/** n1's entries pointing at n2: its route line, neighbour and FDB entries. */
async function n1EntriesForN2(): Promise<{ route: string; neighbours: string; fdb: string }> {
  return {
    route: (await sh(["ip", "route", "show", "10.248.2.0/24"], nodes[0])).trim(),
    neighbours: (await sh(["ip", "neigh", "show", "10.248.2.0", "dev", "isthmus.1", "nud", "permanent"], nodes[0])).trim(),
    fdb: (await sh(["bridge", "fdb", "show", "dev", "isthmus.1"], nodes[0])).split("\n").filter((l) => l.includes("dst 198.18.248.12")).join("\n"),
  };
}

/** Sends 10 MiB over TCP from pod 1 to pod `to`; returns the server's log (socat -d -d names the client). */
async function tcpTransfer(to: number): Promise<string> {
  const server = podIps[to] ?? "";
  const srv = spawn("ip", ["netns", "exec", pods[to] ?? "", "socat", "-d", "-d", "-u", `TCP-LISTEN:5201,bind=${server}`, "OPEN:/dev/null,wronly"], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  srv.stderr.on("data", (b: Buffer) => (log += b.toString()));
  const done = new Promise<void>((resolve) => srv.on("close", () => { resolve(); }));
  await waitFor(`TCP server in pod ${String(to + 1)}`, async () => (await sh(["ss", "-ltn"], pods[to])).includes(":5201"));
  await sh(["sh", "-c", `head -c 10485760 /dev/zero | socat -u - TCP:${server}:5201`], pods[0]);
  await done;
  return log;
}

/** Runs `change` while pod 1 pings pod 2 every 50 ms and n1's routes are monitored; returns the ping summary and route deletions seen. */
async function underPing(change: () => Promise<void>): Promise<{ ping: string; deleted: string[] }> {
  const monitor = spawn("ip", ["netns", "exec", nodes[0] ?? "", "ip", "-o", "monitor", "route"], { stdio: ["ignore", "pipe", "ignore"] });
  let events = "";
  monitor.stdout.on("data", (b: Buffer) => (events += b.toString()));
  const ping = sh(["ping", "-i", "0.05", "-c", "40", "-W", "1", podIps[1] ?? ""], pods[0]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await change();
  const summary = await ping;
  monitor.kill();
  return { ping: summary, deleted: events.split("\n").filter((l) => l.startsWith("Deleted") && l.includes("10.248.2.0/24")) };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "isthmus-test-cni-routing-"));
  for (const ns of [lan, ...nodes, ...pods]) await addNetns(ns);
  await sh(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"], lan);
  for (const [br, router] of [["br0", "198.18.248.1/24"], ["br1", "198.18.247.1/24"]] as const) {
    await sh(["ip", "link", "add", br, "type", "bridge"], lan);
    await sh(["ip", "addr", "add", router, "dev", br], lan);
    await sh(["ip", "link", "set", br, "up"], lan);
  }
  for (const [i, ns] of nodes.entries()) {
    const ip = records[i]?.internalIp ?? "";
    await sh(["ip", "link", "add", `up${i}`, "netns", lan, "type", "veth", "peer", "name", "eth0", "netns", ns]);
    await sh(["ip", "link", "set", `up${i}`, "master", i < 2 ? "br0" : "br1", "up"], lan);
    await sh(["ip", "addr", "add", `${ip}/24`, "dev", "eth0"], ns);
    await sh(["ip", "link", "set", "eth0", "up"], ns);
    await sh(["ip", "route", "add", "default", "via", i < 2 ? "198.18.248.1" : "198.18.247.1"], ns);
  }
  for (const i of [0, 1, 2]) await lab.agent(i, { mode: "cross-subnet" }).reconcile();
  for (const i of [0, 1, 2]) podIps.push(await lab.addPod(i, pods[i] ?? ""));
});

afterAll(async () => {
  await deleteNetns(...pods, ...nodes, lan);
  await rm(work, { recursive: true, force: true });
});

describe("routes to other nodes by mode (three node namespaces, two subnets)", () => {
  it("in mode cross-subnet routes a same-subnet node directly (no VXLAN entries) and a node across subnets over VXLAN", async () => {
    const report = await lab.agent(0, { mode: "cross-subnet" }).reconcile();
    expect(report).toMatchObject({ peers: ["n2", "n3"], direct: ["n2"], changes: [], mtu: 1500 });
    expect(await sh(["ip", "-o", "link", "show", "isthmus.1"], nodes[0])).toContain(" mtu 1450 ");
    expect(await n1EntriesForN2()).toEqual({ route: n2Direct, neighbours: "", fdb: "" });
    expect((await sh(["ip", "route", "show", "10.248.3.0/24"], nodes[0])).trim()).toBe("10.248.3.0/24 via 10.248.3.0 dev isthmus.1 proto 148 onlink");
    expect(await sh(["ip", "neigh", "show", "dev", "isthmus.1", "nud", "permanent"], nodes[0])).toContain("10.248.3.0 lladdr 0a:15:c6:12:f7:0d");
    expect(await sh(["bridge", "fdb", "show", "dev", "isthmus.1"], nodes[0])).toContain("dst 198.18.247.13");
  });

  it("carries pod traffic to the same-subnet node unencapsulated at the underlay's MTU (DF, TCP) and to the other subnet over VXLAN", async () => {
    expect(await sh(["ip", "-o", "link", "show", "eth0"], pods[0])).toContain(" mtu 1500 ");
    const before = await vxlanTxPackets();
    await sh(["ping", "-c", "3", "-i", "0.2", "-W", "2", podIps[1] ?? ""], pods[0]);
    await sh(["ping", "-c", "1", "-W", "2", "-M", "do", "-s", String(1500 - 28), podIps[1] ?? ""], pods[0]);
    // 10 MiB over TCP; the server sees the client pod's own address (no masquerade on a direct route).
    expect(await tcpTransfer(1)).toContain(`accepting connection from AF=2 ${podIps[0] ?? ""}:`);
    expect(await vxlanTxPackets()).toBe(before);
    await sh(["ping", "-c", "3", "-i", "0.2", "-W", "2", podIps[2] ?? ""], pods[0]);
    expect(await vxlanTxPackets()).toBeGreaterThanOrEqual(before + 3);
  });

  it("fits a full-MTU pod's traffic into the smaller VXLAN path: TCP by MSS clamping (no PMTU exception), DF packets by 'fragmentation needed'", async () => {
    const pmtu = async () => / mtu (\d+)/.exec(await sh(["ip", "route", "get", podIps[2] ?? ""], pods[0]))?.[1];
    await sh(["ip", "route", "flush", "cache"], pods[0]);
    expect(await tcpTransfer(2)).toContain(`accepting connection from AF=2 ${podIps[0] ?? ""}:`);
    // The SYN's MSS was lowered on n1 (and the SYN-ACK's on n3), so no segment was ever too big.
    expect(await pmtu()).toBeUndefined();
    await sh(["ping", "-c", "1", "-W", "2", "-M", "do", "-s", String(1450 - 28), podIps[2] ?? ""], pods[0]);
    // ping exits 1 when nothing is answered; its output names the ICMP error n1 sent back.
    const tooBig = await sh(["sh", "-c", `ping -c 1 -W 2 -M do -s ${String(1500 - 28)} ${podIps[2] ?? ""} || true`], pods[0]);
    expect(tooBig).toContain("Frag needed and DF set (mtu = 1450)");
    expect(await pmtu()).toBe("1450");
  });

  it("adopts the kernel state after a restart in either mode without a change", async () => {
    const routes = await sh(["ip", "route", "show"], nodes[0]);
    expect((await lab.agent(0, { mode: "cross-subnet" }).reconcile()).changes).toEqual([]);
    expect(await sh(["ip", "route", "show"], nodes[0])).toBe(routes);
  });

  it("switches n1 to mode always under a 50 ms ping: no packet lost, no route deleted, VXLAN entries for n2 in place", async () => {
    const { ping, deleted } = await underPing(async () => {
      const report = await lab.agent(0, { mode: "always" }).reconcile();
      expect(report.direct).toEqual([]);
      expect(report.changes).toEqual(["neighbour 10.248.2.0 -> 0a:15:c6:12:f8:0c", "fdb 0a:15:c6:12:f8:0c -> 198.18.248.12", "route 10.248.2.0/24 via 10.248.2.0 dev isthmus.1"]);
    });
    expect(ping).toMatch(/40 packets transmitted, 40 received, 0% packet loss/);
    expect(deleted).toEqual([]);
    expect(await n1EntriesForN2()).toEqual({ route: n2Vxlan, neighbours: "10.248.2.0 lladdr 0a:15:c6:12:f8:0c PERMANENT", fdb: "0a:15:c6:12:f8:0c dst 198.18.248.12 self permanent" });
    expect((await lab.agent(0, { mode: "always" }).reconcile()).changes).toEqual([]);
  });

  it("switches n1 back to cross-subnet under a 50 ms ping: no packet lost, no route deleted, nothing of the VXLAN path to n2 left", async () => {
    const { ping, deleted } = await underPing(async () => {
      expect((await lab.agent(0, { mode: "cross-subnet" }).reconcile()).direct).toEqual(["n2"]);
    });
    expect(ping).toMatch(/40 packets transmitted, 40 received, 0% packet loss/);
    expect(deleted).toEqual([]);
    expect(await n1EntriesForN2()).toEqual({ route: n2Direct, neighbours: "", fdb: "" });
    expect(await sh(["ip", "neigh", "show", "dev", "isthmus.1", "nud", "permanent"], nodes[0])).not.toContain("10.248.2.0");
  });

  it("removes the route of a departed direct node and every entry of a departed VXLAN node", async () => {
    const report = await lab.agent(0, { mode: "cross-subnet", list: () => records.slice(0, 1) }).reconcile();
    expect([...report.changes].sort()).toEqual(["remove fdb 0a:15:c6:12:f7:0d", "remove neighbour 10.248.3.0", "remove route 10.248.2.0/24", "remove route 10.248.3.0/24"]);
    expect(await sh(["ip", "route", "show", "proto", "148"], nodes[0])).toBe("");
    expect(await sh(["ip", "neigh", "show", "dev", "isthmus.1", "nud", "permanent"], nodes[0])).toBe("");
    expect(await sh(["bridge", "fdb", "show", "dev", "isthmus.1"], nodes[0])).not.toMatch(/dst 198\.18\./);
    expect((await lab.agent(0, { mode: "cross-subnet" }).reconcile()).direct).toEqual(["n2"]);
  });

  it("removes the direct routes on uninstall, and nothing else on the underlay device", async () => {
    await deleteLocalDevices(createCommandRunner({ hostNetns: netnsPath(nodes[0] ?? "") }));
    await deleteLocalDevices(createCommandRunner({ hostNetns: netnsPath(nodes[0] ?? "") }));
    expect(await sh(["ip", "route", "show", "proto", "148"], nodes[0])).toBe("");
    expect((await sh(["ip", "route", "show"], nodes[0])).split("\n").map((l) => l.trim()).filter((l) => l !== "")).toEqual(["default via 198.18.248.1 dev eth0", "198.18.248.0/24 dev eth0 proto kernel scope link src 198.18.248.11"]);
  });
});
