/**
 * The lab's supervisor as a user meets it (ADR 0330), on a lab of its own (1 cluster x 1 node,
 * so killing components never disturbs suites on the shared lab): a kube-apiserver and a lab
 * kubelet killed with SIGKILL are running again within 5 s, the cluster answers again, and
 * `isthmus lab status -o json` shows the restart and why the process died; `isthmus lab logs`
 * prints a component's log and names the valid components on a bad one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireLab, type ComponentStatus, type LabStatus } from "@isthmus/lab";
import { isAlive, labBinaries, readPid, runCommand, waitFor } from "@isthmus/lab/testing";
import { ownLab } from "./own-lab.js";

const lab = ownLab("labs", 16470);
const isthmus = lab.isthmus;

beforeAll(async () => {
  const up = await isthmus(["lab", "up", "--clusters", "1", "--nodes", "1"], 900_000);
  if (up.code !== 0) throw new Error(`lab up failed: ${up.stderr.slice(-2000)}`);
}, 900_000);

afterAll(async () => {
  const down = await isthmus(["lab", "down"], 120_000);
  expect(down.code, down.stderr).toBe(0);
  expect(await lab.leftovers()).toEqual({ namespaces: [], mounts: [], processes: [], files: [] });
}, 180_000);

async function kubectl(args: readonly string[]): Promise<string> {
  const kubeconfig = (await isthmus(["lab", "kubeconfig", "c1"])).stdout.trim();
  const { kubectl: bin } = await labBinaries();
  return (await runCommand([bin, "--kubeconfig", kubeconfig, ...args], { timeoutMs: 10_000 })).stdout;
}

async function status(): Promise<LabStatus> {
  const run = await isthmus(["lab", "status", "-o", "json"], 30_000);
  return JSON.parse(run.stdout) as LabStatus;
}

function component(status: LabStatus, name: string): ComponentStatus {
  const found = status.clusters.flatMap((c) => c.components).find((c) => c.name === name);
  if (found === undefined) throw new Error(`lab status lists no component ${name}`);
  return found;
}

/** Kills `name` with SIGKILL; resolves with the new pid and how long it took to run again. */
async function killAndAwaitRestart(name: string): Promise<{ pid: number; backMs: number }> {
  const { plan } = await requireLab(lab.location);
  const old = await readPid(plan, name);
  if (old === undefined) throw new Error(`no pid file for ${name}`);
  process.kill(old, "SIGKILL");
  const killedAt = Date.now();
  const pid = await waitFor(
    `${name} to run again after SIGKILL`,
    async () => {
      const now = await readPid(plan, name);
      return now !== undefined && now !== old && (await isAlive(now)) ? now : undefined;
    },
    { timeoutMs: 5_000, intervalMs: 50 },
  );
  const backMs = Date.now() - killedAt;
  process.stderr.write(`[supervision] ${name}: SIGKILL → running again (pid ${pid}) in ${backMs} ms\n`);
  return { pid, backMs };
}

describe("lab supervision", () => {
  it("starts a killed kube-apiserver again within 5 s; the cluster answers and lab status shows the restart", async () => {
    const before = component(await status(), "c1-kube-apiserver");
    const { pid, backMs } = await killAndAwaitRestart("c1-kube-apiserver");
    expect(backMs).toBeLessThan(5_000);
    const t0 = Date.now();
    await waitFor("c1's apiserver to answer again", async () => ((await kubectl(["get", "--raw", "/readyz"])).trim() === "ok" ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    process.stderr.write(`[supervision] c1 kube-apiserver /readyz ok ${Date.now() - t0 + backMs} ms after the kill\n`);
    expect(await kubectl(["get", "nodes", "-o", "name"])).toContain("node/c1-n1");
    const after = component(await status(), "c1-kube-apiserver");
    expect(after).toMatchObject({ pid, running: true, restarts: before.restarts + 1, lastExit: { reason: "killed by SIGKILL" } });
  });

  it("starts a killed lab kubelet again within 5 s, and lab status shows it", async () => {
    const before = component(await status(), "c1-n1-kubelet");
    const { pid, backMs } = await killAndAwaitRestart("c1-n1-kubelet");
    expect(backMs).toBeLessThan(5_000);
    const after = component(await status(), "c1-n1-kubelet");
    expect(after).toMatchObject({ pid, running: true, restarts: before.restarts + 1, lastExit: { reason: "killed by SIGKILL" } });
    const now = await status();
    expect(now.supervisor.running).toBe(true);
    expect(now.clusters.flatMap((c) => c.components).every((c) => c.running)).toBe(true);
  });

  it("prints a component's log, and lists the valid components on a bad name", async () => {
    const logs = await isthmus(["lab", "logs", "c1/kube-apiserver", "--lines", "5"]);
    expect(logs.code).toBe(0);
    expect(logs.stdout.trimEnd().split("\n")).toHaveLength(5);
    const kubelet = await isthmus(["lab", "logs", "c1/n1/kubelet", "--lines", "1"]);
    expect(kubelet.stdout).toContain("isthmus-lab-kubelet");
    const bad = await isthmus(["lab", "logs", "c1/kube-apiservr"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('No component "kube-apiservr" in c1: components are');
    expect(bad.stderr).toContain("kube-apiserver");
    expect(bad.stderr).toContain("n1-kubelet");
  });
});
