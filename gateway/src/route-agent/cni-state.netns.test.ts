import { parseCniNodeAnswer } from "@isthmus/core/model";
import { createSilentLogger, startMetricsServer } from "@isthmus/core/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNetnsLab, execIn, ipIn, requireRoot, type NetnsLab } from "../testing/netns.js";
import { createCniStateCollector } from "./cni-state.js";
import { createRouteAgentDatapath } from "./datapath.js";

// A node as the route agent sees it on a flannel cluster's gateway node: its LAN (eth0, the
// InternalIP's and the default route's device) and a WAN device holding its endpoint's public
// IP, a CNI bridge with a pod's veth, the CNI's masquerade rule, strict rp_filter on the WAN,
// a gateway's MSS clamp, and the route agent's own table with one remote subnet.
describe("the route agent's /cni-state", () => {
  let lab: NetnsLab;
  let node: string;

  beforeAll(async () => {
    requireRoot();
    lab = createNetnsLab();
    node = await lab.add("node");
    const lan = await lab.add("lan");
    const wan = await lab.add("wan");
    const pod = await lab.add("pod");
    await lab.link({ netns: node, ifname: "eth0", address: "198.18.60.1/24" }, { netns: lan, ifname: "eth0", address: "198.18.60.2/24" });
    await lab.link({ netns: node, ifname: "wan0", address: "203.0.113.60/24" }, { netns: wan, ifname: "eth0", address: "203.0.113.1/24" });
    await ipIn(node, ["route", "add", "default", "via", "198.18.60.2"]);
    await ipIn(node, ["link", "add", "cni0", "mtu", "1450", "type", "bridge"]);
    await lab.link({ netns: node, ifname: "vethpod" }, { netns: pod, ifname: "eth0", address: "10.98.1.5/24" });
    await ipIn(node, ["link", "set", "vethpod", "mtu", "1450", "master", "cni0"]);
    await execIn(node, "sysctl", ["-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.wan0.rp_filter=1"]);
    await execIn(node, "iptables", ["-t", "nat", "-A", "POSTROUTING", "-s", "10.98.0.0/16", "!", "-d", "224.0.0.0/4", "-j", "MASQUERADE", "--random-fully"]);
    await execIn(node, "nft", ["add table inet isthmus_mss_test; add chain inet isthmus_mss_test forward { type filter hook forward priority mangle; }; add rule inet isthmus_mss_test forward oifname \"wan0\" tcp flags syn tcp option maxseg size set rt mtu"]);
    const datapath = createRouteAgentDatapath({ nodeIp: "198.18.60.1", mtu: 1450, mode: "always", logger: createSilentLogger(), netns: node });
    await datapath.init();
    await datapath.sync({ activeIp: "198.18.60.2", subnets: ["10.99.0.0/16"] });
  });

  afterAll(async () => {
    await lab.cleanup();
  });

  it("answers the node's links, rp_filter, exemption, masquerades, clamps and underlays as JSON on the metrics port", async () => {
    const collector = createCniStateCollector({ nodeName: "n1", addresses: () => ["198.18.60.1", "203.0.113.60"], netns: node });
    const server = await startMetricsServer({ host: "127.0.0.1", port: 0, healthy: () => true, collect: () => Promise.resolve([]), json: { "/cni-state": () => collector.collect() } });
    try {
      const res = await fetch(`http://127.0.0.1:${String(server.port)}/cni-state`);
      expect(res.status).toBe(200);
      const answer = parseCniNodeAnswer(await res.json());
      expect(answer.node).toBe("n1");
      expect(answer.links).toEqual(expect.arrayContaining([
        { name: "eth0", kind: "veth", mtu: 1500 },
        { name: "cni0", kind: "bridge", mtu: 1450 },
        { name: "vethpod", kind: "veth", mtu: 1450, master: "cni0" },
        { name: "vx-isthmus", kind: "vxlan", mtu: 1450 },
      ]));
      expect(answer.rpFilter).toMatchObject({ all: 0, wan0: 1, "vx-isthmus": expect.any(Number) as number });
      expect(answer.exemption).toEqual({ daddr: true, saddr: true });
      expect(answer.exempted).toEqual(["10.99.0.0/16"]);
      expect(answer.masquerades).toEqual(["-A POSTROUTING -s 10.98.0.0/16 ! -d 224.0.0.0/4 -j MASQUERADE --random-fully"]);
      expect(answer.mssClamped).toEqual(["wan0"]);
      expect(answer.underlays).toEqual(["eth0", "wan0"]);
    } finally {
      await server.close();
    }
  });

  it("finds the default route's device as an underlay, and a remote address's by its route", async () => {
    expect((await createCniStateCollector({ nodeName: "n1", addresses: () => [], netns: node }).collect()).underlays).toEqual(["eth0"]);
    expect((await createCniStateCollector({ nodeName: "n1", addresses: () => ["203.0.113.1"], netns: node }).collect()).underlays).toEqual(["wan0", "eth0"]);
  });

  it("gives up past its bound with CniStateTimedOut", async () => {
    await expect(createCniStateCollector({ nodeName: "n1", addresses: () => [], netns: node, timeoutMs: 1 }).collect()).rejects.toMatchObject({ code: "CniStateTimedOut" });
  });
});
