import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mountsUnder, applyMountNamespaces } from "./mounts.js";
import { nodePaths } from "./paths.js";
import { planLab, planOutside, type LabPlan } from "./plan.js";
import { startProcess, scanProcesses } from "./processes.js";
import { startSupervisor } from "./supervisor-client.js";
import { nsenterArgv, runCommand } from "./run.js";
import { destroyLab } from "./teardown.js";
import { applyNetwork, applyOutside, listNamespaces } from "./topology.js";
import { repoRoot } from "./up.js";

const plan: LabPlan = planLab({
  clusters: 2,
  nodesPerCluster: 2,
  natClusters: ["c2"],
  namePrefix: "isthmus-labt-",
  stateDir: `/tmp/isthmus-labt-${process.pid}`,
});
const [c1, c2] = plan.clusters;

async function ping(netns: string, address: string, mountNsFile?: string): Promise<boolean> {
  const result = await runCommand([...nsenterArgv(netns, mountNsFile), "ping", "-c", "1", "-W", "1", address], { allowFailure: true });
  return result.code === 0;
}

async function rootLinks(): Promise<string[]> {
  const { stdout } = await runCommand(["ip", "-j", "link", "show"]);
  return (JSON.parse(stdout) as { ifname: string }[]).map((l) => l.ifname).sort();
}

describe("lab topology (2 clusters x 2 nodes, c2 behind NAT)", () => {
  let linksBefore: string[] = [];

  beforeAll(async () => {
    expect(process.getuid?.(), "lab topology tests need root").toBe(0);
    linksBefore = await rootLinks();
    await destroyLab(plan);
    await applyNetwork(plan);
    await applyMountNamespaces(plan);
  });

  afterAll(async () => {
    await destroyLab(plan);
  });

  it("creates nothing in the host's root namespace", async () => {
    expect(await rootLinks()).toEqual(linksBefore);
  });

  it("connects nodes and the control plane over the cluster LAN", async () => {
    const [n1, n2] = c1!.nodes;
    expect(await ping(n2!.netns, n1!.lanAddress)).toBe(true);
    expect(await ping(n1!.netns, c1!.cpAddress)).toBe(true);
  });

  it("connects gateway nodes over the WAN, through the NAT router for c2 only outbound", async () => {
    const g1 = c1!.nodes[0]!;
    const g2 = c2!.nodes[0]!;
    expect(await ping(g2.netns, g1.wan!.address)).toBe(true);
    expect(await ping(g1.netns, c2!.nat!.wanAddress)).toBe(true);
    expect(await ping(g1.netns, g2.wan!.address)).toBe(false);
  });

  it("keeps clusters' LANs apart and nothing routes to the host network", async () => {
    expect(await ping(c1!.nodes[1]!.netns, c2!.cpAddress)).toBe(false);
    const { stdout } = await runCommand([...nsenterArgv(c1!.cpNetns), "ip", "route", "get", "192.0.2.1"], { allowFailure: true });
    expect(stdout).not.toContain("via");
  });

  it("every node reaches the outside host through its LAN's router, seen with its own address", async () => {
    const outside = planOutside(plan);
    for (const node of [c1!.nodes[1]!, c2!.nodes[1]!]) expect(await ping(node.netns, outside.address)).toBe(true);
    // The routers have no default route: LANs still do not reach each other through the WAN.
    expect(await ping(c1!.nodes[1]!.netns, c2!.nodes[1]!.lanAddress)).toBe(false);
    // Idempotent: a lab brought up before the outside host existed gets it by the same call.
    await applyOutside(plan);
    expect(await ping(c1!.nodes[0]!.netns, outside.address)).toBe(true);
  });

  it("gives each node private CNI directories and /run", async () => {
    const n1 = c1!.nodes[0]!;
    const paths = nodePaths(plan, n1);
    await writeFile(join(paths.cniConfDir, "10-test.conflist"), "{}");
    const inNode = [...nsenterArgv(n1.netns, paths.mountNsFile)];
    const { stdout } = await runCommand([...inNode, "ls", "/etc/cni/net.d", "/opt/cni/bin"]);
    expect(stdout).toContain("10-test.conflist");
    expect(stdout).toContain("bridge");
    await runCommand([...inNode, "touch", "/run/wireguard/only-here"]);
    expect(existsSync("/run/wireguard/only-here")).toBe(false);
    // The host's /run/netns bindings (the lab's own namespaces among them) are not pinned inside nodes.
    expect((await runCommand([...inNode, "ls", "/run/netns"])).stdout.trim()).toBe("");
    const mounts = (await runCommand([...inNode, "findmnt", "--list", "--noheadings", "--output", "TARGET,PROPAGATION"])).stdout;
    expect(mounts).toMatch(/^\/run\/netns\s+shared$/m);
    const other = nodePaths(plan, c1!.nodes[1]!);
    const r = await runCommand([...nsenterArgv(c1!.nodes[1]!.netns, other.mountNsFile), "ls", "/run/wireguard"]);
    expect(r.stdout.trim()).toBe("");
  });

  it("leaves nothing behind after destroy, even with a process running inside a node", async () => {
    const n2 = c1!.nodes[1]!;
    const paths = nodePaths(plan, n2);
    await startSupervisor(plan, { repoRoot });
    await startProcess(plan, { name: "sleeper", argv: ["sleep", "600"], netns: n2.netns, mountNsFile: paths.mountNsFile, logFile: join(paths.logDir, "sleeper.log") });
    const report = await destroyLab(plan);
    expect(report.processes.length).toBeGreaterThan(0);
    expect(await listNamespaces(plan.namePrefix)).toEqual([]);
    expect(await mountsUnder(plan.stateDir)).toEqual([]);
    expect(existsSync(plan.stateDir)).toBe(false);
    expect(await scanProcesses({ netns: [], mountNsFiles: [], marker: `${plan.stateDir}/` })).toEqual([]);
    expect(await rootLinks()).toEqual(linksBefore);
    const mountinfo = await readFile("/proc/self/mountinfo", "utf8");
    expect(mountinfo).not.toContain("isthmus-labt-");
  });
});
