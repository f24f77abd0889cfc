import { type ChildProcess, spawn } from "node:child_process";
import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNetns, deleteNetns, requireRoot, sh, testNetnsName, waitFor } from "../testing/netns.js";

requireRoot();

// The real isthmus-node process (cni/dist/node-main.js, build first) as the egress node n1,
// against the minimal API (cni/dist/testing/fake-apiserver.js) serving two EgressGateways: one
// n1 serves for a pod on n2, one whose node selector matches nothing.
const node = testNetnsName("egn");
const lan = testNetnsName("egl");
const dist = (p: string) => fileURLToPath(new URL(`../../dist/${p}`, import.meta.url));
const port = 16453;
const metricsPort = 19483;
const egressIp = "198.18.253.50";
let work = "";
let api: ChildProcess | undefined;
let agent: ChildProcess | undefined;

const ready = [{ type: "Ready", status: "True" }];
const nodeObject = (name: string, podCIDR: string, ip: string, labels: Record<string, string>) => ({ metadata: { name, labels }, spec: { podCIDR }, status: { addresses: [{ type: "InternalIP", address: ip }], conditions: ready } });

function inNode(argv: string[]): ChildProcess {
  return spawn("ip", ["netns", "exec", node, ...argv], { stdio: ["ignore", "pipe", "pipe"] });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => { resolve(code); }));
}

const common = ["--node-name", "n1", "--cni-bin-dir", join("WORK", "bin"), "--cni-conf-dir", join("WORK", "net.d"), "--data-dir", join("WORK", "ipam"), "--socket", join("WORK", "run", "cni.sock"), "--log-level", "warn"];
const args = (extra: string[]): string[] => [process.execPath, dist("node-main.js"), ...common.map((a) => a.replace("WORK", work)), ...extra];

/** GETs `url` from inside the node namespace (the fake API and the metrics listen on its loopback). */
async function get(url: string): Promise<string> {
  return sh(["node", "-e", `fetch(${JSON.stringify(url)}).then((r) => r.text()).then((t) => process.stdout.write(t))`], node);
}

interface Patch { name: string; contentType: string; body: { status: { activeNode?: string; egressIP?: string; selectedPods: number; conditions: { type: string; status: string; reason: string; lastTransitionTime: string }[] } } }

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "isthmus-test-cni-egress-agent-"));
  await addNetns(node);
  await addNetns(lan);
  await sh(["ip", "link", "add", "eth0", "netns", node, "type", "veth", "peer", "name", "up0", "netns", lan]);
  await sh(["ip", "link", "set", "up0", "up"], lan);
  await sh(["ip", "addr", "add", "198.18.253.11/24", "dev", "eth0"], node);
  await sh(["ip", "link", "set", "eth0", "up"], node);
  const nodes = [nodeObject("n1", "10.253.1.0/24", "198.18.253.11", { "isthmus.io/egress": "true" }), nodeObject("n2", "10.253.2.0/24", "198.18.253.12", {})];
  const pods = [{ metadata: { name: "client", namespace: "default", uid: "uid-client", labels: { app: "client" } }, spec: { nodeName: "n2", containers: [] }, status: { phase: "Running", podIP: "10.253.2.9" } }];
  const namespaces = [{ metadata: { name: "default", labels: {} } }];
  const egressgateways = [
    { apiVersion: "isthmus.io/v1alpha1", kind: "EgressGateway", metadata: { name: "clients", creationTimestamp: "2026-12-06T00:00:00Z", generation: 3 }, spec: { podSelector: { matchLabels: { app: "client" } }, nodeSelector: { matchLabels: { "isthmus.io/egress": "true" } }, egressIP: `${egressIp}/24` } },
    { apiVersion: "isthmus.io/v1alpha1", kind: "EgressGateway", metadata: { name: "nowhere", creationTimestamp: "2026-12-06T00:00:01Z", generation: 1 }, spec: { nodeSelector: { matchLabels: { role: "none" } } } },
  ];
  await writeFile(join(work, "state.json"), JSON.stringify({ nodes, pods, namespaces, egressgateways }));
  await writeFile(join(work, "kubeconfig"), JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [{ name: "fake", cluster: { server: `http://127.0.0.1:${String(port)}`, "insecure-skip-tls-verify": true } }], users: [{ name: "n1", user: { token: "test" } }], contexts: [{ name: "fake", context: { cluster: "fake", user: "n1" } }], "current-context": "fake" }));
  api = inNode([process.execPath, dist("testing/fake-apiserver.js"), String(port), join(work, "state.json")]);
  await new Promise((resolve) => api?.stdout?.once("data", resolve));
});

