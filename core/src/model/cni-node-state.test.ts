import { describe, expect, it } from "vitest";
import { ModelError } from "./errors.js";
import { type CniNodeAnswer, parseCniNodeAnswer, parseLinks, parseMasquerades, parseMssClamps, parseRouteAgentTable, parseRpFilters, readCniNode } from "./cni-node-state.js";

// `nft -j list table ip isthmus-route-agent` on a flannel node of the interop lab (metainfo and handles cut).
const table = JSON.stringify({ nftables: [
  { table: { family: "ip", name: "isthmus-route-agent" } },
  { set: { family: "ip", name: "remote", table: "isthmus-route-agent", type: "ipv4_addr", flags: ["interval"], elem: [{ prefix: { addr: "10.1.0.0", len: 16 } }, { range: ["10.101.0.0", "10.103.255.255"] }] } },
  { chain: { family: "ip", table: "isthmus-route-agent", name: "keep_source", type: "nat", hook: "postrouting", prio: 95, policy: "accept" } },
  { rule: { family: "ip", table: "isthmus-route-agent", chain: "keep_source", expr: [{ match: { op: "==", left: { payload: { protocol: "ip", field: "daddr" } }, right: "@remote" } }, { snat: { addr: { payload: { protocol: "ip", field: "saddr" } } } }] } },
  { rule: { family: "ip", table: "isthmus-route-agent", chain: "keep_source", expr: [{ match: { op: "==", left: { payload: { protocol: "ip", field: "saddr" } }, right: "@remote" } }, { snat: { addr: { payload: { protocol: "ip", field: "saddr" } } } }] } },
] });

// `ip -j -d link show` on c2-n2 of the interop lab (flannel), fields other than these cut, with one pod's veth.
const links = JSON.stringify([
  { ifname: "lo", mtu: 65536 },
  { ifname: "eth0", mtu: 1500, linkinfo: { info_kind: "veth" } },
  { ifname: "flannel.1", mtu: 1450, linkinfo: { info_kind: "vxlan" } },
  { ifname: "cni0", mtu: 1450, linkinfo: { info_kind: "bridge" } },
  { ifname: "veth3b1c7a2e", mtu: 1450, master: "cni0", linkinfo: { info_kind: "veth", info_slave_kind: "bridge" } },
]);

// `grep -H . /proc/sys/net/ipv4/conf/*/rp_filter` on the same node.
const rpFilters = [["all", 0], ["cni0", 0], ["default", 0], ["eth0", 2], ["flannel.1", 0], ["lo", 0]].map(([dev, v]) => `/proc/sys/net/ipv4/conf/${String(dev)}/rp_filter:${String(v)}`).join("\n");

// `iptables -t nat -S` on the same node, cut to the rules that matter.
const nat = [
  "-P POSTROUTING ACCEPT",
  "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING",
  "-A POSTROUTING -m comment --comment \"flanneld masq\" -j FLANNEL-POSTRTG",
  "-A FLANNEL-POSTRTG -s 10.2.0.0/16 ! -d 224.0.0.0/4 -m comment --comment \"flanneld masq\" -j MASQUERADE --random-fully",
  "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully",
].join("\n");

const clamp = 'table inet isthmus_mss_isthmus_wg {\n\tchain forward {\n\t\toifname "isthmus-wg" tcp flags syn tcp option maxseg size set rt mtu\n\t}\n}';

describe("parseRouteAgentTable", () => {
  it("reads both keep_source rules and the set's prefixes and ranges", () => {
    expect(parseRouteAgentTable(table)).toEqual({ exemption: { daddr: true, saddr: true }, exempted: ["10.1.0.0/16", "10.101.0.0-10.103.255.255"] });
  });

  it("finds no exemption when the table is absent", () => {
    expect(parseRouteAgentTable("")).toEqual({ exemption: { daddr: false, saddr: false }, exempted: [] });
  });
});

describe("parseMssClamps", () => {
  it("reads the devices clamped in an nft ruleset", () => {
    expect(parseMssClamps(clamp)).toEqual(["isthmus-wg"]);
  });
});

describe("parseLinks", () => {
  it("reads each link's name, kind, MTU and master", () => {
    expect(parseLinks(links)).toEqual([
      { name: "lo", kind: "", mtu: 65536 },
      { name: "eth0", kind: "veth", mtu: 1500 },
      { name: "flannel.1", kind: "vxlan", mtu: 1450 },
      { name: "cni0", kind: "bridge", mtu: 1450 },
      { name: "veth3b1c7a2e", kind: "veth", mtu: 1450, master: "cni0" },
    ]);
  });
});

describe("parseRpFilters and parseMasquerades", () => {
  it("read rp_filter by device, with all", () => {
    expect(parseRpFilters(rpFilters)).toEqual({ all: 0, cni0: 0, default: 0, eth0: 2, "flannel.1": 0, lo: 0 });
  });

  it("keep the CNI's masquerade rules, not kube-proxy's", () => {
    expect(parseMasquerades(nat)).toEqual(["-A FLANNEL-POSTRTG -s 10.2.0.0/16 ! -d 224.0.0.0/4 -m comment --comment \"flanneld masq\" -j MASQUERADE --random-fully"]);
  });
});

describe("readCniNode", () => {
  it("reads the node through the runner it is given, the route agent's table by name", async () => {
    const ran: string[] = [];
    const outputs: Record<string, string> = {
      "sh -c grep -H . /proc/sys/net/ipv4/conf/*/rp_filter": rpFilters,
      "iptables -t nat -S": nat,
      "ip -j -d link show": links,
      "nft -j list table ip isthmus-route-agent": table,
      "nft list ruleset": clamp,
    };
    const state = await readCniNode("c2-n2", { table: "isthmus-route-agent", run: (argv) => {
      ran.push(argv.join(" "));
      return Promise.resolve(outputs[argv.join(" ")] ?? "");
    } });
    expect(ran.sort()).toEqual(Object.keys(outputs).sort());
    expect(state).toEqual({
      node: "c2-n2", links: parseLinks(links), rpFilter: parseRpFilters(rpFilters),
      exemption: { daddr: true, saddr: true }, exempted: ["10.1.0.0/16", "10.101.0.0-10.103.255.255"],
      masquerades: parseMasquerades(nat), mssClamped: ["isthmus-wg"],
    });
  });
});

describe("parseCniNodeAnswer", () => {
  const answer: CniNodeAnswer = {
    node: "c2-n1", links: [{ name: "cni0", kind: "bridge", mtu: 1450 }, { name: "veth1", kind: "veth", mtu: 1450, master: "cni0" }],
    rpFilter: { all: 0 }, exemption: { daddr: true, saddr: false }, exempted: ["10.1.0.0/16"], masquerades: [], mssClamped: ["isthmus-wg"], underlays: ["eth0", "wan0"],
  };

  it("accepts an answer as the route agent sends it (through JSON)", () => {
    expect(parseCniNodeAnswer(JSON.parse(JSON.stringify(answer)))).toEqual(answer);
  });

  it("rejects an answer without underlays or with unknown fields, naming the field", () => {
    const { underlays: _, ...without } = answer;
    expect(() => parseCniNodeAnswer(without)).toThrow(ModelError);
    expect(() => parseCniNodeAnswer(without)).toThrow(/^Invalid CNI node state: underlays: /);
    expect(() => parseCniNodeAnswer({ ...answer, secret: "x" })).toThrow(ModelError);
  });
});
