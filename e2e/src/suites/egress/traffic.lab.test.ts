/**
 * Egress gateway traffic on the shared lab (c1; issue #17, ADR 0407): the lab's outside host
 * (203.0.113.100 on the WAN, an echo server that answers with the client address it saw) tells
 * which source address each connection left the cluster with. Pods `sel` (selected) and `other`
 * run on c1-n2; the egress node is c1-n1 with the extra address 198.18.1.50. A loop inside `sel`
 * GETs the outside host every 100 ms on a new connection for the whole suite, so every edit is
 * followed by watching that loop (time from just before `kubectl apply` to the first GET with
 * the new source, printed; not asserted). The resources select only namespace egress17, so no
 * other suite's traffic moves.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labExecArgv, labKubeconfig, repoRoot, requireLab } from "@isthmus/lab";
import { ensureOutside, labExecOutput, labKubectl, runCommand, waitFor } from "@isthmus/lab/testing";
import { workloadsMain } from "../cni/fixture.js";

const cluster = "c1";
const ns = "egress17";
const egressIp = "198.18.1.50";
const nodeIp = "198.18.1.12";
const names = { a: "e2e-egress-t-a", b: "e2e-egress-t-b" } as const;
let url = "";
let outsideCidr = "";

interface Attempt { readonly start: number; readonly seen: string | null }
const attempts: Attempt[] = [];
let loop: ChildProcess | undefined;
const follows: { readonly what: string; readonly ms: number }[] = [];

const report = (line: string): void => {
  process.stderr.write(`[egress-traffic] ${line}\n`);
};

const pod = (name: string, labels: Record<string, string>): object => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: ns, labels },
  spec: { nodeName: "c1-n2", terminationGracePeriodSeconds: 2, containers: [{ name: "client", image: "lab/client" }] },
});

type Spec = Record<string, unknown>;
const baseSpec = (): Spec => ({
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
  podSelector: { matchLabels: { egress: "yes" } },
  nodeSelector: { matchLabels: { "kubernetes.io/hostname": "c1-n1" } },
  egressIP: `${egressIp}/24`,
});
const resource = (name: string, spec: Spec): object => ({ apiVersion: "isthmus.io/v1alpha1", kind: "EgressGateway", metadata: { name }, spec });

async function apply(objects: readonly object[]): Promise<void> {
  await labKubectl(cluster, ["apply", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }) });
}

async function deleteResources(): Promise<void> {
  await labKubectl(cluster, ["delete", "egressgateways", names.a, names.b, "--ignore-not-found", "--wait=true"]);
}

/** The source address the outside host sees for one new connection from `name` (retried: the machine is loaded). */
async function seenFrom(name: string): Promise<string> {
  return waitFor(`an answer of the outside host to ${name}`, async () => {
    const out = await labExecOutput(`${cluster}/${ns}/${name}`, [process.execPath, workloadsMain, "http-get", url, "--timeout", "3000"], { timeoutMs: 30_000 }).catch(() => "");
    if (out === "") return undefined;
    return ((JSON.parse(out) as { client: string }).client.split(":")[0] ?? "").replace(/^\[|\]$/g, "");
  }, { timeoutMs: 60_000, intervalMs: 200 });
}

/**
 * Waits until `sel`'s loop sees `expected` on the first attempt after `since` and on the three
 * after it; records and returns the time from `since` to that first attempt.
 */
async function follow(what: string, expected: string, since: number): Promise<number> {
  const before = attempts.filter((a) => a.start < since && a.seen !== null).at(-1)?.seen;
  expect(before, `${what}: traffic left as ${expected} already before the edit`).not.toBe(expected);
  const ms = await waitFor(`sel's traffic to leave as ${expected} (${what})`, () => {
    const after = attempts.filter((a) => a.start >= since && a.seen !== null);
    const first = after.findIndex((a) => a.seen === expected);
    if (first < 0 || after.length < first + 4 || !after.slice(first, first + 4).every((a) => a.seen === expected)) return Promise.resolve(undefined);
    return Promise.resolve((after[first]?.start ?? since) - since);
  }, { timeoutMs: 60_000, intervalMs: 100 });
  follows.push({ what, ms });
  report(`${what}: traffic left as ${expected} ${String(ms)} ms after the edit started`);
  return ms;
}

