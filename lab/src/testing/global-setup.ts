/**
 * vitest global setup of the `lab` project: brings one lab up (2 clusters x 2 nodes, the
 * default state directory) before the first lab suite and tears it down after the last, then
 * checks that nothing is left. Suites share it through `labKubeconfig`/`labExecArgv`.
 *
 * Several test runs may share the lab (two shells, or helpers working side by side): each
 * registers itself under `<state>/users/<pid>` and only the last one to finish takes it down.
 * `ISTHMUS_LAB_KEEP=1` leaves the lab up afterwards (for iterating on a suite).
 */
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LabError } from "../lab/errors.js";
import { planLab } from "../lab/plan.js";
import { isAlive } from "../lab/processes.js";
import { findLeftovers } from "../lab/teardown.js";
import { labUp } from "../lab/up.js";
import { labDown } from "../lab/verbs.js";

/** Options of the shared lab. */
export const sharedLabOptions = Object.freeze({ clusters: 2, nodesPerCluster: 2 });

const usersDir = join(planLab(sharedLabOptions).stateDir, "users");

/** Brings the shared lab up (or joins the running one); returns the teardown. */
export async function setup(): Promise<() => Promise<void>> {
  if (process.getuid?.() !== 0) throw new LabError("NotRoot", "The lab suites need root");
  const result = await labUp(sharedLabOptions, { onProgress: (line) => process.stderr.write(`[lab] ${line}\n`) });
  await mkdir(usersDir, { recursive: true });
  await writeFile(join(usersDir, String(process.pid)), "");
  process.stderr.write(`[lab] ${result.alreadyUp ? "sharing the running lab" : `up in ${(result.durationMs / 1000).toFixed(1)} s`}\n`);
  return teardown;
}

async function teardown(): Promise<void> {
  await rm(join(usersDir, String(process.pid)), { force: true });
  if (process.env.ISTHMUS_LAB_KEEP === "1") return;
  const others = await otherUsers();
  if (others.length > 0) {
    process.stderr.write(`[lab] leaving the lab up for test runs ${others.join(", ")}\n`);
    return;
  }
  await labDown();
  const left = await findLeftovers(planLab(sharedLabOptions));
  const found = [...left.namespaces, ...left.mounts, ...left.processes.map((p) => `pid ${p}`), ...left.files];
  if (found.length > 0) throw new LabError("CleanupFailed", `lab down left things behind: ${found.join(", ")}`);
}

async function otherUsers(): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(usersDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const alive: number[] = [];
  for (const pid of names.map(Number).filter(Number.isInteger)) {
    if (await isAlive(pid)) alive.push(pid);
  }
  return alive;
}
