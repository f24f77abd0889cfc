import { describe, expect, it } from "vitest";
import { clearClaimsScript, markOf, renderEgressScript, ruleArgs, routeArgs, steerRules } from "./render.js";
import type { GatewayProgram } from "./types.js";

const base: GatewayProgram = {
  name: "db.egress", index: 2, destinations: ["0.0.0.0/0"], steer: [], snat: [], serving: false, egressIp: "198.18.246.50", extraPrefix: 24,
  active: { name: "n2", internalIp: "198.18.246.12", podCidr: "10.248.2.0/24" },
};
const hop = { via: "10.248.2.0", dev: "isthmus.1", onlink: true };

describe("renderEgressScript", () => {
  it("marks a steering node's pods and keeps the masquerade off them only towards the egress node", () => {
    const script = renderEgressScript({ programs: [{ program: { ...base, steer: ["10.248.1.5"] }, nextHop: hop }], clusterCidrs: ["10.248.0.0/16"], addresses: [], served: [] }, { sets: [], counters: [] });
    expect(script).toContain("add element ip isthmus-egress s_db_egress { 10.248.1.5 }");
    expect(script).toContain("add rule ip isthmus-egress steer ip saddr @s_db_egress ip daddr @d_db_egress ip daddr != @cluster meta mark set meta mark & 0xff00ffff | 0x00020000 ct mark set ct mark & 0xff00ffff | 0x00020000");
    expect(script).toContain("add rule ip isthmus-egress steer ct direction reply ct mark & 0x00ff0000 == 0x00020000 meta mark set meta mark & 0xff00ffff | 0x00020000");
    expect(script).toContain("add rule ip isthmus-egress nat meta mark & 0x00ff0000 == 0x00020000 rt ip nexthop 10.248.2.0 snat ip to ip saddr");
    expect(script).not.toContain("snat ip to 198.18.246.50");
    // With the candidates' next hops, the rule is the same whichever of them is active.
    const both = renderEgressScript({ programs: [{ program: { ...base, steer: ["10.248.1.5"] }, nextHop: hop, candidateHops: ["10.248.3.0", "10.248.2.0"] }], clusterCidrs: ["10.248.0.0/16"], addresses: [], served: [] }, { sets: [], counters: [] });
    expect(both).toContain("add rule ip isthmus-egress nat meta mark & 0x00ff0000 == 0x00020000 rt ip nexthop { 10.248.2.0, 10.248.3.0 } snat ip to ip saddr");
  });

  it("SNATs and counts on the serving node, and deletes what gone resources left", () => {
    const script = renderEgressScript({ programs: [{ program: { ...base, serving: true, snat: ["10.248.1.5", "10.248.2.7"] } }], clusterCidrs: [], addresses: ["198.18.246.50"], served: ["198.18.246.50"] }, { sets: ["cluster", "addresses", "d_old", "n_old"], counters: ["tx_old", "rx_old", "tx_db_egress"] });
    expect(script).toContain('add rule ip isthmus-egress nat ip saddr @n_db_egress ip daddr @d_db_egress ip daddr != @cluster oifname != "isthmus*" oifname != "vx-isthmus" snat ip to 198.18.246.50');
    expect(script).toContain("add element ip isthmus-egress addresses { 198.18.246.50 }");
    expect(script).toContain("counter name tx_db_egress");
    expect(script.split("\n").filter((l) => l.startsWith("delete"))).toEqual(["delete set ip isthmus-egress d_old", "delete set ip isthmus-egress n_old", "delete counter ip isthmus-egress tx_old", "delete counter ip isthmus-egress rx_old"]);
  });

  it("guards the ARP of a node holding an extra address: another host announcing a served address silences the kernel's own ARP for it", () => {
    const guard = (served: string[], addresses: string[]): string[] => renderEgressScript({ programs: [{ program: { ...base, serving: served.length > 0 } }], clusterCidrs: [], addresses, served }, { sets: [], counters: [] }).split("\n").filter((l) => l.includes("arp isthmus-egress"));
    expect(guard(["198.18.246.50"], ["198.18.246.50"])).toEqual([
      "add table arp isthmus-egress",
      "add set arp isthmus-egress served { type ipv4_addr; }",
      "flush set arp isthmus-egress served",
      "add element arp isthmus-egress served { 198.18.246.50 }",
      "add set arp isthmus-egress taken { type ipv4_addr; flags dynamic; }",
      "add chain arp isthmus-egress in { type filter hook input priority filter; policy accept; }",
      "flush chain arp isthmus-egress in",
      "add rule arp isthmus-egress in arp saddr ip @served update @taken { arp saddr ip }",
      "add chain arp isthmus-egress out { type filter hook output priority filter; policy accept; }",
      "flush chain arp isthmus-egress out",
      "add rule arp isthmus-egress out arp saddr ip @taken drop",
    ]);
    // The kernel's record of other nodes' claims survives a write; announcing clears the address's.
    expect(guard(["198.18.246.50"], ["198.18.246.50"]).filter((l) => /^(flush set|delete|add element) .*taken/.test(l))).toEqual([]);
    expect(clearClaimsScript(["198.18.246.50"]).split("\n")).toEqual(["add element arp isthmus-egress taken { 198.18.246.50 }", "delete element arp isthmus-egress taken { 198.18.246.50 }", ""]);
    expect(clearClaimsScript([])).toBe("");
    // Still holding an address it no longer serves (removed later in the same pass): guarded, nothing served.
    expect(guard([], ["198.18.246.50"]).filter((l) => l.includes("served {"))).toEqual(["add set arp isthmus-egress served { type ipv4_addr; }"]);
    // No extra address: the guard is deleted.
    expect(guard([], [])).toEqual(["add table arp isthmus-egress", "delete table arp isthmus-egress"]);
  });
});

describe("steering rules and routes", () => {
  it("gives each steering program the main table without its default, then its own table", () => {
    const rules = steerRules([{ program: { ...base, steer: ["10.248.1.5"] }, nextHop: hop }, { program: { ...base, index: 3, serving: true } }]);
    expect(rules.map(ruleArgs)).toEqual([
      ["priority", "1040", "fwmark", "0x00020000/0x00ff0000", "lookup", "main", "suppress_prefixlength", "0"],
      ["priority", "1041", "fwmark", "0x00020000/0x00ff0000", "lookup", "7102"],
    ]);
    expect(routeArgs(2, hop)).toEqual(["default", "via", "10.248.2.0", "dev", "isthmus.1", "onlink", "table", "7102", "proto", "148"]);
    expect(markOf(255)).toBe(0x00ff0000);
  });
});
