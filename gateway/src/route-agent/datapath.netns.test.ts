import { createSilentLogger } from "@isthmus/core/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canPing, countPackets, createNetnsLab, execIn, ipIn, requireRoot, type NetnsLab } from "../testing/netns.js";
import { createRouteAgentDatapath, routeAgentMetric, type RouteAgentDatapath } from "./datapath.js";

// Two nodes on one LAN: `node` (not the gateway) and `gw` (the active gateway node, which here
// owns 10.99.0.1 as a stand-in for a remote cluster behind its tunnel). Mode `always`: the
// tunnel on a shared subnet too (direct routing has its own file, direct.netns.test.ts).
/** Counts the packets `netns` receives from each of `sources`; returns the reader of the counts. */
function countArrivals(netns: string, sources: readonly string[]): Promise<() => Promise<number[]>> {
  return countPackets(netns, sources.map((source) => `ip saddr ${source}`));
}

describe("route agent data path (vx-isthmus)", () => {
  let lab: NetnsLab;
  let node: string;
  let gw: string;
  let onNode: RouteAgentDatapath;
  let onGw: RouteAgentDatapath;
  const subnets = ["10.99.0.0/16"];

  beforeAll(async () => {
    requireRoot();
    lab = createNetnsLab();
    node = await lab.add("node");
    gw = await lab.add("gw");
    await lab.link({ netns: node, ifname: "eth0", address: "198.18.50.1/24" }, { netns: gw, ifname: "eth0", address: "198.18.50.2/24" });
    await ipIn(gw, ["addr", "add", "10.99.0.1/32", "dev", "lo"]);
    onNode = createRouteAgentDatapath({ nodeIp: "198.18.50.1", mtu: 1450, mode: "always", logger: createSilentLogger(), netns: node });
    onGw = createRouteAgentDatapath({ nodeIp: "198.18.50.2", mtu: 1450, mode: "always", logger: createSilentLogger(), netns: gw });
    await onNode.init();
    await onGw.init();
  });

  afterAll(async () => {
    await lab.cleanup();
  });

  it("sends remote subnets over vx-isthmus to the active gateway node and fills remote_cidrs", async () => {
    expect(await onGw.sync({ activeIp: undefined, subnets })).toEqual([]);
    await onNode.sync({ activeIp: "198.18.50.2", subnets });
    expect(await ipIn(node, ["route", "show", "proto", "149"])).toContain(`10.99.0.0/16 via 240.18.50.2 dev vx-isthmus metric ${routeAgentMetric} onlink`);
    expect(await execIn(node, "nft", ["list", "set", "ip", "isthmus-node", "remote_cidrs"])).toContain("10.99.0.0/16");
    expect(await execIn(node, "ping", ["-n", "-c", "2", "-i", "0.2", "-W", "1", "-I", "198.18.50.1", "10.99.0.1"])).toContain("2 received");
    expect(await onNode.sync({ activeIp: "198.18.50.2", subnets })).toEqual([]);
  });

  it("keeps pod source addresses to remote subnets when the node's CNI masquerades its pods (flannel's --ip-masq)", async () => {
    await ipIn(node, ["addr", "add", "10.98.0.5/32", "dev", "lo"]);
    await ipIn(gw, ["route", "add", "10.98.0.0/16", "via", "198.18.50.1"]);
    // flannel's rule for its pod network 10.98.0.0/16, in iptables' nat table.
    await execIn(node, "iptables", ["-t", "nat", "-A", "POSTROUTING", "-s", "10.98.0.0/16", "!", "-d", "224.0.0.0/4", "-j", "MASQUERADE", "--random-fully"]);
    const seen = await countArrivals(gw, ["10.98.0.5"]);
    // The masquerade is in force: to the gateway's own address the source is rewritten.
    expect(await execIn(node, "ping", ["-n", "-c", "1", "-W", "1", "-I", "10.98.0.5", "198.18.50.2"])).toContain("1 received");
    expect(await seen()).toEqual([0]);
    // To a remote subnet it is not: the far side sees the pod's address (and answers it).
    expect(await execIn(node, "ping", ["-n", "-c", "2", "-i", "0.2", "-W", "1", "-I", "10.98.0.5", "10.99.0.1"])).toContain("2 received");
    expect(await seen()).toEqual([2]);
  });

  it("keeps remote source addresses that the node forwards to its CNI's other pods (flannel masquerades what enters its network from outside)", async () => {
    // `pod` stands for a pod on another node of the cluster, reached from `node` (the gateway
    // node of remote traffic) over the CNI's network 10.98.0.0/16.
    const pod = await lab.add("pod");
    await lab.link({ netns: node, ifname: "cni0", address: "10.98.1.1/24" }, { netns: pod, ifname: "eth0", address: "10.98.1.5/24" });
    await ipIn(pod, ["route", "add", "default", "via", "10.98.1.1"]);
    await ipIn(gw, ["route", "replace", "10.98.0.0/16", "via", "198.18.50.1"]);
    await execIn(node, "iptables", ["-t", "nat", "-A", "POSTROUTING", "!", "-s", "10.98.0.0/16", "-d", "10.98.0.0/16", "-j", "MASQUERADE", "--random-fully"]);
    const seen = await countArrivals(pod, ["10.99.0.1", "198.18.50.2"]);
    // From the gateway's own address (not a remote subnet) the masquerade is in force.
    expect(await execIn(gw, "ping", ["-n", "-c", "1", "-W", "1", "-I", "198.18.50.2", "10.98.1.5"])).toContain("1 received");
    expect(await seen()).toEqual([0, 0]);
    // From a remote subnet it is not: the pod sees the remote address.
    expect(await execIn(gw, "ping", ["-n", "-c", "2", "-i", "0.2", "-W", "1", "-I", "10.99.0.1", "10.98.1.5"])).toContain("2 received");
    expect(await seen()).toEqual([2, 0]);
  });

  it("withdraws its routes when its own node becomes the active gateway", async () => {
    await onNode.sync({ activeIp: undefined, subnets });
    expect((await ipIn(node, ["route", "show", "proto", "149"])).trim()).toBe("");
    expect(await ipIn(node, ["neigh", "show", "dev", "vx-isthmus"])).not.toContain("0e:1b:");
    expect(await canPing(node, "10.99.0.1")).toBe(false);
  });

  it("removes the device, its own nft table and the remote_cidrs table it made when no CNI uses it (idempotent)", async () => {
    await onNode.sync({ activeIp: "198.18.50.2", subnets });
    await onNode.cleanup();
    await onNode.cleanup();
    expect(await ipIn(node, ["-o", "link", "show"])).not.toContain("vx-isthmus");
    const tables = await execIn(node, "nft", ["list", "tables"]);
    expect(tables).not.toContain("isthmus-route-agent");
    expect(tables).not.toContain("isthmus-node");
  });
});
