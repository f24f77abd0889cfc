import { describe, expect, it } from "vitest";
import type { PolicyInput } from "@isthmus/cni/policy";
import { runCli } from "../testing/local-broker.js";
import { CliError } from "../command.js";
import { diagnoseFlow, parseFlowEnd, renderDiagnosis } from "./diagnose-policy.js";

const input: PolicyInput = {
  nodeName: "",
  namespaces: [{ name: "shop", labels: {} }, { name: "ops", labels: { team: "ops" } }],
  pods: [
    { namespace: "shop", name: "web", ip: "10.1.0.5", nodeName: "n1", labels: { app: "web" }, ports: [{ name: "http", port: 8080 }, { name: "stats", port: 9000, protocol: "UDP" }] },
    { namespace: "ops", name: "probe", ip: "10.1.1.7", nodeName: "n2", labels: {} },
    { namespace: "ops", name: "pending", nodeName: "n2", labels: {} },
  ],
  policies: [{ namespace: "shop", name: "web-from-ops", spec: { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "ops" } } }], ports: [{ port: "http" }] }] } }],
};

const usageError = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    if (err instanceof CliError && err.code === "UsageError") return err.message;
    throw err;
  }
  throw new Error("no UsageError");
};

describe("parseFlowEnd", () => {
  it("reads pods, addresses, ports, port names and protocols", () => {
    expect(parseFlowEnd("shop/web", { role: "SRC" })).toEqual({ pod: { namespace: "shop", name: "web" }, protocol: "TCP" });
    expect(parseFlowEnd("192.0.2.10", { role: "SRC" })).toEqual({ ip: "192.0.2.10", protocol: "TCP" });
    expect(parseFlowEnd("shop/web:8080", { role: "DST" })).toEqual({ pod: { namespace: "shop", name: "web" }, port: 8080, protocol: "TCP" });
    expect(parseFlowEnd("shop/web:stats/udp", { role: "DST" })).toEqual({ pod: { namespace: "shop", name: "web" }, port: "stats", protocol: "UDP" });
    expect(parseFlowEnd("10.1.0.5:53/SCTP", { role: "DST" })).toEqual({ ip: "10.1.0.5", port: 53, protocol: "SCTP" });
    expect(parseFlowEnd("shop/web/icmp", { role: "DST" })).toEqual({ pod: { namespace: "shop", name: "web" }, protocol: "ICMP" });
  });

  it("refuses malformed ends with a UsageError that says what is wrong", () => {
    expect(usageError(() => parseFlowEnd("web", { role: "SRC" }))).toMatch(/neither NAMESPACE\/POD nor an IPv4 address/);
    expect(usageError(() => parseFlowEnd("shop/web:80", { role: "SRC" }))).toMatch(/takes no port/);
    expect(usageError(() => parseFlowEnd("shop/web", { role: "DST" }))).toMatch(/needs :PORT/);
    expect(usageError(() => parseFlowEnd("shop/web:0", { role: "DST" }))).toMatch(/not in 1-65535/);
    expect(usageError(() => parseFlowEnd("shop/web:70000", { role: "DST" }))).toMatch(/not in 1-65535/);
    expect(usageError(() => parseFlowEnd("10.1.0.5:http", { role: "DST" }))).toMatch(/named port needs a pod/);
    expect(usageError(() => parseFlowEnd("10.1.0.300:80", { role: "DST" }))).toMatch(/not an IPv4 address/);
    expect(usageError(() => parseFlowEnd("shop/web:80/icmp", { role: "DST" }))).toMatch(/icmp has no port/);
    expect(usageError(() => parseFlowEnd("shop/web:80/gre", { role: "DST" }))).toMatch(/neither/);
  });
});

