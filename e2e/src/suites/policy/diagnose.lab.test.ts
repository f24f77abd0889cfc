/**
 * `isthmus diagnose policy` on the shared lab (c1, the truth tables' 3 namespaces × 3 pods): the
 * built CLI reads the cluster's policies through the API and its answer for each flow must
 * agree with a real probe of that flow, and name the policy and rule that decide it. x admits
 * only namespace y on its named TCP port (x/a only; the rest of x nothing), z may send UDP only.
 * Bad input (unknown pod, malformed ends) exits 1 or 2 with a clear message. ADR 0406.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labKubeconfig, repoRoot, requireLab } from "@isthmus/lab";
import { labKubectl, runCommand } from "@isthmus/lab/testing";
import { cluster, createTopology, deleteTopology, forgetFlows, nsName, podIps, pods, type PolicyCase, policyObjects, probeAll, probeOne, waitForCounters, wantedCounters } from "./fixture.js";

const policies: PolicyCase = {
  name: "diagnose",
  policies: [
    { ns: "x", name: "deny-in", spec: { podSelector: {}, policyTypes: ["Ingress"] } },
    { ns: "x", name: "a-from-y-tcp", spec: { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "y" } } }], ports: [{ port: "serve-tcp" }] }] } },
    { ns: "z", name: "udp-out-only", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ protocol: "UDP" }] }] } },
  ],
};

interface Verdict {
  readonly allowed: boolean;
  readonly policies: readonly { readonly policy: string; readonly allows: boolean; readonly rules: readonly { readonly rule: number; readonly peerMatches: boolean; readonly portMatches: boolean; readonly allows: boolean }[] }[];
}

interface Diagnosis {
  readonly src: { readonly ip: string; readonly pod?: string };
  readonly dst: { readonly ip: string; readonly pod?: string };
  readonly protocol: string;
  readonly port?: number;
  readonly allowed: boolean;
  readonly egress: Verdict;
  readonly ingress: Verdict;
}

let kubeconfig = "";
let ips: string[] = [];
const ipOf = (pod: string): string => ips[pods.indexOf(pod)] ?? "";
const ref = (pod: string): string => `${nsName(pod[0] ?? "")}/${pod[1] ?? ""}`;

async function isthmus(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCommand([process.execPath, join(repoRoot, "cli/bin/isthmus.js"), ...args], { timeoutMs: 60_000, allowFailure: true });
}

async function diagnose(source: string, destination: string): Promise<Diagnosis> {
  const { code, stdout, stderr } = await isthmus(["diagnose", "policy", source, destination, "--kubeconfig", kubeconfig, "-o", "json"]);
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as Diagnosis;
}

/** The probe agrees with the diagnosis (an expected-open flow is probed again up to 3 times: a busy machine can miss a reply, ADR 0406). */
async function expectProbeAgrees(source: string, options: { readonly dst: string; readonly protocol: "tcp" | "udp"; readonly allowed: boolean }): Promise<void> {
  let reached = await probeOne(source, { ip: ipOf(options.dst), protocol: options.protocol });
  for (let round = 2; options.allowed && !reached && round <= 3; round++) reached = await probeOne(source, { ip: ipOf(options.dst), protocol: options.protocol });
  expect(reached, `${source} -> ${options.dst} ${options.protocol}: diagnosed ${options.allowed ? "allowed" : "dropped"}`).toBe(options.allowed);
}

