/**
 * The lab's supervisor as a user meets it (ADR 0330), on the shared lab: a control-plane process
 * and a lab kubelet killed with SIGKILL are running again within 5 s, the cluster answers again,
 * and `isthmus lab status -o json` shows the restart and why the process died; `isthmus lab
 * logs` prints a component's log and names the valid components on a bad one.
 */
import { describe, expect, it } from "vitest";
import { requireLab, type ComponentStatus, type LabStatus } from "@isthmus/lab";
import { isAlive, labKubectl, readPid, waitFor } from "@isthmus/lab/testing";
import { isthmus } from "../cli/fixture.js";

async function status(): Promise<LabStatus> {
  const run = await isthmus(["lab", "status", "-o", "json"], { timeoutMs: 30_000 });
  return JSON.parse(run.stdout) as LabStatus;
}

function component(lab: LabStatus, name: string): ComponentStatus {
  const found = lab.clusters.flatMap((c) => c.components).find((c) => c.name === name);
  if (found === undefined) throw new Error(`lab status lists no component ${name}`);
  return found;
}

/** Kills `name` with SIGKILL; resolves with the new pid and how long it took to run again. */
async function killAndAwaitRestart(name: string): Promise<{ pid: number; backMs: number }> {
  const { plan } = await requireLab();
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
    await waitFor("c1's apiserver to answer again", async () => ((await labKubectl("c1", ["get", "--raw", "/readyz"], { timeoutMs: 5_000 })).trim() === "ok" ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    process.stderr.write(`[supervision] c1 kube-apiserver /readyz ok ${Date.now() - t0 + backMs} ms after the kill\n`);
    expect(await labKubectl("c1", ["get", "nodes", "-o", "name"])).toContain("node/c1-n1");
    const after = component(await status(), "c1-kube-apiserver");
    expect(after).toMatchObject({ pid, running: true, restarts: before.restarts + 1, lastExit: { reason: "killed by SIGKILL" } });
  });

  it("starts a killed lab kubelet again within 5 s, and lab status shows it", async () => {
    const before = component(await status(), "c2-n1-kubelet");
    const { pid, backMs } = await killAndAwaitRestart("c2-n1-kubelet");
    expect(backMs).toBeLessThan(5_000);
    const after = component(await status(), "c2-n1-kubelet");
    expect(after).toMatchObject({ pid, running: true, restarts: before.restarts + 1, lastExit: { reason: "killed by SIGKILL" } });
    const lab = await status();
    expect(lab.supervisor.running).toBe(true);
    expect(lab.clusters.flatMap((c) => c.components).every((c) => c.running)).toBe(true);
  });

  it("prints a component's log, and lists the valid components on a bad name", async () => {
    const logs = await isthmus(["lab", "logs", "c1/kube-apiserver", "--lines", "5"], { timeoutMs: 30_000 });
    expect(logs.code).toBe(0);
    expect(logs.stdout.trimEnd().split("\n")).toHaveLength(5);
    const kubelet = await isthmus(["lab", "logs", "c2/n1/kubelet", "--lines", "1"], { timeoutMs: 30_000 });
    expect(kubelet.stdout).toContain("isthmus-lab-kubelet");
    const bad = await isthmus(["lab", "logs", "c1/kube-apiservr"], { timeoutMs: 30_000 });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('No component "kube-apiservr" in c1: components are');
    expect(bad.stderr).toContain("kube-apiserver");
    expect(bad.stderr).toContain("n1-kubelet");
  });
});
