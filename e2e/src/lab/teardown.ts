/**
 * Tears a lab down completely, whether it is whole, half made or left by a crash: processes
 * (pid files, then a scan of lab namespaces), network namespaces (the plan's and any other with
 * the lab's prefix), mounts under the state directory, host directories the lab created, and
 * finally the state directory itself. Idempotent.
 */
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { destroyMounts, mountsUnder } from "./mounts.js";
import { mountNsDir } from "./paths.js";
import type { LabPlan } from "./plan.js";
import { scanProcesses, stopLabProcesses } from "./processes.js";
import { destroyNetwork, listNamespaces } from "./topology.js";

/** What teardown found and removed. */
export interface TeardownReport {
  readonly processes: readonly number[];
  readonly namespaces: readonly string[];
  readonly mounts: readonly string[];
}

/** Removes everything the lab made; safe to call on a lab that is not (or only partly) up. */
export async function destroyLab(plan: LabPlan): Promise<TeardownReport> {
  const netns = await listNamespaces(plan.namePrefix);
  const processes = await stopLabProcesses(plan, {
    netns,
    mountNsFiles: await mountNsFiles(plan),
    marker: plan.stateDir,
  });
  const namespaces = await destroyNetwork(plan);
  const mounts = await destroyMounts(plan.stateDir);
  await rm(plan.stateDir, { recursive: true, force: true });
  return { processes, namespaces, mounts };
}

async function mountNsFiles(plan: LabPlan): Promise<string[]> {
  try {
    return (await readdir(mountNsDir(plan))).map((f) => join(mountNsDir(plan), f));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** What a torn-down lab must not leave behind; every list empty means clean. */
export interface Leftovers {
  readonly namespaces: readonly string[];
  readonly mounts: readonly string[];
  readonly processes: readonly number[];
  readonly files: readonly string[];
}

/** Finds anything of the lab still present (namespaces by prefix, mounts, processes, files). */
export async function findLeftovers(plan: LabPlan): Promise<Leftovers> {
  const files: string[] = [];
  try {
    await readdir(plan.stateDir);
    files.push(plan.stateDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  return {
    namespaces: await listNamespaces(plan.namePrefix),
    mounts: await mountsUnder(plan.stateDir),
    processes: await scanProcesses({ netns: [], mountNsFiles: [], marker: plan.stateDir }),
    files,
  };
}