describe("isthmus diagnose policy (c1, built CLI against the API, checked with real probes)", () => {
  beforeAll(async () => {
    const { plan } = await requireLab();
    expect(plan.podNetwork).toBe("isthmus");
    kubeconfig = await labKubeconfig(cluster);
    await createTopology();
    ips = await podIps();
    await labKubectl(cluster, ["apply", "-f", "-"], { input: JSON.stringify(policyObjects(policies)) });
    await waitForCounters(wantedCounters(policies), "the diagnose policies");
    await forgetFlows(ips);
  });

  afterAll(async () => {
    await deleteTopology();
  });

  it("an allowed flow: names the ingress policy and rule that admit it (named port resolved on the pod)", async () => {
    const d = await diagnose(ref("yb"), `${ref("xa")}:serve-tcp`);
    expect(d).toMatchObject({ src: { ip: ipOf("yb"), pod: ref("yb") }, dst: { ip: ipOf("xa"), pod: ref("xa") }, protocol: "TCP", port: 8080, allowed: true });
    expect(d.egress).toEqual({ pod: ref("yb"), policies: [], allowed: true });
    expect(d.ingress.policies).toEqual([
      { policy: "pol-x/a-from-y-tcp", allows: true, rules: [{ rule: 0, peerMatches: true, portMatches: true, allows: true }] },
      { policy: "pol-x/deny-in", allows: false, rules: [] },
    ]);
    await expectProbeAgrees("yb", { dst: "xa", protocol: "tcp", allowed: true });
  });

  it("dropped by ingress: the right peer on the wrong protocol", async () => {
    const d = await diagnose(ref("ya"), `${ref("xa")}:8080/udp`);
    expect(d.allowed).toBe(false);
    expect(d.ingress.policies[0]).toEqual({ policy: "pol-x/a-from-y-tcp", allows: false, rules: [{ rule: 0, peerMatches: true, portMatches: false, allows: false }] });
    await expectProbeAgrees("ya", { dst: "xa", protocol: "udp", allowed: false });
  });

  it("dropped by both sides: z's egress admits UDP only, x/a's ingress not z", async () => {
    const d = await diagnose(ref("za"), `${ref("xa")}:8080`);
    expect(d.allowed).toBe(false);
    expect(d.egress).toEqual({ pod: ref("za"), allowed: false, policies: [{ policy: "pol-z/udp-out-only", allows: false, rules: [{ rule: 0, peerMatches: true, portMatches: false, allows: false }] }] });
    expect(d.ingress.policies[0]?.rules).toEqual([{ rule: 0, peerMatches: false, portMatches: true, allows: false }]);
    await expectProbeAgrees("za", { dst: "xa", protocol: "tcp", allowed: false });
  });

  it("allowed by an egress rule, into a namespace without policies", async () => {
    const d = await diagnose(ref("zb"), `${ref("ya")}:8080/udp`);
    expect(d).toMatchObject({ allowed: true, egress: { allowed: true, policies: [{ policy: "pol-z/udp-out-only", allows: true }] }, ingress: { policies: [], allowed: true } });
    await expectProbeAgrees("zb", { dst: "ya", protocol: "udp", allowed: true });
  });

  it("from one pod of each namespace (both nodes) to every other pod, TCP and UDP: the diagnosis equals the probe", async () => {
    // 48 CLI runs (about 1 s of CPU each here), not all 144: the other rows are the truth tables' job.
    const sources = ["xa", "yb", "zc"];
    const flows = sources.flatMap((source) => pods.filter((dst) => dst !== source).flatMap((dst) => (["tcp", "udp"] as const).map((protocol) => ({ source, dst, protocol }))));
    const diagnosed = new Map<string, boolean>();
    for (let start = 0; start < flows.length; start += 3) {
      await Promise.all(flows.slice(start, start + 3).map(async (f) => {
        diagnosed.set(`${f.source}->${f.dst} ${f.protocol}`, (await diagnose(ref(f.source), `${ipOf(f.dst)}:8080/${f.protocol}`)).allowed);
      }));
    }
    let disagree: string[] = [];
    for (let round = 1; round <= 3; round++) {
      const probed = await probeAll(ips);
      disagree = flows.flatMap((f) => {
        const want = diagnosed.get(`${f.source}->${f.dst} ${f.protocol}`);
        const got = probed[f.protocol][pods.indexOf(f.source)]?.[pods.indexOf(f.dst)];
        return want === got ? [] : [`${f.source}->${f.dst} ${f.protocol}: diagnosed ${want === true ? "allowed" : "dropped"}, probe ${got === true ? "reached" : "did not reach"}`];
      });
      if (disagree.length === 0 || disagree.some((d) => d.includes("dropped"))) break;
    }
    expect(disagree).toEqual([]);
    expect([...diagnosed.values()].filter((v) => !v).length).toBeGreaterThan(0);
  }, 300_000);

  it("prints the deciding rule in its table output", async () => {
    const { code, stdout } = await isthmus(["diagnose", "policy", ref("zc"), `${ref("xb")}:8080`, "--kubeconfig", kubeconfig]);
    expect(code).toBe(0);
    expect(stdout).toContain(`${ref("zc")} (${ipOf("zc")}) -> ${ref("xb")} (${ipOf("xb")}) TCP 8080: DROPPED by the source's egress`);
    expect(stdout).toContain("pol-z/udp-out-only egress[0]: ports do not match");
    expect(stdout).toContain("pol-x/deny-in: no ingress rules, allows nothing");
  });

  it("refuses bad input with a clear error", async () => {
    const unknown = await isthmus(["diagnose", "policy", `${nsName("x")}/nope`, `${ref("xa")}:8080`, "--kubeconfig", kubeconfig]);
    expect(unknown).toMatchObject({ code: 1, stdout: "" });
    expect(unknown.stderr).toContain(`No pod ${nsName("x")}/nope in cluster ${cluster}`);
    const noNamespace = await isthmus(["diagnose", "policy", "nowhere/a", `${ref("xa")}:8080`, "--kubeconfig", kubeconfig]);
    expect(noNamespace.stderr).toContain("no namespace nowhere either");
    const badPort = await isthmus(["diagnose", "policy", ref("ya"), `${ref("xa")}:nosuch`, "--kubeconfig", kubeconfig]);
    expect(badPort).toMatchObject({ code: 1 });
    expect(badPort.stderr).toContain('has no TCP container port named "nosuch"');
    for (const [args, message] of [
      [[ref("ya"), ref("xa")], "needs :PORT"],
      [[ref("ya"), `${ref("xa")}:8080/gre`], "neither NAMESPACE/POD nor an IPv4 address"],
      [["ya", `${ref("xa")}:8080`], "neither NAMESPACE/POD nor an IPv4 address"],
      [[ref("ya")], "needs SRC and DST"],
    ] as const) {
      const run = await isthmus(["diagnose", "policy", ...args, "--kubeconfig", kubeconfig]);
      expect(run, message).toMatchObject({ code: 2, stdout: "" });
      expect(run.stderr).toContain(message);
    }
  });
});
