/**
 * vitest global setup of the `lab` project: brings one lab up (2 clusters x 2 nodes, the
 * default state directory) before the first lab suite and tears it down after the last, then
 * checks that nothing is left. Suites share it through `labKubeconfig`/`labExecArgv`.
 * `ISTHMUS_LAB_KEEP=1` leaves the lab up afterwards (for iterating on a suite).
 */
import { findLeftovers } from "../teardown.js";
import { labUp } from "../up.js";
import { labDown } from "../verbs.js";
import { LabError } from "../errors.js";
import { planLab } from "../plan.js";

/** Options of the shared lab. */
export const sharedLabOptions = Object.freeze({ clusters: 2, nodesPerCluster: 2 });

/** Brings the shared lab up; returns the teardown. */
export async function setup(): Promise<() => Promise<void>> {
  if (process.getuid?.() !== 0) throw new LabError("NotRoot", "The lab suites need root");
  const result = await labUp(sharedLabOptions, { onProgress: (line) => process.stderr.write(`[lab] ${line}\n`) });
  process.stderr.write(`[lab] ${result.alreadyUp ? "reusing the running lab" : `up in ${(result.durationMs / 1000).toFixed(1)} s`}\n`);
  return teardown;
}

async function teardown(): Promise<void> {
  if (process.env.ISTHMUS_LAB_KEEP === "1") return;
  await labDown();
  const left = await findLeftovers(planLab(sharedLabOptions));
  const found = [...left.namespaces, ...left.mounts, ...left.processes.map((p) => `pid ${p}`), ...left.files];
  if (found.length > 0) throw new LabError("CleanupFailed", `lab down left things behind: ${found.join(", ")}`);
}
