import { spawn } from "node:child_process";
import { createSilentLogger } from "@isthmus/core/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countPackets, createNetnsLab, execIn, ipIn, requireRoot, waitFor, type NetnsLab } from "../testing/netns.js";
import { createRouteAgentDatapath, type RouteAgentDatapath } from "./datapath.js";

// Direct routing to the active gateway node (mode `cross-subnet`, ADR 0503). The `lan` namespace
// bridges a LAN (198.18.52.0/24: the node .1 and the gateway candidates A .2 and B .3) and a second
// subnet (198.18.53.0/24: gateway candidate C .3), and routes between them. Each candidate owns
// 10.99.0.1, a stand-in for the remote cluster behind its tunnel; the node's pod 10.98.1.5 sits
// behind its `cni0`. The node also carries an egress gateway's SNAT of that pod (srcnat - 10, as
// ADR 0407's egress node has for the outside world), which direct routing must not trigger.
const subnets = ["10.99.0.0/16"];
const pod = "10.98.1.5";
const ip = { node: "198.18.52.1", a: "198.18.52.2", b: "198.18.52.3", c: "198.18.53.3" } as const;
const direct = (via: string): string => `10.99.0.0/16 via ${via} dev eth0 proto 149 metric 50 onlink`;
const tunnel = (vtep: string): string => `10.99.0.0/16 via ${vtep} dev vx-isthmus proto 149 metric 50 onlink`;

