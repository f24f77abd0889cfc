import { type ChildProcess, spawn } from "node:child_process";
import { access, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNetns, deleteNetns, netnsPath, requireRoot, sh, testNetnsName, waitFor } from "./testing/netns.js";

requireRoot();

// The real isthmus-node process (cni/dist/node-main.js, build first) inside a node namespace,
// against a minimal API (cni/dist/testing/fake-apiserver.js) that serves Nodes, Pods, Namespaces
// and NetworkPolicies.
const node = testNetnsName("agent");
const lan = testNetnsName("alan");
const pods = [testNetnsName("ap1"), testNetnsName("ap2"), testNetnsName("ap3")];
const dist = (p: string) => fileURLToPath(new URL(`../dist/${p}`, import.meta.url));
const port = 16443;
const metricsPort = 19473;
let work = "";
let api: ChildProcess | undefined;
let agent: ChildProcess | undefined;

const nodeObject = (name: string, podCIDR: string, ip: string) => ({ metadata: { name }, spec: { podCIDR }, status: { addresses: [{ type: "InternalIP", address: ip }] } });
const n1 = nodeObject("n1", "10.252.1.0/24", "198.18.252.11");
const n2 = nodeObject("n2", "10.252.2.0/24", "198.18.252.12");

function inNode(argv: string[]): ChildProcess {
  return spawn("ip", ["netns", "exec", node, ...argv], { stdio: ["ignore", "pipe", "pipe"] });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => { resolve(code); }));
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

async function startAgent(): Promise<ChildProcess> {
  await rm(join(work, "net.d"), { recursive: true, force: true });
  const child = inNode([process.execPath, dist("node-main.js"), "--node-name", "n1", "--kubeconfig", join(work, "kubeconfig"), "--cni-bin-dir", join(work, "bin"), "--cni-conf-dir", join(work, "net.d"), "--data-dir", join(work, "ipam"), "--socket", join(work, "run", "cni.sock"), "--metrics-port", String(metricsPort), "--metrics-host", "127.0.0.1", "--log-level", "warn"]);
  child.stderr?.on("data", (b: Buffer) => process.stderr.write(b));
  try {
    await waitFor("agent socket and conflist", async () => (await exists(join(work, "run", "cni.sock"))) && (await exists(join(work, "net.d", "10-isthmus.conflist"))), 30_000);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return child;
}

/** Runs the installed launcher in the node namespace, as the node's runtime would. */
function launch(command: string, podIndex: number, podName: string): Promise<{ code: number | null; out: string }> {
  const child = spawn("ip", ["netns", "exec", node, join(work, "bin", "isthmus-cni")], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", CNI_COMMAND: command, CNI_CONTAINERID: `c-${podName}`, CNI_NETNS: netnsPath(pods[podIndex] ?? ""), CNI_IFNAME: "eth0", CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${podName};K8S_POD_UID=uid-${podName}` },
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  const done = exited(child).then((code) => ({ code, out }));
  return readFile(join(work, "net.d", "10-isthmus.conflist"), "utf8").then((text) => {
    const list = JSON.parse(text) as { cniVersion: string; name: string; plugins: Record<string, unknown>[] };
    child.stdin.end(JSON.stringify({ ...list.plugins[0], cniVersion: list.cniVersion, name: list.name }));
    return done;
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "isthmus-test-cni-agent-"));
  await addNetns(node);
  await addNetns(lan);
  for (const p of pods) await addNetns(p);
  await sh(["ip", "link", "add", "eth0", "netns", node, "type", "veth", "peer", "name", "up0", "netns", lan]);
  await sh(["ip", "link", "set", "up0", "up"], lan);
  await sh(["ip", "addr", "add", "198.18.252.11/24", "dev", "eth0"], node);
  await sh(["ip", "link", "set", "eth0", "up"], node);
  const fixedPod = { metadata: { name: "fixed", namespace: "default", uid: "uid-fixed", annotations: { "isthmus.io/ip-address": "10.252.1.77" } }, spec: { nodeName: "n1" } };
  // A pod record (no namespace of its own) that a deny-all ingress policy isolates.
  const lockedPod = { metadata: { name: "locked", namespace: "default", uid: "uid-locked", labels: { app: "locked" } }, spec: { nodeName: "n1", containers: [] }, status: { phase: "Running", podIP: "10.252.1.50" } };
  const namespaces = [{ metadata: { name: "default", labels: { "kubernetes.io/metadata.name": "default" } } }];
  const clientPod = { metadata: { name: "client", namespace: "default", uid: "uid-client", labels: { app: "client" } }, spec: { nodeName: "n2", containers: [] }, status: { phase: "Running", podIP: "10.252.2.9" } };
  // The listed policy reaches the agent deserialized (client-node's `_from`): its peers must survive.
  const networkpolicies = [{ metadata: { name: "deny", namespace: "default" }, spec: { podSelector: { matchLabels: { app: "locked" } }, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: { matchLabels: { app: "client" } } }] }] } }];
  await writeFile(join(work, "state.json"), JSON.stringify({ nodes: [n1, n2], pods: [fixedPod, lockedPod, clientPod], namespaces, networkpolicies }));
  await writeFile(join(work, "kubeconfig"), JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [{ name: "fake", cluster: { server: `http://127.0.0.1:${port}`, "insecure-skip-tls-verify": true } }], users: [{ name: "n1", user: { token: "test" } }], contexts: [{ name: "fake", context: { cluster: "fake", user: "n1" } }], "current-context": "fake" }));
  api = inNode([process.execPath, dist("testing/fake-apiserver.js"), String(port), join(work, "state.json")]);
  await new Promise((resolve) => api?.stdout?.once("data", resolve));
});