describe("diagnoseFlow", () => {
  const ops = parseFlowEnd("ops/probe", { role: "SRC" });

  it("resolves a named port on the destination pod and names the allowing rule", () => {
    const d = diagnoseFlow(input, { src: ops, dst: parseFlowEnd("shop/web:http", { role: "DST" }), cluster: "c1" });
    expect(d).toMatchObject({ src: { ip: "10.1.1.7", pod: "ops/probe", node: "n2" }, dst: { ip: "10.1.0.5", pod: "shop/web", node: "n1" }, protocol: "TCP", port: 8080, allowed: true });
    expect(d.ingress.policies).toEqual([{ policy: "shop/web-from-ops", allows: true, rules: [{ rule: 0, peerMatches: true, portMatches: true, allows: true }] }]);
    expect(renderDiagnosis(d)).toContain("ops/probe (10.1.1.7) -> shop/web (10.1.0.5) TCP 8080: ALLOWED");
  });

  it("says which rule misses and why when the flow is dropped", () => {
    const d = diagnoseFlow(input, { src: parseFlowEnd("192.0.2.10", { role: "SRC" }), dst: parseFlowEnd("shop/web:9000/udp", { role: "DST" }), cluster: "c1" });
    expect(d.allowed).toBe(false);
    const text = renderDiagnosis(d);
    expect(text).toContain("192.0.2.10 -> shop/web (10.1.0.5) UDP 9000: DROPPED by the destination's ingress");
    expect(text).toContain("egress of 192.0.2.10: not a pod of this cluster");
    expect(text).toContain("shop/web-from-ops ingress[0]: from does not match 192.0.2.10, ports do not match");
  });

  it("explains a peer naming pods of another cluster (isthmus.io/cluster) from the RemotePodSets", () => {
    const remote: PolicyInput = {
      ...input,
      remotePods: [{ clusterId: "c2", namespace: "shop", namespaceLabels: {}, pods: [{ name: "fe", ip: "10.2.0.5", labels: { app: "frontend" } }, { name: "wk", ip: "10.2.0.6", labels: { app: "worker" } }] }],
      policies: [{ namespace: "shop", name: "from-c2-frontend", spec: { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ podSelector: { matchLabels: { "isthmus.io/cluster": "c2", app: "frontend" } } }] }] } }],
    };
    const web = parseFlowEnd("shop/web:8080", { role: "DST" });
    expect(diagnoseFlow(remote, { src: parseFlowEnd("10.2.0.5", { role: "SRC" }), dst: web, cluster: "c1" }).allowed).toBe(true);
    const denied = diagnoseFlow(remote, { src: parseFlowEnd("10.2.0.6", { role: "SRC" }), dst: web, cluster: "c1" });
    expect(denied.allowed).toBe(false);
    expect(renderDiagnosis(denied)).toContain("shop/from-c2-frontend ingress[0]: from does not match 10.2.0.6");
  });

  it("fails clearly on an unknown pod, a pod without an address and an unknown port name", () => {
    expect(() => diagnoseFlow(input, { src: parseFlowEnd("shop/nope", { role: "SRC" }), dst: parseFlowEnd("shop/web:80", { role: "DST" }), cluster: "c1" })).toThrow(/No pod shop\/nope in cluster c1$/);
    expect(() => diagnoseFlow(input, { src: parseFlowEnd("gone/x", { role: "SRC" }), dst: parseFlowEnd("shop/web:80", { role: "DST" }), cluster: "c1" })).toThrow(/no namespace gone either/);
    expect(() => diagnoseFlow(input, { src: parseFlowEnd("ops/pending", { role: "SRC" }), dst: parseFlowEnd("shop/web:80", { role: "DST" }), cluster: "c1" })).toThrow(/has no IPv4 address/);
    expect(() => diagnoseFlow(input, { src: ops, dst: parseFlowEnd("shop/web:http/udp", { role: "DST" }), cluster: "c1" })).toThrow(/no UDP container port named "http"/);
  });
});

describe("isthmus diagnose policy (command line)", () => {
  it.each([
    [["diagnose", "policy", "x/a"], /needs SRC and DST/],
    [["diagnose", "policy", "x/a", "x/b"], /needs :PORT/],
    [["diagnose", "policy", "x/a", "x/b:80", "x/c"], /Unexpected argument "x\/c"/],
    [["diagnose", "policy", "x/a", "x/b:80", "-o", "xml"], /Unknown output format "xml"/],
    [["diagnose", "extra"], /Unexpected argument "extra"/],
  ])("isthmus %j exits 2 before it reads a kubeconfig", async (args, message) => {
    const result = await runCli(args);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toMatch(message);
  });

  it("documents both forms in one help", async () => {
    const result = await runCli(["diagnose", "policy", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: isthmus diagnose \[/);
    expect(result.stdout).toContain("isthmus diagnose policy SRC DST");
  });
});
