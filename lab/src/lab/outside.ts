/**
 * The server on the lab's "outside" host (planOutside; issue #17): the built-in echo workload
 * on port 8080, whose every answer carries the client address it saw (`EchoReply.client`), so
 * a suite learns from one HTTP GET which source address a connection left the cluster with. It
 * runs under the lab's supervisor like every lab process; suites that need it start it (and the
 * host, for a lab brought up before the host existed) with {@link ensureOutside}.
 */
import { join } from "node:path";
import { workloadEntry } from "../kubelet/images.js";
import { type LabPlan, type OutsidePlan, planOutside } from "./plan.js";
import { isAlive, readPid } from "./pids.js";
import { startProcess } from "./processes.js";
import { applyOutside } from "./topology.js";
import { nsenterArgv, runCommand } from "./run.js";
import { waitFor } from "./wait.js";

/** The port of the outside host's echo server (HTTP and UDP). */
export const outsideEchoPort = 8080;
const name = "outside-echo";

/** Makes sure the outside host exists and its echo server listens; returns where it is. Idempotent. */
export async function ensureOutside(plan: LabPlan, options: { readonly repoRoot: string }): Promise<OutsidePlan & { readonly url: string }> {
  await applyOutside(plan);
  const outside = planOutside(plan);
  const url = `http://${outside.address}:${String(outsideEchoPort)}/`;
  const pid = await readPid(plan, name);
  if (pid === undefined || !(await isAlive(pid))) {
    await startProcess(plan, {
      name,
      argv: [process.execPath, join(options.repoRoot, workloadEntry), "echo", "--port", String(outsideEchoPort)],
      netns: outside.netns,
      logFile: join(plan.stateDir, "outside-echo.log"),
      env: { POD_NAME: "outside", NODE_NAME: "outside" },
    });
  }
  await waitFor(`the outside host's echo server on ${outside.address}:${String(outsideEchoPort)}`, async () => {
    const { stdout } = await runCommand([...nsenterArgv(outside.netns), "ss", "-Hltn", `sport = :${String(outsideEchoPort)}`], { allowFailure: true });
    return stdout.trim() === "" ? undefined : true;
  }, { timeoutMs: 30_000 });
  return { ...outside, url };
}
