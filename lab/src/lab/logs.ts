/**
 * `lab logs <cluster>/<component>`: the log of one lab process (a restarted process appends to
 * the same file, so one file tells its whole story). Components are named as `lab status` lists
 * them without the cluster prefix: `etcd`, `kube-apiserver`, `coredns`, `n1-kubelet`, … (also
 * `c1/n1/kubelet` and the full `c1/c1-n1-kubelet`).
 */
import { open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LabError } from "./errors.js";
import { clusterPaths, nodePaths, pidDir } from "./paths.js";
import { findCluster, type ClusterPlan, type LabPlan } from "./plan.js";
import { requireLab, type LabLocation } from "./state.js";
import { readSupervision } from "./supervision.js";

/** Options of {@link labLogs}. */
export interface LabLogsOptions extends LabLocation {
  /** How many lines from the end to print first (default 50). */
  readonly lines?: number;
  /** Keep printing what is appended until `signal` aborts. */
  readonly follow?: boolean;
  readonly signal?: AbortSignal;
  /** Receives the text. */
  readonly write: (text: string) => void;
}

const tailWindowBytes = 512 * 1024;
const followIntervalMs = 250;

/** The process names of a cluster's components (from the pid files), sorted. */
async function componentNames(plan: LabPlan, cluster: ClusterPlan): Promise<string[]> {
  let files: string[];
  try {
    files = await readdir(pidDir(plan));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return files.filter((f) => f.startsWith(`${cluster.id}-`) && f.endsWith(".pid")).map((f) => f.slice(0, -4)).sort();
}

/** Resolves `<cluster>/<component>` to the process name and its log file; `NotFound` lists the valid names. */
export async function labLogFile(target: string, location: LabLocation = {}): Promise<{ name: string; logFile: string }> {
  const { plan } = await requireLab(location);
  const [clusterId, ...rest] = target.split("/");
  if (clusterId === undefined || clusterId === "" || rest.length === 0 || rest.some((p) => p === "")) {
    throw new LabError("InvalidOptions", `Target "${target}" must be <cluster>/<component>, e.g. c1/kube-apiserver or c1/n1-kubelet`);
  }
  const cluster = findCluster(plan, clusterId);
  const names = await componentNames(plan, cluster);
  const wanted = rest.join("-");
  const name = names.find((n) => n === wanted || n === `${cluster.id}-${wanted}`);
  if (name === undefined) {
    const valid = names.map((n) => n.slice(cluster.id.length + 1)).join(", ");
    throw new LabError("NotFound", `No component "${rest.join("/")}" in ${cluster.id}: components are ${valid === "" ? "(none: is the lab up?)" : valid}`);
  }
  const recorded = (await readSupervision(plan))?.components[name]?.logFile;
  return { name, logFile: recorded ?? defaultLogFile(plan, cluster, name) };
}

/** Where a component's log is when no supervision record names it (a lab made before ADR 0330). */
function defaultLogFile(plan: LabPlan, cluster: ClusterPlan, name: string): string {
  const node = cluster.nodes.find((n) => name.startsWith(`${n.name}-`));
  if (node !== undefined) return join(nodePaths(plan, node).logDir, `${name.slice(node.name.length + 1)}.log`);
  return join(clusterPaths(plan, cluster).logDir, `${name.slice(cluster.id.length + 1)}.log`);
}

/** The last `lines` lines of a text. */
export function lastLines(text: string, lines: number): string {
  if (lines <= 0) return "";
  const parts = text.split("\n");
  const trailing = parts.at(-1) === "" ? parts.pop() : undefined;
  return parts.slice(-lines).join("\n") + (trailing === undefined ? "" : "\n");
}

/** Writes the end of a component's log and, with `follow`, what is appended until aborted. */
export async function labLogs(target: string, options: LabLogsOptions): Promise<void> {
  const { logFile } = await labLogFile(target, options);
  let offset = 0;
  {
    const size = (await stat(logFile)).size;
    const start = Math.max(0, size - tailWindowBytes);
    const text = await readRange(logFile, start, size);
    // A window that starts mid-file starts mid-line: drop that partial first line.
    const whole = start === 0 ? text : text.slice(text.indexOf("\n") + 1);
    options.write(lastLines(whole, options.lines ?? 50));
    offset = size;
  }
  while (options.follow === true && options.signal?.aborted !== true) {
    try {
      await sleep(followIntervalMs, undefined, options.signal === undefined ? {} : { signal: options.signal });
    } catch (err) {
      // Aborted: the caller asked to stop following (Ctrl-C); that is not an error.
      if ((err as { name?: unknown }).name === "AbortError") return;
      throw err;
    }
    const size = (await stat(logFile)).size;
    if (size < offset) offset = 0; // truncated: start over
    if (size > offset) {
      options.write(await readRange(logFile, offset, size));
      offset = size;
    }
  }
}

async function readRange(file: string, start: number, end: number): Promise<string> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(end - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } finally {
    await handle.close();
  }
}
