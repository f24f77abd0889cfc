import { describe, expect, it } from "vitest";
import type { CniNodeState } from "@isthmus/core/model";
import { judgeMasquerade, judgePodMtu, judgeRpFilter } from "./diagnose-cni.js";

const flannelMasq = "-A FLANNEL-POSTRTG -s 10.2.0.0/16 ! -d 224.0.0.0/4 -m comment --comment \"flanneld masq\" -j MASQUERADE --random-fully";

const node = (name: string, extra: Partial<CniNodeState> = {}): CniNodeState => ({
  node: name,
  links: [
    { name: "eth0", kind: "veth", mtu: 1500 },
    { name: "flannel.1", kind: "vxlan", mtu: 1450 },
    { name: "cni0", kind: "bridge", mtu: 1450 },
    { name: "veth1", kind: "veth", mtu: 1450, master: "cni0" },
    { name: "vx-isthmus", kind: "vxlan", mtu: 1450 },
  ],
  rpFilter: { all: 0, eth0: 2, "flannel.1": 0, "vx-isthmus": 2 },
  // The route agent's table as core's parseRouteAgentTable reads it on a flannel node of the interop lab.
  exemption: { daddr: true, saddr: true },
  exempted: ["10.1.0.0/16", "10.101.0.0-10.103.255.255"],
  masquerades: [flannelMasq],
  mssClamped: [],
  ...extra,
});
const gateway = (extra: Partial<CniNodeState> = {}): CniNodeState => {
  const n = node("c2-n1", extra);
  return { ...n, links: [...n.links, { name: "isthmus-wg", kind: "tun", mtu: 1420 }] };
};

describe("judgeMasquerade", () => {
  it("passes when every node keeps the source of every remote CIDR", () => {
    expect(judgeMasquerade([node("c2-n1"), node("c2-n2")], ["10.1.0.0/16", "10.102.0.0/16"]).result).toBe("ok");
  });

  it("names the node without the exemption and the CNI's masquerade rule that then applies", () => {
    const verdict = judgeMasquerade([node("c2-n1"), node("c2-n2", { exemption: { daddr: false, saddr: true } })], undefined);
    expect(verdict.result).toBe("fail");
    expect(verdict.detail).toContain("c2-n2: no exemption of traffic to remote CIDRs");
    expect(verdict.detail).toContain(flannelMasq);
    expect(verdict.detail).not.toContain("c2-n1");
  });

  it("names a remote CIDR missing from the set", () => {
    expect(judgeMasquerade([node("c2-n1")], ["10.3.0.0/16"]).detail).toContain("c2-n1: remote CIDRs 10.3.0.0/16 missing");
  });
});

describe("judgePodMtu", () => {
  const active = { node: "c2-n1", cableDevice: "isthmus-wg" };

  it("passes a pod MTU above the tunnel's when the active gateway clamps TCP MSS into it", () => {
    const verdict = judgePodMtu([gateway({ mssClamped: ["isthmus-wg"] }), node("c2-n2")], active);
    expect(verdict).toMatchObject({ result: "ok" });
    expect(verdict.detail).toContain("pod MTU 1450 (c2-n1) > isthmus-wg on c2-n1 1420: TCP is clamped");
  });

  it("fails a pod MTU above the tunnel's without the clamp", () => {
    const verdict = judgePodMtu([gateway(), node("c2-n2")], active);
    expect(verdict.result).toBe("fail");
    expect(verdict.detail).toContain("does not clamp TCP MSS into isthmus-wg");
  });

  it("passes a pod MTU that fits the path without a clamp", () => {
    const small = (n: CniNodeState): CniNodeState => ({ ...n, links: n.links.map((l) => (l.name === "veth1" ? { ...l, mtu: 1400 } : l)) });
    expect(judgePodMtu([small(gateway()), small(node("c2-n2"))], active).result).toBe("ok");
  });

  it("fails when the active gateway has no cable device", () => {
    expect(judgePodMtu([node("c2-n1")], active).result).toBe("fail");
  });
});

describe("judgeRpFilter", () => {
  const underlays = { "c2-n1": ["eth0", "wan0"], "c2-n2": ["eth0"] };

  it("passes loose or no filtering", () => {
    expect(judgeRpFilter([gateway(), node("c2-n2")], underlays).result).toBe("ok");
  });

  it("names every tunnel or underlay device under strict filtering, through conf/all or its own", () => {
    const verdict = judgeRpFilter([gateway({ rpFilter: { all: 0, "flannel.1": 1 } }), node("c2-n2", { rpFilter: { all: 1, eth0: 2, "vx-isthmus": 2 } })], underlays);
    expect(verdict.result).toBe("fail");
    expect(verdict.detail).toContain("c2-n1 flannel.1 (all=0, flannel.1=1)");
    expect(verdict.detail).toContain("c2-n2 flannel.1 (all=1, flannel.1=0)");
    // conf/all=1 with a device's own 2 is loose (the max wins), and a bridge is not an arrival device.
    expect(verdict.detail).not.toContain("c2-n2 eth0");
    expect(verdict.detail).not.toContain("cni0");
  });
});