afterAll(async () => {
  agent?.kill("SIGKILL");
  api?.kill("SIGTERM");
  await deleteNetns(node, lan);
  await rm(work, { recursive: true, force: true });
});

describe("isthmus-node as an egress node", () => {
  it("programs the SNAT, adds the egress IP and writes both statuses", async () => {
    agent = inNode(args(["--kubeconfig", join(work, "kubeconfig"), "--metrics-port", String(metricsPort), "--metrics-host", "127.0.0.1"]));
    agent.stderr?.on("data", (b: Buffer) => process.stderr.write(b));
    agent.stdout?.on("data", (b: Buffer) => process.stderr.write(b));
    // The address is recorded in the table before it is added: wait for both.
    await waitFor("the egress table and address", async () => (await sh(["nft", "list", "tables"], node)).includes("ip isthmus-egress") && (await sh(["ip", "-4", "addr", "show", "dev", "eth0"], node)).includes(egressIp), 30_000);
    const table = await sh(["nft", "list", "table", "ip", "isthmus-egress"], node);
    expect(table).toContain("10.253.2.9");
    expect(table).toMatch(new RegExp(`snat (ip )?to ${egressIp.replaceAll(".", "\\.")}`));
    expect(await sh(["ip", "-4", "addr", "show", "dev", "eth0"], node)).toContain(`${egressIp}/32`);
    let patches: Patch[] = [];
    await waitFor("two status patches", async () => (patches = JSON.parse(await get(`http://127.0.0.1:${String(port)}/test/egress-status`)) as Patch[]).length >= 2, 30_000);
    const byName = new Map(patches.map((p) => [p.name, p]));
    expect(byName.get("clients")?.contentType).toBe("application/merge-patch+json");
    expect(byName.get("clients")?.body.status).toMatchObject({ activeNode: "n1", egressIP: egressIp, selectedPods: 1, conditions: [{ type: "Ready", status: "True", reason: "Active", observedGeneration: 3 }, { type: "Conflict", status: "False", reason: "NoConflict" }] });
    expect(byName.get("nowhere")?.body.status).toMatchObject({ selectedPods: 0, conditions: [{ type: "Ready", status: "False", reason: "NoEligibleNode" }] });
    expect(byName.get("nowhere")?.body.status.activeNode).toBeUndefined();
    const events = JSON.parse(await get(`http://127.0.0.1:${String(port)}/test/events`)) as { involvedObject: { kind: string; name: string }; type: string; reason: string }[];
    expect(events.map((e) => [e.involvedObject.kind, e.involvedObject.name, e.type, e.reason]).sort()).toEqual([["EgressGateway", "clients", "Normal", "Active"], ["EgressGateway", "nowhere", "Warning", "NoEligibleNode"]]);
    // The fake API never changes the objects: later passes must not write the same status again.
    expect((JSON.parse(await get(`http://127.0.0.1:${String(port)}/test/egress-status`)) as Patch[]).length).toBe(2);
  });

  it("exports bytes and packets per egress", async () => {
    const text = await get(`http://127.0.0.1:${String(metricsPort)}/metrics`);
    expect(text).toContain('isthmus_egress_bytes_total{gateway="clients",direction="tx"} 0');
    expect(text).toContain('isthmus_egress_packets_total{gateway="clients",direction="rx"} 0');
  });

  it("--uninstall removes the table and the egress IP", async () => {
    const current = agent;
    current?.kill("SIGTERM");
    if (current !== undefined) await exited(current);
    // The programs stay in force while no agent runs.
    expect(await sh(["ip", "-4", "addr", "show", "dev", "eth0"], node)).toContain(egressIp);
    expect(await exited(inNode(args(["--uninstall"])))).toBe(0);
    expect(await sh(["nft", "list", "tables"], node)).not.toContain("isthmus-egress");
    expect(await sh(["ip", "-4", "addr", "show", "dev", "eth0"], node)).not.toContain(egressIp);
    await access(work);
  });
});