describe("route agent data path: direct routing to the gateway node on a shared subnet", () => {
  let lab: NetnsLab;
  const ns = { lan: "", node: "", pod: "", a: "", b: "", c: "" };
  let onNode: RouteAgentDatapath;
  let onNodeTunnel: RouteAgentDatapath;

  /** The node's routes to the remote subnet (every device), one line each. */
  const routes = async (): Promise<string[]> => (await ipIn(ns.node, ["route", "show", "10.99.0.0/16"])).split("\n").map((l) => l.trim()).filter((l) => l !== "");
  /** The node's permanent neighbours and remote FDB entries on vx-isthmus (ours), one line each. */
  const tunnelEntries = async (): Promise<string[]> => [
    ...(await ipIn(ns.node, ["neigh", "show", "dev", "vx-isthmus", "nud", "permanent"])).split("\n"),
    ...(await execIn(ns.node, "bridge", ["fdb", "show", "dev", "vx-isthmus"])).split("\n").filter((l) => l.includes(" dst ")),
  ].map((l) => l.trim()).filter((l) => l !== "");
  /** Three pings from the pod to the remote stand-in; resolves with ping's output. */
  const pingRemote = (): Promise<string> => execIn(ns.pod, "ping", ["-n", "-c", "3", "-i", "0.2", "-W", "2", "10.99.0.1"]);

  beforeAll(async () => {
    requireRoot();
    lab = createNetnsLab();
    for (const name of ["lan", "node", "pod", "a", "b", "c"] as const) ns[name] = await lab.add(name);
    // Loose reverse-path filtering, as the route agent sets it on every node (agent.ts).
    for (const name of ["node", "a", "b", "c"] as const) await execIn(ns[name], "sysctl", ["-qw", "net.ipv4.conf.all.rp_filter=2"]);
    for (const [br, address] of [["br0", "198.18.52.254/24"], ["br1", "198.18.53.254/24"]] as const) {
      await ipIn(ns.lan, ["link", "add", br, "type", "bridge"]);
      await ipIn(ns.lan, ["addr", "add", address, "dev", br]);
      await ipIn(ns.lan, ["link", "set", br, "up"]);
    }
    for (const [i, [name, address, br, router]] of ([["node", ip.node, "br0", "198.18.52.254"], ["a", ip.a, "br0", "198.18.52.254"], ["b", ip.b, "br0", "198.18.52.254"], ["c", ip.c, "br1", "198.18.53.254"]] as const).entries()) {
      await lab.link({ netns: ns.lan, ifname: `up${String(i)}` }, { netns: ns[name], ifname: "eth0", address: `${address}/24` });
      await ipIn(ns.lan, ["link", "set", `up${String(i)}`, "master", br]);
      await ipIn(ns[name], ["route", "add", "default", "via", router]);
      if (name !== "node") await ipIn(ns[name], ["addr", "add", "10.99.0.1/32", "dev", "lo"]);
    }
    for (const name of ["lan", "a", "b"] as const) await ipIn(ns[name], ["route", "add", "10.98.0.0/16", "via", ip.node]);
    await lab.link({ netns: ns.node, ifname: "cni0", address: "10.98.1.1/24" }, { netns: ns.pod, ifname: "eth0", address: `${pod}/24` });
    await ipIn(ns.pod, ["route", "add", "default", "via", "10.98.1.1"]);
    // The egress gateway's SNAT of this pod to the outside world (here: to the node's address).
    await execIn(ns.node, "nft", ["add", "table", "ip", "egress"]);
    await execIn(ns.node, "nft", ["add", "chain", "ip", "egress", "nat", "{ type nat hook postrouting priority srcnat - 10; }"]);
    await execIn(ns.node, "nft", ["add", "rule", "ip", "egress", "nat", "ip", "saddr", pod, "oifname", "!=", "vx-isthmus", "snat", "ip", "to", ip.node]);
    const logger = createSilentLogger();
    onNode = createRouteAgentDatapath({ nodeIp: ip.node, mtu: 1450, mode: "cross-subnet", logger, netns: ns.node });
    onNodeTunnel = createRouteAgentDatapath({ nodeIp: ip.node, mtu: 1450, mode: "always", logger, netns: ns.node });
    await onNode.init();
    for (const [name, address] of [["a", ip.a], ["b", ip.b], ["c", ip.c]] as const) {
      await createRouteAgentDatapath({ nodeIp: address, mtu: 1450, mode: "cross-subnet", logger, netns: ns[name] }).init();
    }
  });

  afterAll(async () => {
    await lab.cleanup();
  });

  it("routes remote subnets via the active node's IP on the underlay: no VXLAN entry or packet, the pod's own source address", async () => {
    await onNode.sync({ activeIp: ip.a, subnets });
    expect(await routes()).toEqual([direct(ip.a)]);
    expect(await tunnelEntries()).toEqual([]);
    const seen = await countPackets(ns.a, [`iifname eth0 ip saddr ${pod} icmp type echo-request`, "udp dport 4800", `ip saddr ${ip.node} icmp type echo-request`]);
    expect(await pingRemote()).toContain("3 received");
    expect(await seen()).toEqual([3, 0, 0]);
    // The egress SNAT is in force for anything else the pod sends out of eth0.
    expect(await execIn(ns.pod, "ping", ["-n", "-c", "1", "-W", "2", ip.a])).toContain("1 received");
    expect(await seen()).toEqual([3, 0, 1]);
    expect(await execIn(ns.node, "nft", ["list", "chain", "ip", "isthmus-route-agent", "keep_direct"])).toMatch(/oifname "eth0" ip daddr @remote snat (ip )?to ip saddr/);
  });

  it("switches between direct routing and vx-isthmus in place (mode changed on restart): no route deleted, no ping lost, nothing of the other kind left", async () => {
    const monitor = spawn("ip", ["netns", "exec", ns.node, "ip", "-o", "monitor", "route"], { stdio: ["ignore", "pipe", "ignore"] });
    let events = "";
    monitor.stdout.on("data", (b: Buffer) => (events += b.toString()));
    const ping = execIn(ns.pod, "ping", ["-n", "-i", "0.05", "-c", "100", "-W", "1", "10.99.0.1"]);
    const arrived = await countPackets(ns.a, [`ip saddr ${pod} icmp type echo-request`]);
    await waitFor("the pod's ping to reach A", async () => ((await arrived())[0] ?? 0) > 0);
    const states: { routes: string[]; entries: string[] }[] = [];
    for (const datapath of [onNodeTunnel, onNode, onNodeTunnel, onNode]) {
      await datapath.sync({ activeIp: ip.a, subnets });
      states.push({ routes: await routes(), entries: await tunnelEntries() });
    }
    const summary = await ping;
    monitor.kill();
    const viaTunnel = { routes: [tunnel("240.18.52.2")], entries: ["240.18.52.2 lladdr 0e:1b:c6:12:34:02 PERMANENT", "0e:1b:c6:12:34:02 dst 198.18.52.2 self permanent"] };
    const viaUnderlay = { routes: [direct(ip.a)], entries: [] };
    expect(states).toEqual([viaTunnel, viaUnderlay, viaTunnel, viaUnderlay]);
    expect(summary).toContain(" 0% packet loss");
    expect(events.split("\n").filter((l) => l.startsWith("Deleted") && l.includes("10.99.0.0/16"))).toEqual([]);
  });

  it("follows a failover to another node on the subnet: one route, via the new node", async () => {
    await onNode.sync({ activeIp: ip.b, subnets });
    expect(await routes()).toEqual([direct(ip.b)]);
    expect(await tunnelEntries()).toEqual([]);
    const [onA, onB] = [await countPackets(ns.a, [`ip saddr ${pod}`]), await countPackets(ns.b, [`iifname eth0 ip saddr ${pod}`])];
    expect(await pingRemote()).toContain("3 received");
    expect([await onA(), await onB()]).toEqual([[0], [3]]);
  });

  it("reaches an active node on another subnet over vx-isthmus, and routes directly again when the active node is back on the subnet", async () => {
    await onNode.sync({ activeIp: ip.c, subnets });
    expect(await routes()).toEqual([tunnel("240.18.53.3")]);
    expect(await tunnelEntries()).toEqual(["240.18.53.3 lladdr 0e:1b:c6:12:35:03 PERMANENT", "0e:1b:c6:12:35:03 dst 198.18.53.3 self permanent"]);
    const seen = await countPackets(ns.c, [`iifname vx-isthmus ip saddr ${pod}`]);
    expect(await pingRemote()).toContain("3 received");
    expect(await seen()).toEqual([3]);
    await onNode.sync({ activeIp: ip.a, subnets });
    expect(await routes()).toEqual([direct(ip.a)]);
    expect(await tunnelEntries()).toEqual([]);
  });

  it("adopts its routes after a restart without changing anything", async () => {
    const restarted = createRouteAgentDatapath({ nodeIp: ip.node, mtu: 1450, mode: "cross-subnet", logger: createSilentLogger(), netns: ns.node });
    await restarted.init();
    expect(await restarted.sync({ activeIp: ip.a, subnets })).toEqual([]);
    expect(await routes()).toEqual([direct(ip.a)]);
  });

  it("withdraws its direct routes when its node becomes active, and uninstall leaves no route of ours on the underlay", async () => {
    await onNode.sync({ activeIp: undefined, subnets });
    expect(await routes()).toEqual([]);
    await onNode.sync({ activeIp: ip.a, subnets });
    expect(await routes()).toEqual([direct(ip.a)]);
    await onNode.cleanup();
    await onNode.cleanup();
    expect((await ipIn(ns.node, ["route", "show", "proto", "149"])).trim()).toBe("");
    expect(await ipIn(ns.node, ["-o", "link", "show"])).not.toContain("vx-isthmus");
    expect(await execIn(ns.node, "nft", ["list", "tables"])).not.toContain("isthmus-route-agent");
  });
});
