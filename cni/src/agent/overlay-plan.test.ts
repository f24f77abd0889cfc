import { parseCidr, parseIp } from "@isthmus/core/net";
import { describe, expect, it } from "vitest";
import { nodeMtus, type OverlayEntries, type PeerRoute, planOverlay, routePeers, vtepMac } from "./overlay-plan.js";

const peer = (n: number, ip = `198.18.1.${10 + n}`) => ({ name: `n${n}`, podCidr: parseCidr(`10.1.${n}.0/24`), nodeIp: parseIp(ip) });
const devices = { vxlan: "isthmus.1", underlay: "eth0" };
const empty: OverlayEntries = { routes: new Map(), neighbours: new Map(), fdb: new Map() };
const vxlanOnly = (...peers: ReturnType<typeof peer>[]) => ({ routing: { vxlan: peers, direct: [] }, devices });
const directOnly = (...peers: ReturnType<typeof peer>[]) => ({ routing: { vxlan: [], direct: peers }, devices });
/** The kernel state after n2 (198.18.1.12) was programmed over VXLAN. */
const n2OverVxlan: OverlayEntries = {
  routes: new Map<string, PeerRoute>([["10.1.2.0/24", { via: "10.1.2.0", dev: "isthmus.1" }]]),
  neighbours: new Map([["10.1.2.0", "0a:15:c6:12:01:0c"]]),
  fdb: new Map([["0a:15:c6:12:01:0c", "198.18.1.12"]]),
};
/** The kernel state after n2 was programmed as a direct route. */
const n2Direct: OverlayEntries = { routes: new Map<string, PeerRoute>([["10.1.2.0/24", { via: "198.18.1.12", dev: "eth0" }]]), neighbours: new Map(), fdb: new Map() };

describe("nodeMtus", () => {
  it("gives pods the VXLAN MTU in mode always and the underlay's in mode cross-subnet; isthmus.1 is underlay - 50 in both", () => {
    expect(nodeMtus(1500, "always")).toEqual({ pod: 1450, vxlan: 1450 });
    expect(nodeMtus(1500, "cross-subnet")).toEqual({ pod: 1500, vxlan: 1450 });
    expect(nodeMtus(9000, "cross-subnet")).toEqual({ pod: 9000, vxlan: 8950 });
  });
});

describe("routePeers", () => {
  const subnets = [parseCidr("198.18.1.0/24"), parseCidr("198.51.100.7/32")];

  it("sends every peer over VXLAN in mode always", () => {
    expect(routePeers([peer(2), peer(3, "203.0.113.5")], { mode: "always", underlaySubnets: subnets })).toEqual({ vxlan: [peer(2), peer(3, "203.0.113.5")], direct: [] });
  });

  it("routes peers inside an underlay subnet directly and the rest over VXLAN in mode cross-subnet", () => {
    const routing = routePeers([peer(2), peer(3, "203.0.113.5"), peer(4, "198.51.100.7")], { mode: "cross-subnet", underlaySubnets: subnets });
    expect(routing.direct.map((p) => p.name)).toEqual(["n2"]);
    // A /32 address says nothing about a shared segment, even for the very address it holds.
    expect(routing.vxlan.map((p) => p.name)).toEqual(["n3", "n4"]);
  });
});

