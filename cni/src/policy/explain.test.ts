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
  it("names the isolating policies of each side and the ones that allow the flow", () => {
    expect(explainFlow(input, { src: "10.0.2.1", dst: "10.0.1.1", protocol: "TCP", port: 80 })).toEqual({
      egress: { pod: "y/client", isolatedBy: ["y/client-out"], allowedBy: ["y/client-out"], allowed: true },
      ingress: { pod: "x/web", isolatedBy: ["x/deny", "x/from-y-http"], allowedBy: ["x/from-y-http"], allowed: true },
      allowed: true,
    });
  });

  it("says which side drops a flow", () => {
    const out = explainFlow(input, { src: "10.0.2.1", dst: "10.0.1.1", protocol: "TCP", port: 81 });
    expect(out.allowed).toBe(false);
    expect(out.egress).toMatchObject({ allowed: false, allowedBy: [] });
    expect(out.ingress).toMatchObject({ allowed: false, isolatedBy: ["x/deny", "x/from-y-http"], allowedBy: [] });
    expect(explainFlow(input, { src: "10.0.1.1", dst: "10.0.2.1", protocol: "ICMP" })).toMatchObject({ egress: { pod: "x/web", isolatedBy: [], allowed: true }, ingress: { pod: "y/client", isolatedBy: [], allowed: true }, allowed: true });
  });

  it("treats addresses outside the pods as unisolated peers", () => {
    expect(explainFlow(input, { src: "192.0.2.1", dst: "10.0.1.1", protocol: "UDP", port: 53 })).toMatchObject({ egress: { isolatedBy: [], allowed: true }, ingress: { allowed: false }, allowed: false });
  });
});
