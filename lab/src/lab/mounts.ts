/**
 * Per-node mount namespaces. Each node gets a persistent mount namespace (bound to a file under
 * `<state>/mnt`, itself a private bind mount so the namespace file can live there) in which
 * `/run` is a private tmpfs (so `/run/netns` and `/var/run/wireguard` are per node) and
 * `/etc/cni/net.d`, `/opt/cni/bin`, `/var/lib/cni` and `/var/lib/isthmus` are bind mounts of
 * the node's state directories — the orchestrator writes a node's CNI files from the host side,
 * and a hostPath volume under `/var/lib/isthmus` (the gateway's WireGuard key) is the node's own,
 * not shared with same-named nodes of another lab.
 *
 * A mount point must exist on the shared root filesystem; when one of those directories
 * is missing on the host the lab creates it, records it, and `lab down` removes it if empty.
 */
import { appendFile, mkdir, readdir, readFile, readlink, rm, rmdir, stat, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { errorMessage } from "@isthmus/core/errors";
import { LabError } from "./errors.js";
import { mountNsDir, nodePaths } from "./paths.js";
import type { LabPlan, NodePlan } from "./plan.js";
import { runCommand } from "./run.js";

/** Reference CNI plugins linked into every node's /opt/cni/bin. */
export const referencePluginDir = "/usr/lib/cni";
const referencePlugins = ["bridge", "host-local", "loopback", "portmap"];

/** Directories inside a node that are backed by the node's state directory. */
const nodeMountPoints = ["/etc/cni/net.d", "/opt/cni/bin", "/var/lib/cni", "/var/lib/isthmus"] as const;

/** Creates the private mount-namespace directory and every node's mount namespace. */
export async function applyMountNamespaces(plan: LabPlan): Promise<void> {
  const dir = mountNsDir(plan);
  await mkdir(dir, { recursive: true });
  if (!(await isMountPoint(dir))) {
    await runCommand(["mount", "--bind", dir, dir]);
  }
  await runCommand(["mount", "--make-private", dir]);
  for (const mountPoint of nodeMountPoints) {
    await ensureHostDir(plan, mountPoint);
  }
  for (const node of plan.clusters.flatMap((c) => c.nodes)) {
    await applyNodeMountNamespace(plan, node);
  }
}

async function applyNodeMountNamespace(plan: LabPlan, node: NodePlan): Promise<void> {
  const paths = nodePaths(plan, node);
  for (const d of [paths.cniConfDir, paths.cniBinDir, paths.cniLibDir, paths.isthmusLibDir, paths.kubeletDir, paths.logDir]) {
    await mkdir(d, { recursive: true });
  }
  for (const plugin of referencePlugins) {
    await symlink(join(referencePluginDir, plugin), join(paths.cniBinDir, plugin));
  }
  await writeFile(paths.mountNsFile, "");
  await runCommand(["unshare", `--mount=${paths.mountNsFile}`, "--propagation", "private", "true"]);
  const inNode = ["nsenter", `--mount=${paths.mountNsFile}`, "--"];
  // The new namespace starts with a copy of the host's mounts under /run, among them the
  // host's /run/netns/* bindings: they would pin every host network namespace for the
  // lab's lifetime. Drop them before /run becomes the node's own tmpfs.
  const { stdout } = await runCommand([...inNode, "findmnt", "--list", "--noheadings", "--output", "TARGET"]);
  const underRun = stdout.split("\n").filter((m) => m.startsWith("/run/") || m === "/run");
  for (const m of underRun.sort((a, b) => b.length - a.length)) {
    await runCommand([...inNode, "umount", "-l", m]);
  }
  await runCommand([...inNode, "mount", "-t", "tmpfs", "-o", "mode=0755,size=64m", "tmpfs", "/run"]);
  await runCommand([...inNode, "mkdir", "-p", "/run/netns", "/run/wireguard"]);
  // As `ip netns add` would: /run/netns a shared mount point, so pod namespaces bound there
  // by the kubelet are visible to every process of the node.
  await runCommand([...inNode, "mount", "--bind", "/run/netns", "/run/netns"]);
  await runCommand([...inNode, "mount", "--make-shared", "/run/netns"]);
  const sources = [paths.cniConfDir, paths.cniBinDir, paths.cniLibDir, paths.isthmusLibDir];
  for (const [i, target] of nodeMountPoints.entries()) {
    const source = sources[i];
    if (source !== undefined) await runCommand([...inNode, "mount", "--bind", source, target]);
  }
}

/** Unmounts every mount under the state directory (deepest first) and removes host dirs the lab made. */
export async function destroyMounts(stateDir: string): Promise<string[]> {
  const mounts = await mountsUnder(stateDir);
  for (const m of mounts.reverse()) {
    await runCommand(["umount", "-l", m]);
  }
  await removeCreatedHostDirs(stateDir);
  return mounts;
}

/** Mount points (as the host sees them) at or below `dir`, in mount order. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile("/proc/self/mountinfo", "utf8");
  return info
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((m): m is string => m !== undefined && (m === dir || m.startsWith(`${dir}/`)))
    .map(unescapeMountPath);
}

function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

async function isMountPoint(dir: string): Promise<boolean> {
  return (await mountsUnder(dir)).includes(dir);
}

function createdDirsFile(plan: { readonly stateDir: string }): string {
  return join(plan.stateDir, "created-host-dirs");
}

/** Creates `dir` and any missing parents on the host, recording each one created. */
async function ensureHostDir(plan: LabPlan, dir: string): Promise<void> {
  if (await exists(dir)) return;
  await ensureHostDir(plan, dirname(dir));
  await appendFile(createdDirsFile(plan), `${dir}\n`);
  await mkdir(dir);
}

async function removeCreatedHostDirs(stateDir: string): Promise<void> {
  const file = createdDirsFile({ stateDir });
  if (!(await exists(file))) return;
  const dirs = (await readFile(file, "utf8")).split("\n").filter((d) => d !== "");
  const inUse = await mountPointsOfAllNamespaces();
  for (const dir of dirs.reverse()) {
    // rmdir succeeds on a directory that is a mount point only in another mount namespace, and
    // detaches that mount there: another lab's nodes would lose /etc/cni/net.d. Leave it.
    if (inUse.has(dir)) continue;
    try {
      await rmdir(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Gone already, or still in use by another lab's nodes (a mount point there) or holding files
      // someone else put there: an empty directory left on the host is the lesser harm.
      if (code === "ENOENT" || code === "EBUSY" || code === "ENOTEMPTY") continue;
      throw new LabError("CleanupFailed", `Cannot remove host directory ${dir} the lab created: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }
  await rm(file);
}

/** The mount points of `/proc/<pid>/mountinfo` text (its fifth field, unescaped). */
export function parseMountPoints(mountinfo: string): string[] {
  return mountinfo
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((m): m is string => m !== undefined && m !== "")
    .map(unescapeMountPath);
}

/** Every mount point of every mount namespace a process is in (each namespace read once). */
async function mountPointsOfAllNamespaces(): Promise<Set<string>> {
  const seen = new Set<string>();
  const points = new Set<string>();
  for (const pid of (await readdir("/proc")).filter((name) => /^\d+$/.test(name))) {
    try {
      const ns = await readlink(`/proc/${pid}/ns/mnt`);
      if (seen.has(ns)) continue;
      seen.add(ns);
      for (const m of parseMountPoints(await readFile(`/proc/${pid}/mountinfo`, "utf8"))) points.add(m);
    } catch {
      // The process exited meanwhile: its namespace, if still used, is read through another one.
      continue;
    }
  }
  return points;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}