/** What is left of the egress gateway on a node: the table, rules of 1040/1041, tables 7101-7355, the egress address. */
async function traces(node: string): Promise<string[]> {
  const out = await labExecOutput(`${cluster}/${node}`, ["sh", "-c", "nft list tables; ip rule show; ip route show table all; ip -4 -o addr show"]);
  return out.split("\n").filter((l) => l.includes("isthmus-egress") || /^104[01]:/.test(l) || /table 7[1-3]\d\d/.test(l) || l.includes(`${egressIp}/`));
}

/** The `egress gateways` row of the built CLI's `isthmus diagnose -o json` for c1 (other checks may fail: not joined). */
async function diagnoseEgress(): Promise<{ result: string; detail: string }> {
  const { stdout, stderr } = await runCommand([process.execPath, join(repoRoot, "cli/bin/isthmus.js"), "diagnose", "--kubeconfig", await labKubeconfig(cluster), "-o", "json"], { timeoutMs: 120_000, allowFailure: true });
  const row = (JSON.parse(stdout === "" ? "[]" : stdout) as { check: string; result: string; detail: string }[]).find((r) => r.check === "egress gateways");
  if (row === undefined) throw new Error(`isthmus diagnose printed no egress gateways check: ${stderr.slice(-500)}`);
  return row;
}

async function conditions(name: string): Promise<{ type: string; status: string; reason: string; message: string }[]> {
  const out = await labKubectl(cluster, ["get", "egressgateway", name, "-o", "jsonpath={.status.conditions}"]);
  return out.trim() === "" ? [] : (JSON.parse(out) as { type: string; status: string; reason: string; message: string }[]);
}

async function waitCondition(name: string, type: string, reason: string): Promise<{ status: string; message: string }> {
  return waitFor(`${name}'s ${type} condition to say ${reason}`, async () => (await conditions(name)).find((c) => c.type === type && c.reason === reason), { timeoutMs: 60_000, intervalMs: 200 });
}

async function warningEvent(name: string, reason: string): Promise<string> {
  return waitFor(`a Warning Event ${reason} for ${name}`, async () => {
    const out = await labKubectl(cluster, ["get", "events", "-n", "default", "--field-selector", `involvedObject.kind=EgressGateway,involvedObject.name=${name},reason=${reason},type=Warning`, "-o", "jsonpath={.items[*].message}"]);
    return out.trim() === "" ? undefined : out.trim();
  }, { timeoutMs: 30_000, intervalMs: 500 });
}

