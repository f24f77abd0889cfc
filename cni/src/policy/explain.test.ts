import { describe, expect, it } from "vitest";
import { explainFlow } from "./explain.js";
import type { PolicyInput } from "./types.js";

const input: PolicyInput = {
  nodeName: "ignored",
  namespaces: [{ name: "x", labels: { ns: "x" } }, { name: "y", labels: { ns: "y" } }],
  pods: [
    { namespace: "x", name: "web", ip: "10.0.1.1", nodeName: "n1", labels: { app: "web" }, ports: [{ name: "http", port: 80 }] },
    { namespace: "y", name: "client", ip: "10.0.2.1", nodeName: "n2", labels: { app: "client" } },
  ],
  policies: [
    { namespace: "x", name: "deny", spec: { podSelector: {} } },
    { namespace: "x", name: "from-y-http", spec: { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "y" } } }], ports: [{ port: "http" }] }] } },
    { namespace: "y", name: "client-out", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ protocol: "TCP", port: 80 }] }] } },
  ],
};

describe("explainFlow", () => {
  it("names each side's isolating policies and the rules that allow the flow", () => {
    expect(explainFlow(input, { src: "10.0.2.1", dst: "10.0.1.1", protocol: "TCP", port: 80 })).toEqual({
      egress: { pod: "y/client", allowed: true, policies: [{ policy: "y/client-out", allows: true, rules: [{ rule: 0, peerMatches: true, portMatches: true, allows: true }] }] },
      ingress: {
        pod: "x/web",
        allowed: true,
        policies: [
          { policy: "x/deny", allows: false, rules: [] },
          { policy: "x/from-y-http", allows: true, rules: [{ rule: 0, peerMatches: true, portMatches: true, allows: true }] },
        ],
      },
      allowed: true,
    });
  });

  it("says which side drops a flow and which half of each rule missed", () => {
    const wrongPort = explainFlow(input, { src: "10.0.2.1", dst: "10.0.1.1", protocol: "TCP", port: 81 });
    expect(wrongPort.allowed).toBe(false);
    expect(wrongPort.egress).toMatchObject({ allowed: false, policies: [{ policy: "y/client-out", allows: false, rules: [{ rule: 0, peerMatches: true, portMatches: false }] }] });
    expect(wrongPort.ingress).toMatchObject({ allowed: false, policies: [{ policy: "x/deny", rules: [] }, { policy: "x/from-y-http", allows: false, rules: [{ rule: 0, peerMatches: true, portMatches: false, allows: false }] }] });
    const wrongPeer = explainFlow(input, { src: "192.0.2.1", dst: "10.0.1.1", protocol: "TCP", port: 80 });
    expect(wrongPeer.ingress.policies[1]).toEqual({ policy: "x/from-y-http", allows: false, rules: [{ rule: 0, peerMatches: false, portMatches: true, allows: false }] });
    expect(explainFlow(input, { src: "10.0.1.1", dst: "10.0.2.1", protocol: "ICMP" })).toEqual({ egress: { pod: "x/web", policies: [], allowed: true }, ingress: { pod: "y/client", policies: [], allowed: true }, allowed: true });
  });

  it("needs peer and port in the same rule", () => {
    const split: PolicyInput = {
      ...input,
      policies: [{ namespace: "x", name: "split", spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "y" } } }], ports: [{ port: 443 }] }, { from: [{ ipBlock: { cidr: "192.0.2.0/24" } }], ports: [{ port: 80 }] }] } }],
    };
    expect(explainFlow(split, { src: "10.0.2.1", dst: "10.0.1.1", protocol: "TCP", port: 80 }).ingress).toEqual({
      pod: "x/web",
      allowed: false,
      policies: [{ policy: "x/split", allows: false, rules: [{ rule: 0, peerMatches: true, portMatches: false, allows: false }, { rule: 1, peerMatches: false, portMatches: true, allows: false }] }],
    });
  });

  it("treats addresses outside the pods as unisolated peers", () => {
    expect(explainFlow(input, { src: "192.0.2.1", dst: "10.0.1.1", protocol: "UDP", port: 53 })).toMatchObject({ egress: { policies: [], allowed: true }, ingress: { allowed: false }, allowed: false });
    expect(explainFlow(input, { src: "192.0.2.1", dst: "10.0.1.1", protocol: "UDP", port: 53 }).egress).not.toHaveProperty("pod");
  });
});
