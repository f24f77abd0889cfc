import { describe, expect, it } from "vitest";
import type { GatewayProgram } from "@isthmus/cni/egress";
import { missingOnNode } from "./diagnose-egress.js";

const target = { name: "n2", internalIp: "198.18.1.12", podCidr: "10.1.2.0/24" };
const serving: GatewayProgram = { name: "db", index: 1, destinations: ["0.0.0.0/0"], steer: [], active: target, serving: true, snat: ["10.1.1.5"], egressIp: "198.18.1.50", extraPrefix: 24 };
const steering: GatewayProgram = { ...serving, serving: false, snat: [], steer: ["10.1.1.5"] };

describe("missingOnNode", () => {
  it("finds nothing missing when the node holds the address, the SNAT and the steering", () => {
    expect(missingOnNode([serving], { addresses: ["198.18.1.11", "198.18.1.50"], table: "snat ip to 198.18.1.50", rules: [], routedTables: [] })).toEqual([]);
    expect(missingOnNode([steering], { addresses: [], table: "set s_db {", rules: [{ mark: 0x10000, table: 7101 }], routedTables: [7101] })).toEqual([]);
  });

  it("names what the active node and a pod node lack", () => {
    expect(missingOnNode([serving], { addresses: ["198.18.1.11"], table: "", rules: [], routedTables: [] })).toEqual(["db: egress address 198.18.1.50 not on the node", "db: no SNAT to 198.18.1.50"]);
    expect(missingOnNode([steering], { addresses: [], table: "", rules: [{ mark: 0x20000, table: 7102 }], routedTables: [] })).toEqual(["db: no ip rule 1041 for mark 65536", "db: no route in table 7101", "db: no steering set in table ip isthmus-egress"]);
  });

  it("does not ask for an address the node's own InternalIP provides", () => {
    const own: GatewayProgram = { ...serving, egressIp: "198.18.1.12" };
    delete (own as { extraPrefix?: number }).extraPrefix;
    expect(missingOnNode([own], { addresses: [], table: "snat ip to 198.18.1.12", rules: [], routedTables: [] })).toEqual([]);
  });
});
