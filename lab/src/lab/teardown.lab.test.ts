import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labBinaries } from "./binaries.js";
import { nodePaths } from "./paths.js";
import { defaultLabPrefix, findNode, planLab, type LabOptions } from "./plan.js";
import { isAlive, readPid, startProcess } from "./processes.js";
import { applyMountNamespaces } from "./mounts.js";
import { runCommand } from "./run.js";
import { resolveOptions, writeRecord } from "./state.js";
import { startSupervisor } from "./supervisor-client.js";
import { applyNetwork, listNamespaces } from "./topology.js";
import { findLeftovers } from "./teardown.js";
import { labUp, repoRoot } from "./up.js";
import { labDown, labKubeconfig } from "./verbs.js";

// A lab of its own (names, state and host ports apart from the shared one), so taking it down
// never disturbs the suites that share the default lab.
const options: LabOptions = { clusters: 1, nodesPerCluster: 2, namePrefix: "isthmus-labd-", stateDir: "/var/lib/isthmus-labd", localPortBase: 16450 };
const location = { stateDir: "/var/lib/isthmus-labd", namePrefix: "isthmus-labd-" };

async function kubectl(args: readonly string[]): Promise<string> {
  const { kubectl: bin } = await labBinaries();
  return (await runCommand([bin, "--kubeconfig", await labKubeconfig("c1", location), ...args], { timeoutMs: 120_000 })).stdout;
}

describe("lab down", () => {
  let sharedLab: string[] = [];

  beforeAll(async () => {
    sharedLab = await listNamespaces(defaultLabPrefix);
  });

  afterAll(async () => {
    await labDown(location);
    // Nothing here may touch the shared lab the other suites run on.
    expect(await listNamespaces(defaultLabPrefix)).toEqual(sharedLab);
  });

  it("leaves no namespace, mount, process or file behind, even a pod whose kubelet was killed", async () => {
    await labUp(options);
    await kubectl(["run", "orphan", "--image=lab/client", "--restart=Never"]);
    await kubectl(["wait", "pod/orphan", "--for=condition=Ready", "--timeout=90s"]);
    const nodeName = (await kubectl(["get", "pod", "orphan", "-o", "jsonpath={.spec.nodeName}"])).trim();
    const plan = planLab(options);
    const podFile = join(nodePaths(plan, findNode(plan, "c1", nodeName)).kubeletDir, "pods", "default_orphan", "pod.json");
    const pod = JSON.parse(await readFile(podFile, "utf8")) as { pid: number };
    expect(await isAlive(pod.pid)).toBe(true);
    process.kill((await readPid(plan, `${nodeName}-kubelet`))!, "SIGKILL");

    const report = await labDown(location);

    expect(report.processes.length).toBeGreaterThanOrEqual(12);
    expect(await isAlive(pod.pid)).toBe(false);
    expect(await findLeftovers(plan)).toEqual({ namespaces: [], mounts: [], processes: [], files: [] });
  });

  it("replaces a half-made lab on the next up, and down removes it all", async () => {
    const plan = planLab(options);
    // What an interrupted up leaves: the record (not complete), the supervisor, the network,
    // node mount namespaces and a (supervised) process inside a node.
    await writeRecord({ version: 2, options: resolveOptions(options), createdAt: new Date().toISOString(), complete: false });
    const supervisor = await startSupervisor(plan, { repoRoot });
    await applyNetwork(plan);
    await applyMountNamespaces(plan);
    const node = plan.clusters[0]!.nodes[0]!;
    const paths = nodePaths(plan, node);
    const stray = await startProcess(plan, {
      name: "stray",
      argv: ["sleep", "600"],
      netns: node.netns,
      mountNsFile: paths.mountNsFile,
      logFile: join(paths.logDir, "stray.log"),
    });
    const lines: string[] = [];
    const result = await labUp(options, { onProgress: (l) => lines.push(l) });
    expect(result.alreadyUp).toBe(false);
    expect(lines[0]).toMatch(/^✓ remove a half-made or stopped lab/);
    expect(await isAlive(stray.pid)).toBe(false);
    expect(await isAlive(supervisor)).toBe(false);
    await labDown(location);
    expect(await findLeftovers(plan)).toEqual({ namespaces: [], mounts: [], processes: [], files: [] });
  });

  it("refuses to take over namespaces of a lab it has no record of", async () => {
    const plan = planLab(options);
    await applyNetwork(plan);
    try {
      await expect(labUp(options)).rejects.toMatchObject({ code: "Conflict" });
      expect((await findLeftovers(plan)).namespaces.length).toBeGreaterThan(0);
    } finally {
      await labDown(location);
    }
  });
});
