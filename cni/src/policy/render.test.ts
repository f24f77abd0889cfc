import { describe, expect, it } from "vitest";
import { compilePolicies, counterName } from "./compile.js";
import { renderPolicyScript } from "./render.js";

const input = {
  nodeName: "n1",
  pods: [
    { namespace: "x", name: "a", ip: "10.0.1.1", nodeName: "n1", labels: { pod: "a" } },
    { namespace: "y", name: "b", ip: "10.0.2.2", nodeName: "n2", labels: { pod: "b" } },
  ],
  namespaces: [{ name: "x", labels: {} }, { name: "y", labels: {} }],
  policies: [{ namespace: "x", name: "web", spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "10.0.2.0/24", except: ["10.0.2.128/25"] } }], ports: [{ port: 80 }] }], egress: [{}] } }],
};

describe("renderPolicyScript", () => {
  it("fills one table in one transaction: add what is missing, flush ours, refill", () => {
    const script = renderPolicyScript(compilePolicies(input), { chains: [], counters: [] });
    const lines = script.trimEnd().split("\n");
    expect(lines[0]).toBe("add table inet isthmus-policy");
    expect(lines).toContain(`add counter inet isthmus-policy ${counterName("x", "web", "ingress")}`);
    expect(lines).toContain("add chain inet isthmus-policy forward { type filter hook forward priority filter; policy accept; }");
    expect(lines).toContain("add rule inet isthmus-policy forward ct state established,related accept");
    expect(lines).toContain("add element inet isthmus-policy ingress_isolated { 10.0.1.1 }");
    expect(lines).toContain("add element inet isthmus-policy ingress_ports { 10.0.1.1 . 10.0.2.0-10.0.2.127 . 6 . 80 }");
    expect(lines).toContain("add element inet isthmus-policy egress_any { 10.0.1.1 . 0.0.0.0-255.255.255.255 }");
    // Every flush comes before the first rule, so the new rules replace, never add to, the old.
    const lastFlush = lines.findLastIndex((l) => l.startsWith("flush "));
    const firstRule = lines.findIndex((l) => l.startsWith("add rule "));
    expect(lastFlush).toBeLessThan(firstRule);
    expect(script).not.toContain("delete ");
  });

  it("deletes drop chains and counters that are no longer wanted, after emptying what refers to them", () => {
    const stale = { chains: ["forward", "ingress", "egress", "drop_0123456789abcdef", "someone_elses"], counters: ["in_0123456789abcdef", counterName("x", "web", "ingress")] };
    const lines = renderPolicyScript(compilePolicies(input), stale).trimEnd().split("\n");
    expect(lines.indexOf("flush chain inet isthmus-policy drop_0123456789abcdef")).toBeGreaterThan(0);
    expect(lines.slice(-2)).toEqual(["delete chain inet isthmus-policy drop_0123456789abcdef", "delete counter inet isthmus-policy in_0123456789abcdef"]);
    expect(lines.join("\n")).not.toContain("someone_elses");
  });

  it("renders an empty ruleset as a table that isolates nothing", () => {
    const script = renderPolicyScript(compilePolicies({ ...input, policies: [] }), { chains: [], counters: [] });
    expect(script).not.toContain("add element");
    expect(script).toContain("add rule inet isthmus-policy ingress ip daddr != @ingress_isolated return");
  });
});