afterAll(async () => {
  agent?.kill("SIGKILL");
  api?.kill("SIGTERM");
  await deleteNetns(...pods, node, lan);
  await rm(work, { recursive: true, force: true });
});

describe("isthmus-node process", () => {
  it("sets up the node from the API and serves ADD with fixed IPs from its pod cache", async () => {
    agent = await startAgent();
    expect(await sh(["ip", "-4", "-o", "addr", "show", "dev", "isthmus0"], node)).toContain("10.252.1.1/24");
    await waitFor("route to n2", async () => (await sh(["ip", "route", "show", "dev", "isthmus.1"], node)).includes("10.252.2.0/24 via 10.252.2.0"));
    const fixed = await launch("ADD", 0, "fixed");
    expect(fixed.code, fixed.out).toBe(0);
    expect(fixed.out).toContain('"address":"10.252.1.77/24"');
    const other = await launch("ADD", 1, "other");
    expect(other.out).toContain('"address":"10.252.1.2/24"');
  });

  it("enforces the cluster's NetworkPolicies and exports their drop counters", async () => {
    await waitFor("the policy table", async () => (await sh(["nft", "list", "tables"], node)).includes("inet isthmus-policy") && (await sh(["nft", "list", "set", "inet", "isthmus-policy", "ingress_isolated"], node)).includes("10.252.1.50"));
    const admitted = await sh(["nft", "list", "set", "inet", "isthmus-policy", "ingress_any"], node);
    expect(admitted).toContain("10.252.1.50 . 10.252.2.9");
    expect(admitted).not.toContain("0.0.0.0/0");
    const text = await sh(["node", "-e", `fetch("http://127.0.0.1:${String(metricsPort)}/metrics").then((r) => r.text()).then((t) => process.stdout.write(t))`], node);
    expect(text).toContain('isthmus_policy_dropped_packets_total{namespace="default",policy="deny",direction="ingress"} 0');
    expect(text).toContain("isthmus_policy_ready 1");
  });

  it("removes a deleted Node's route, neighbour and FDB entry", async () => {
    await fetchInNode(`http://127.0.0.1:${port}/test/nodes`, JSON.stringify([n1]));
    await waitFor("n2 entries to go", async () => (await sh(["ip", "route", "show", "dev", "isthmus.1"], node)) === "" && !(await sh(["bridge", "fdb", "show", "dev", "isthmus.1"], node)).includes("198.18.252.12"));
    expect(await sh(["ip", "neigh", "show", "dev", "isthmus.1", "nud", "permanent"], node)).toBe("");
  });

  it("keeps the network on SIGTERM, adopts it after a restart and never reuses a held address", async () => {
    const current = agent;
    current?.kill("SIGTERM");
    expect(current === undefined ? null : await exited(current)).toBe(0);
    expect(await sh(["ip", "-o", "link", "show", "dev", "isthmus0"], node)).toContain("isthmus0");
    // The policy table stays in force while no agent runs.
    expect(await sh(["nft", "list", "set", "inet", "isthmus-policy", "ingress_isolated"], node)).toContain("10.252.1.50");
    agent = await startAgent();
    const third = await launch("ADD", 2, "third");
    expect(third.out).toContain('"address":"10.252.1.3/24"');
    expect((await launch("DEL", 1, "other")).code).toBe(0);
  });

  it("removes everything with --uninstall", async () => {
    const current = agent;
    current?.kill("SIGTERM");
    if (current !== undefined) await exited(current);
    const uninstall = inNode([process.execPath, dist("node-main.js"), "--node-name", "n1", "--cni-bin-dir", join(work, "bin"), "--cni-conf-dir", join(work, "net.d"), "--data-dir", join(work, "ipam"), "--socket", join(work, "run", "cni.sock"), "--uninstall", "--log-level", "warn"]);
    expect(await exited(uninstall)).toBe(0);
    expect(await sh(["ip", "-o", "link", "show"], node)).not.toMatch(/isthmus0|isthmus\.1/);
    expect(await sh(["nft", "list", "tables"], node)).not.toMatch(/isthmus-node|isthmus-policy/);
    expect(await exists(join(work, "net.d", "10-isthmus.conflist"))).toBe(false);
    expect(await exists(join(work, "bin", "isthmus-cni"))).toBe(false);
  });
});

/** POSTs `body` to the fake API from inside the node namespace (its loopback). */
async function fetchInNode(url: string, body: string): Promise<void> {
  await sh(["node", "-e", `fetch(${JSON.stringify(url)}, { method: "POST", body: ${JSON.stringify(body)} }).then((r) => { if (!r.ok) process.exit(1); })`], node);
}
