import { readFileSync } from "node:fs";
import type { ServiceExport } from "@isthmus/core/model";
import type { GlobalNatSpec } from "@isthmus/gateway/global";
import { describe, expect, it } from "vitest";
import { judgeBlock, missingNatRules, unaddressedExports } from "./diagnose-global.js";

// `nft list table ip isthmus_global` of the spec below, recorded in a network namespace after
// applying renderGlobalNat(spec, "active")'s script (nft 1.0.6).
const listed = readFileSync(new URL("diagnose-global.fixture.nft", import.meta.url), "utf8");
const spec: GlobalNatSpec = {
  device: "isthmus-wg",
  localCidrs: ["10.244.0.0/16"],
  egressIp: "242.0.0.1",
  services: [
    { globalIp: "242.0.0.2", ports: [{ protocol: "TCP", port: 80, backends: [{ ip: "10.244.1.5", port: 8080 }] }, { protocol: "UDP", port: 53, backends: [{ ip: "10.244.1.5", port: 5353 }, { ip: "10.244.2.7", port: 5353 }] }] },
    { globalIp: "242.0.0.3", ports: [{ protocol: "TCP", port: 443, backends: [{ ip: "10.244.1.6", port: 8443 }, { ip: "10.244.2.8", port: 9443 }] }, { protocol: "TCP", port: 9000, backends: [] }] },
  ],
  pods: [{ globalIp: "242.0.0.4", podIp: "10.244.1.9" }, { globalIp: "242.0.0.5", podIp: "10.244.2.3" }],
};

const same = { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] };
const t0 = "2025-01-31T12:00:00.000Z";
const svc = (clusterId: string, name: string, globalIp?: string): ServiceExport => ({
  clusterId, namespace: "default", name, type: "ClusterSetIP", ports: [{ port: 80, protocol: "TCP" }], clusterIp: "10.96.0.10", createdAt: t0, ...(globalIp === undefined ? {} : { globalIp }),
});

describe("diagnose global addresses: the broker's side", () => {
  it("fails a cluster that overlaps a member and holds no block, naming the CIDRs", () => {
    const out = judgeBlock({ clusterId: "c1", clusters: [{ id: "c1", ...same }, { id: "c2", ...same, globalCidr: "242.0.0.0/16" }], exports: [], unaddressed: [] });
    expect(out).toMatchObject({ result: "fail", detail: "no global block, but the CIDRs overlap: 10.244.0.0/16 / c2 10.244.0.0/16; 10.96.0.0/12 / c2 10.96.0.0/12" });
    expect(out.remedy).toContain("isthmus join --global-cidr auto");
  });

  it("passes a cluster with unique CIDRs and no block, and one with a block and room", () => {
    expect(judgeBlock({ clusterId: "c3", clusters: [{ id: "c3", podCidrs: ["10.3.0.0/16"], serviceCidrs: ["10.4.0.0/16"] }, { id: "c1", ...same }], exports: [], unaddressed: [] }).result).toBe("ok");
    const out = judgeBlock({ clusterId: "c1", clusters: [{ id: "c1", ...same, globalCidr: "242.1.0.0/16" }], exports: [svc("c1", "web", "242.1.0.2"), svc("c2", "web", "242.0.0.2")], unaddressed: [] });
    expect(out).toEqual({ result: "ok", detail: "block 242.1.0.0/16: 1 of 65533 global IPs in use", remedy: "" });
    // A GlobalEgressIP's address is one of the block's too.
    const egress = [{ namespace: "shop", name: "all", globalIp: "242.1.0.3" }, { namespace: "shop", name: "none" }];
    expect(judgeBlock({ clusterId: "c1", clusters: [{ id: "c1", ...same, globalCidr: "242.1.0.0/16", globalEgress: egress }], exports: [svc("c1", "web", "242.1.0.2")], unaddressed: [] }).detail).toBe("block 242.1.0.0/16: 2 of 65533 global IPs in use");
  });

  it("fails an exhausted block naming the exports marked GlobalAddresses=False, warns when merely full", () => {
    // A /29 holds 5: one service and a headless export's four pods.
    const db: ServiceExport = { clusterId: "tiny", namespace: "default", name: "db", type: "Headless", ports: [], createdAt: t0, endpoints: [3, 4, 5, 6].map((i) => ({ addresses: [`10.244.1.${String(i)}`], ready: true, globalIp: `242.0.0.${String(i)}` })) };
    const view = { clusterId: "tiny", clusters: [{ id: "tiny", ...same, globalCidr: "242.0.0.0/29" }], exports: [svc("tiny", "one", "242.0.0.2"), db] };
    const listed = [
      { metadata: { namespace: "default", name: "one" }, status: { conditions: [{ type: "Ready", status: "True" }] } },
      { metadata: { namespace: "default", name: "two" }, status: { conditions: [{ type: "Ready", status: "False" }, { type: "GlobalAddresses", status: "False" }] } },
      { metadata: { namespace: "default", name: "db" } },
    ];
    expect(unaddressedExports(listed)).toEqual(["default/two"]);
    const full = judgeBlock({ ...view, unaddressed: unaddressedExports(listed) });
    expect(full.result).toBe("fail");
    expect(full.detail).toBe("block 242.0.0.0/29: 5 of 5 global IPs in use: the block is exhausted; exports without their global IPs (other clusters cannot reach them or some of their pods): default/two");
    expect(full.remedy).toContain("isthmus join --global-cidr /27");
    expect(judgeBlock({ ...view, unaddressed: [] }).result).toBe("warn");
  });
});

describe("diagnose global addresses: the active gateway's table", () => {
  it("finds nothing missing in the table nft lists for the spec (ports without backends have no rule)", () => {
    expect(missingNatRules(spec, listed)).toEqual([]);
  });

  it("names each rule that is missing, and a missing table", () => {
    const without = listed.split("\n").filter((l) => !l.includes("udp dport 53") && !l.includes("snat to") && !l.includes("242.0.0.5")).join("\n");
    expect(missingNatRules(spec, without)).toEqual(["no SNAT to 242.0.0.1", "no DNAT of 242.0.0.2 udp/53", "no DNAT of 242.0.0.5 to pod 10.244.2.3"]);
    expect(missingNatRules(spec, listed.replace('comment "active"', 'comment "passive"'))).toEqual(["the table is programmed as a passive gateway's (it does not translate)"]);
    expect(missingNatRules(spec, "")).toEqual(["no table ip isthmus_global"]);
  });
});
