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
import { runCommand } from "./run.js";
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
  const nodeMounts = await mountNsFiles(plan);
  const processes = await stopLabProcesses(plan, {
    netns,
    mountNsFiles: nodeMounts,
    nsInodes: await podNetnsInodes(nodeMounts),
    marker: `${plan.stateDir}/`,
  });
  const namespaces = await destroyNetwork(plan);
  const mounts = await destroyMounts(plan.stateDir);
  await rm(plan.stateDir, { recursive: true, force: true });
  return { processes, namespaces, mounts };
}

/**
 * Inodes of the network namespaces bound under `/run/netns` inside each node's mount namespace
 * (the kubelet's pod sandboxes). A pod's processes run in one of them and in a mount namespace
 * of their own, so this is how teardown finds them when their kubelet is already gone.
 */
async function podNetnsInodes(nodeMountNsFiles: readonly string[]): Promise<string[]> {
  const inodes: string[] = [];
  for (const file of nodeMountNsFiles) {
    const listing = await runCommand(["nsenter", `--mount=${file}`, "--", "find", "/run/netns", "-mindepth", "1", "-maxdepth", "1", "-exec", "stat", "-c", "%i", "{}", "+"], {
      allowFailure: true,
    });
    // stat, not find's %i: find reports the directory entry's inode, not the bound namespace's.
    // A mount namespace file that is no longer bound (half-made lab) cannot be entered: nothing to find there.
    if (listing.code === 0) inodes.push(...listing.stdout.split("\n").filter((l) => l !== ""));
  }
  return inodes;
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
    processes: await scanProcesses({ netns: [], mountNsFiles: [], marker: `${plan.stateDir}/` }),
    files,
  };
}