beforeAll(async () => {
  const { plan } = await requireLab();
  expect(plan.podNetwork).toBe("isthmus");
  const outside = await ensureOutside(plan, { repoRoot });
  url = outside.url;
  outsideCidr = `${outside.address}/32`;
  await deleteResources();
  await labKubectl(cluster, ["delete", "namespace", ns, "--ignore-not-found", "--wait=true", "--timeout=120s"]);
  await apply([{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }, pod("sel", { egress: "yes" }), pod("other", {})]);
  await labKubectl(cluster, ["-n", ns, "wait", "pod/sel", "pod/other", "--for=condition=Ready", "--timeout=120s"]);
  const script = [
    `const http = require("node:http");`,
    `setInterval(() => {`,
    `  const start = Date.now(); let fin = false; let body = "";`,
    `  const end = (seen) => { if (fin) return; fin = true; process.stdout.write(JSON.stringify({ start, seen }) + "\\n"); };`,
    `  const req = http.get(${JSON.stringify(url)}, { agent: false, timeout: 500 }, (res) => { res.on("data", (d) => { body += d; }); res.on("end", () => { try { end(JSON.parse(body).client.replace(/:\\d+$/, "")); } catch { end(null); } }); });`,
    `  req.on("timeout", () => { req.destroy(); end(null); }); req.on("error", () => end(null));`,
    `}, 100);`,
  ].join("\n");
  const [enter = "nsenter", ...enterArgs] = await labExecArgv(`${cluster}/${ns}/sel`);
  loop = spawn(enter, [...enterArgs, process.execPath, "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  let rest = "";
  loop.stdout?.on("data", (b: Buffer) => {
    const lines = (rest + b.toString()).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) attempts.push(JSON.parse(line) as Attempt);
  });
}, 300_000);

afterAll(async () => {
  loop?.kill("SIGKILL");
  if (follows.length > 0) {
    const sorted = follows.map((f) => f.ms).sort((x, y) => x - y);
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
    const load = (await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" ");
    report(`edits followed: n=${String(sorted.length)} p50=${String(at(0.5))} ms p95=${String(at(0.95))} ms max=${String(sorted.at(-1))} ms (from just before kubectl apply; load ${load})`);
  }
  await deleteResources();
  await labKubectl(cluster, ["delete", "namespace", ns, "--ignore-not-found", "--wait=true", "--timeout=120s"]);
}, 300_000);

describe("egress gateway traffic on the lab (c1, outside host on the WAN)", () => {
  it("without a resource both pods reach the outside host with their node's address", async () => {
    expect(await seenFrom("sel")).toBe(nodeIp);
    expect(await seenFrom("other")).toBe(nodeIp);
    await waitFor("sel's loop to see the node's address", () => Promise.resolve(attempts.at(-1)?.seen === nodeIp ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
  });

  it("a selected pod on a non-egress node is seen with the egress IP; an unselected one on the same node with its node's address", async () => {
    const since = Date.now();
    await apply([resource(names.a, baseSpec())]);
    await follow("resource created", egressIp, since);
    expect((await waitCondition(names.a, "Ready", "Active")).status).toBe("True");
    expect(await seenFrom("other")).toBe(nodeIp);
    expect(await labExecOutput(`${cluster}/c1-n1`, ["ip", "-4", "-o", "addr", "show"])).toContain(`${egressIp}/32`);
  });

  it("isthmus diagnose checks the egress data path on the nodes and names what is missing", async () => {
    const healthy = await waitFor("diagnose to find the egress path complete", async () => {
      const row = await diagnoseEgress();
      return row.result === "ok" ? row : undefined;
    }, { timeoutMs: 60_000, intervalMs: 1_000 });
    expect(healthy.detail).toContain(`${names.a} on c1-n1 as ${egressIp}`);
    // Take the address away behind the agent's back: diagnose names it; put it back by hand.
    await labExecOutput(`${cluster}/c1-n1`, ["ip", "addr", "del", `${egressIp}/32`, "dev", "eth0"]);
    try {
      const broken = await diagnoseEgress();
      expect(broken.result).toBe("fail");
      expect(broken.detail).toContain(`c1-n1: ${names.a}: egress address ${egressIp} not on the node`);
    } finally {
      await labExecOutput(`${cluster}/c1-n1`, ["ip", "addr", "add", `${egressIp}/32`, "dev", "eth0"]);
    }
    expect((await diagnoseEgress()).result).toBe("ok");
  }, 300_000);

  it("edits are followed: selector narrowed and widened, destinations changed (ten rounds)", async () => {
    for (let round = 0; round < 5; round++) {
      let since = Date.now();
      await apply([resource(names.a, { ...baseSpec(), podSelector: { matchLabels: { egress: "yes", tier: "none" } } })]);
      await follow("selector narrowed", nodeIp, since);
      // The pod's node steers nothing any more: no rule, table or route of the resource is left there.
      await waitFor("no steering left on c1-n2", async () => ((await traces("c1-n2")).length === 0 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
      since = Date.now();
      await apply([resource(names.a, baseSpec())]);
      await follow("selector widened", egressIp, since);
    }
    for (let round = 0; round < 5; round++) {
      let since = Date.now();
      await apply([resource(names.a, { ...baseSpec(), destinations: ["192.0.2.0/24"] })]);
      await follow("destination moved away", nodeIp, since);
      since = Date.now();
      await apply([resource(names.a, { ...baseSpec(), destinations: [outsideCidr] })]);
      await follow("destination moved back", egressIp, since);
    }
  }, 900_000);

  it("bad input gives a condition with a clear reason and an Event, and never black-holes the pod", async () => {
    // An egress IP on no node's subnet: the resource stops serving, the pod leaves through its node.
    let since = Date.now();
    await apply([resource(names.a, { ...baseSpec(), egressIP: "192.0.2.50/24" })]);
    const notOnNode = await waitCondition(names.a, "Ready", "EgressIPNotOnAnyNode");
    expect(notOnNode.status).toBe("False");
    expect(notOnNode.message).toContain("192.0.2.50/24");
    expect(await warningEvent(names.a, "EgressIPNotOnAnyNode")).toContain("192.0.2.50/24");
    const diagnosed = await diagnoseEgress();
    expect(diagnosed.result).toBe("fail");
    expect(diagnosed.detail).toContain(`${names.a}: EgressIPNotOnAnyNode`);
    await follow("egress IP on no node", nodeIp, since);
    await waitFor("the old egress address gone from c1-n1", async () => ((await traces("c1-n1")).length === 0 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });

    since = Date.now();
    await apply([resource(names.a, baseSpec())]);
    await follow("resource fixed", egressIp, since);

    // A node selector that matches nothing: the same.
    since = Date.now();
    await apply([resource(names.a, { ...baseSpec(), nodeSelector: { matchLabels: { "kubernetes.io/hostname": "no-such-node" } } })]);
    expect((await waitCondition(names.a, "Ready", "NoEligibleNode")).status).toBe("False");
    expect(await warningEvent(names.a, "NoEligibleNode")).toContain("matches no Ready node");
    await follow("node selector matching nothing", nodeIp, since);

    // Fixed again; then a second, newer resource claims the same pod: the older keeps it.
    since = Date.now();
    await apply([resource(names.a, baseSpec())]);
    await follow("resource fixed", egressIp, since);
    await apply([resource(names.b, { ...baseSpec(), egressIP: "198.18.1.51/24" })]);
    const conflict = await waitCondition(names.b, "Conflict", "PodsClaimedByOther");
    expect(conflict.status).toBe("True");
    expect(conflict.message).toContain(names.a);
    expect(await warningEvent(names.b, "PodsClaimedByOther")).toContain(names.a);
    expect(await labKubectl(cluster, ["get", "egressgateway", names.b, "-o", "jsonpath={.status.selectedPods}"])).toBe("0");
    const later = Date.now();
    await waitFor("ten GETs after the conflict", () => Promise.resolve(attempts.filter((a) => a.start >= later && a.seen !== null).length >= 10 ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
    expect(attempts.filter((a) => a.start >= later && a.seen !== null && a.seen !== egressIp)).toEqual([]);
    await labKubectl(cluster, ["delete", "egressgateway", names.b, "--wait=true"]);
  }, 600_000);

  it("deleting the resource: traffic leaves through the node again and nothing of it is left on any node", async () => {
    const since = Date.now();
    await labKubectl(cluster, ["delete", "egressgateway", names.a, "--wait=true"]);
    await follow("resource deleted", nodeIp, since);
    for (const node of ["c1-n1", "c1-n2"]) {
      await waitFor(`no egress traces on ${node}`, async () => ((await traces(node)).length === 0 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
    }
  });
});