describe("planOverlay", () => {
  it("derives the VTEP MAC from the node address", () => {
    expect(vtepMac(parseIp("198.18.1.12"))).toBe("0a:15:c6:12:01:0c");
  });

  it("adds neighbour, FDB and route for a new VXLAN peer", () => {
    const plan = planOverlay(empty, vxlanOnly(peer(2)));
    expect(plan.fdbScript).toBe("fdb replace 0a:15:c6:12:01:0c dev isthmus.1 dst 198.18.1.12 self permanent\n");
    expect(plan.ipScript).toBe(
      "neigh replace 10.1.2.0 lladdr 0a:15:c6:12:01:0c dev isthmus.1 nud permanent\nroute replace 10.1.2.0/24 via 10.1.2.0 dev isthmus.1 onlink proto 148\n",
    );
    expect(plan.fdbRemoveScript).toBe("");
  });

  it("adds only a route for a new direct peer", () => {
    const plan = planOverlay(empty, directOnly(peer(2)));
    expect(plan).toMatchObject({ fdbScript: "", fdbRemoveScript: "", ipScript: "route replace 10.1.2.0/24 via 198.18.1.12 dev eth0 proto 148\n" });
  });

  it("changes nothing when the kernel already matches (restart adoption), in either mode", () => {
    expect(planOverlay(n2OverVxlan, vxlanOnly(peer(2)))).toEqual({ fdbScript: "", ipScript: "", fdbRemoveScript: "", changes: [] });
    expect(planOverlay(n2Direct, directOnly(peer(2)))).toEqual({ fdbScript: "", ipScript: "", fdbRemoveScript: "", changes: [] });
  });

  it("switches a peer from VXLAN to direct: the route is replaced first, its neighbour and FDB entry go after", () => {
    const plan = planOverlay(n2OverVxlan, directOnly(peer(2)));
    expect(plan.fdbScript).toBe("");
    expect(plan.ipScript).toBe("route replace 10.1.2.0/24 via 198.18.1.12 dev eth0 proto 148\nneigh del 10.1.2.0 dev isthmus.1\n");
    expect(plan.fdbRemoveScript).toBe("fdb del 0a:15:c6:12:01:0c dev isthmus.1 dst 198.18.1.12 self\n");
    expect(plan.ipScript).not.toContain("route del");
  });

  it("switches a peer from direct to VXLAN: neighbour and FDB entry come before the route is replaced", () => {
    const plan = planOverlay(n2Direct, vxlanOnly(peer(2)));
    expect(plan.fdbScript).toBe("fdb replace 0a:15:c6:12:01:0c dev isthmus.1 dst 198.18.1.12 self permanent\n");
    expect(plan.ipScript).toBe("neigh replace 10.1.2.0 lladdr 0a:15:c6:12:01:0c dev isthmus.1 nud permanent\nroute replace 10.1.2.0/24 via 10.1.2.0 dev isthmus.1 onlink proto 148\n");
    expect(plan.fdbRemoveScript).toBe("");
  });

  it("moves a peer whose address changed and removes departed ones of both kinds", () => {
    const current: OverlayEntries = {
      routes: new Map<string, PeerRoute>([
        ["10.1.2.0/24", { via: "10.1.2.0", dev: "isthmus.1" }],
        ["10.1.3.0/24", { via: "10.1.3.0", dev: "isthmus.1" }],
        ["10.1.4.0/24", { via: "198.18.1.14", dev: "eth0" }],
      ]),
      neighbours: new Map([["10.1.2.0", "0a:15:c6:12:01:0c"], ["10.1.3.0", "0a:15:c6:12:01:0d"]]),
      fdb: new Map([["0a:15:c6:12:01:0c", "198.18.1.12"], ["0a:15:c6:12:01:0d", "198.18.1.13"]]),
    };
    const plan = planOverlay(current, vxlanOnly(peer(2, "198.18.1.22")));
    expect(plan.changes).toEqual([
      "neighbour 10.1.2.0 -> 0a:15:c6:12:01:16",
      "fdb 0a:15:c6:12:01:16 -> 198.18.1.22",
      "remove route 10.1.3.0/24",
      "remove route 10.1.4.0/24",
      "remove neighbour 10.1.3.0",
      "remove fdb 0a:15:c6:12:01:0c",
      "remove fdb 0a:15:c6:12:01:0d",
    ]);
    expect(plan.ipScript).not.toContain("route replace");
    expect(plan.ipScript).toContain("route del 10.1.4.0/24 via 198.18.1.14 dev eth0\n");
  });

  it("moves a direct route to another underlay device", () => {
    const plan = planOverlay(n2Direct, { routing: { vxlan: [], direct: [peer(2)] }, devices: { ...devices, underlay: "ens5" } });
    expect(plan.ipScript).toBe("route replace 10.1.2.0/24 via 198.18.1.12 dev ens5 proto 148\n");
  });
});
