import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { planLab, type LabPlan } from "./plan.js";
import { assertAlive, isAlive, readPid, scanProcesses, startProcess, stopLabProcesses } from "./processes.js";
import { startSupervisor } from "./supervisor-client.js";
import { readSupervision } from "./supervision.js";
import { repoRoot } from "./up.js";
import { waitFor } from "./wait.js";

// Real processes under the real supervisor (lab/dist/lab/supervisor-main.js: needs `npx tsc -b`).
describe("lab processes", () => {
  let plan: LabPlan | undefined;

  afterEach(async () => {
    if (plan === undefined) return;
    await stopLabProcesses(plan, { netns: [], mountNsFiles: [], marker: plan.stateDir });
    await rm(plan.stateDir, { recursive: true, force: true });
  });

  async function tempPlan(): Promise<LabPlan> {
    plan = planLab({ stateDir: await mkdtemp(join(tmpdir(), "isthmus-lab-proc-")) });
    await startSupervisor(plan, { repoRoot });
    return plan;
  }

  it("records the pid of a detached process and finds it again by its command line", async () => {
    const p = await tempPlan();
    const proc = await startProcess(p, {
      name: "sleeper",
      argv: [process.execPath, "-e", "setTimeout(() => {}, 60000)", p.stateDir],
      logFile: join(p.stateDir, "sleeper.log"),
    });
    expect(await readPid(p, "sleeper")).toBe(proc.pid);
    expect(await isAlive(proc.pid)).toBe(true);
    expect(await scanProcesses({ netns: [], mountNsFiles: [], marker: p.stateDir })).toContain(proc.pid);
    const stopped = await stopLabProcesses(p, { netns: [], mountNsFiles: [], marker: p.stateDir });
    expect(stopped).toContain(proc.pid);
    expect(await isAlive(proc.pid)).toBe(false);
  });

  it("reports a process that exited with the tail of its log", async () => {
    const p = await tempPlan();
    const proc = await startProcess(p, {
      name: "crasher",
      argv: [process.execPath, "-e", "console.error('cannot bind 6443: address in use'); process.exit(3)"],
      logFile: join(p.stateDir, "crasher.log"),
    });
    await waitFor("the crasher to exit", async () => ((await isAlive(proc.pid)) ? undefined : true), { timeoutMs: 5_000, intervalMs: 20 });
    await expect(assertAlive(proc)).rejects.toMatchObject({ code: "ComponentFailed" });
    await expect(assertAlive(proc)).rejects.toThrow(/crasher exited.*cannot bind 6443/);
    const record = await waitFor("the supervisor to record the exit", async () => (await readSupervision(p))?.components.crasher?.lastExit, { timeoutMs: 5_000, intervalMs: 20 });
    expect(record.reason).toBe("exited with code 3");
  });

  it("starts a process killed with SIGKILL again and records the restart and why it died", async () => {
    const p = await tempPlan();
    const proc = await startProcess(p, { name: "victim", argv: [process.execPath, "-e", "setTimeout(() => {}, 60000)"], logFile: join(p.stateDir, "victim.log") });
    process.kill(proc.pid, "SIGKILL");
    const t0 = Date.now();
    const pid = await waitFor("the victim to run again under a new pid", async () => {
      const again = await readPid(p, "victim");
      return again !== undefined && again !== proc.pid && (await isAlive(again)) ? again : undefined;
    }, { timeoutMs: 5_000, intervalMs: 20 });
    expect(Date.now() - t0).toBeLessThan(5_000);
    const victim = await waitFor("the restart in the record", async () => {
      const c = (await readSupervision(p))?.components.victim;
      return c?.pid === pid && c.state === "running" ? c : undefined;
    }, { timeoutMs: 5_000, intervalMs: 20 });
    expect(victim).toMatchObject({ restarts: 1, lastExit: { reason: "killed by SIGKILL" } });
    const stopped = await stopLabProcesses(p, { netns: [], mountNsFiles: [], marker: p.stateDir });
    expect(stopped).toContain(pid);
    expect(await isAlive(pid)).toBe(false);
  });

  it("never counts itself or its ancestors as lab processes, even when they name the state directory", async () => {
    // "/" is in this process's command line and its ancestors'; the sleeper (not an ancestor) must still be found.
    const p = await tempPlan();
    const proc = await startProcess(p, { name: "sleeper", argv: [process.execPath, "-e", "setTimeout(() => {}, 30000)"], logFile: join(p.stateDir, "sleeper.log") });
    const found = await scanProcesses({ netns: [], mountNsFiles: [], marker: "/" });
    expect(found).not.toContain(process.pid);
    expect(found).not.toContain(process.ppid);
    expect(found).toContain(proc.pid);
  });
});
