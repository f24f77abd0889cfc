/**
 * `lab down`, `lab status`, `lab kubeconfig` and `lab exec`: everything but `up`. They find the
 * lab through its record under the state directory.
 */
import { spawn } from "node:child_process";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { errorMessage } from "@isthmus/core/errors";
import { LabError } from "./errors.js";
import { withLabLock } from "./lock.js";
import { createLabKubeClient } from "./kube-client.js";
import { clusterPaths, nodePaths, pidDir } from "./paths.js";
import { defaultLabStateDir, findCluster, findNode, planLab, type LabPlan } from "./plan.js";
import { isAlive, readPid } from "./processes.js";
import { nsenterArgv } from "./run.js";
import { readRecord, requireLab, type LabLocation } from "./state.js";
import { readSupervision, type SupervisionRecord } from "./supervision.js";
import { supervisorName } from "./supervisor-client.js";
import { destroyLab, type TeardownReport } from "./teardown.js";

/** Removes the lab at the location, complete or not; a no-op report when there is none. */
export async function labDown(location: LabLocation = {}): Promise<TeardownReport> {
  if (process.getuid?.() !== 0) throw new LabError("NotRoot", "The lab needs root: network namespaces, mounts and nftables");
  const stateDir = location.stateDir ?? defaultLabStateDir;
  return withLabLock(stateDir, async () => {
    const record = await readRecord(location);
    return destroyLab(planLab(record?.options ?? { stateDir, ...(location.namePrefix === undefined ? {} : { namePrefix: location.namePrefix }) }));
  });
}

/** Path of a cluster's admin kubeconfig (it reaches the apiserver on 127.0.0.1). */
export async function labKubeconfig(clusterId: string, location: LabLocation = {}): Promise<string> {
  const { plan } = await requireLab(location);
  return clusterPaths(plan, findCluster(plan, clusterId)).adminKubeconfig;
}

/** One process of the lab, whether it runs, and what its supervisor saw (ADR 0330). */
export interface ComponentStatus {
  /** The process name, `<cluster>-<component>` (`c1-kube-apiserver`, `c1-n1-kubelet`). */
  readonly name: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  /** How many times the supervisor started it again after it died. */
  readonly restarts: number;
  /** Its last death: when, and why ("killed by SIGKILL", "exited with code 1"). */
  readonly lastExit?: { readonly at: string; readonly reason: string };
  /** Its log file (`isthmus lab logs <cluster>/<component>`). */
  readonly logFile?: string;
}

/** One node as the apiserver sees it. */
export interface NodeStatus {
  readonly name: string;
  readonly ready: boolean;
  readonly podCidr: string | undefined;
  readonly internalIp: string | undefined;
}

/** One pod as the apiserver sees it. */
export interface PodStatus {
  readonly namespace: string;
  readonly name: string;
  readonly node: string | undefined;
  readonly phase: string | undefined;
  readonly ip: string | undefined;
}

/** A cluster's health. */
export interface ClusterStatus {
  readonly id: string;
  readonly apiserver: string;
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly components: readonly ComponentStatus[];
  readonly nodes: readonly NodeStatus[];
  readonly pods: readonly PodStatus[];
  /** Why nodes and pods are missing, when the apiserver did not answer. */
  readonly error?: string;
}

/** The whole lab's health. */
export interface LabStatus {
  readonly stateDir: string;
  readonly complete: boolean;
  /** The process that starts lab processes again when they die. */
  readonly supervisor: { readonly pid: number | undefined; readonly running: boolean };
  readonly clusters: readonly ClusterStatus[];
}

interface KubeList<T> {
  readonly items: readonly T[];
}
interface NodeJson {
  readonly metadata: { readonly name: string };
  readonly spec?: { readonly podCIDR?: string };
  readonly status?: {
    readonly conditions?: readonly { readonly type: string; readonly status: string }[];
    readonly addresses?: readonly { readonly type: string; readonly address: string }[];
  };
}
interface PodJson {
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec?: { readonly nodeName?: string };
  readonly status?: { readonly phase?: string; readonly podIP?: string };
}

/** Clusters, components (processes), nodes and pods of the lab. */
export async function labStatus(location: LabLocation = {}): Promise<LabStatus> {
  const { record, plan } = await requireLab(location);
  const supervision = await readSupervision(plan);
  const clusters: ClusterStatus[] = [];
  for (const cluster of plan.clusters) {
    const base = {
      id: cluster.id,
      apiserver: `https://127.0.0.1:${cluster.localApiserverPort}`,
      podCidr: cluster.podCidr,
      serviceCidr: cluster.serviceCidr,
      components: await componentsOf(plan, cluster.id, supervision),
    };
    try {
      const admin = await createLabKubeClient(clusterPaths(plan, cluster).adminKubeconfig, { timeoutMs: 3_000 });
      const nodes = await admin.get<KubeList<NodeJson>>("/api/v1/nodes");
      const pods = await admin.get<KubeList<PodJson>>("/api/v1/pods");
      clusters.push({ ...base, nodes: nodes.items.map(toNodeStatus), pods: pods.items.map(toPodStatus) });
    } catch (err) {
      clusters.push({ ...base, nodes: [], pods: [], error: errorMessage(err) });
    }
  }
  const supervisorPid = await readPid(plan, supervisorName);
  const supervisor = { pid: supervisorPid, running: supervisorPid !== undefined && (await isAlive(supervisorPid)) };
  return { stateDir: plan.stateDir, complete: record.complete, supervisor, clusters };
}

function toNodeStatus(n: NodeJson): NodeStatus {
  return {
    name: n.metadata.name,
    ready: n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
    podCidr: n.spec?.podCIDR,
    internalIp: n.status?.addresses?.find((a) => a.type === "InternalIP")?.address,
  };
}

function toPodStatus(p: PodJson): PodStatus {
  return { namespace: p.metadata.namespace, name: p.metadata.name, node: p.spec?.nodeName, phase: p.status?.phase, ip: p.status?.podIP };
}

async function componentsOf(plan: LabPlan, clusterId: string, supervision: SupervisionRecord | undefined): Promise<ComponentStatus[]> {
  let files: string[];
  try {
    files = await readdir(pidDir(plan));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const names = files.filter((f) => f.startsWith(`${clusterId}-`) && f.endsWith(".pid")).map((f) => f.slice(0, -4)).sort();
  const out: ComponentStatus[] = [];
  for (const name of names) {
    const pid = await readPid(plan, name);
    const seen = supervision?.components[name];
    out.push({
      name,
      pid,
      running: pid !== undefined && (await isAlive(pid)),
      restarts: seen?.restarts ?? 0,
      ...(seen?.lastExit === undefined ? {} : { lastExit: seen.lastExit }),
      ...(seen === undefined ? {} : { logFile: seen.logFile }),
    });
  }
  return out;
}

/** Where the kubelet records a pod (lab contract). */
interface PodRecord {
  readonly netns?: string;
  readonly pid?: number;
}

/**
 * The argv prefix that runs a command in a lab target: `<cluster>/cp` (control-plane namespace),
 * `<cluster>/<node>` (node network + mount namespaces) or `<cluster>/<namespace>/<pod>` (the
 * pod's network namespace, found through the kubelet's pod record).
 */
export async function labExecArgv(target: string, location: LabLocation = {}): Promise<string[]> {
  const { plan } = await requireLab(location);
  const parts = target.split("/");
  const [clusterId, second, third] = parts;
  if (clusterId === undefined || second === undefined || parts.length > 3) {
    throw new LabError("InvalidOptions", `Target "${target}" must be <cluster>/cp, <cluster>/<node> or <cluster>/<namespace>/<pod>`);
  }
  const cluster = findCluster(plan, clusterId);
  if (third === undefined && second === "cp") return nsenterArgv(cluster.cpNetns);
  if (third === undefined) {
    const node = findNode(plan, clusterId, second);
    return nsenterArgv(node.netns, nodePaths(plan, node).mountNsFile);
  }
  for (const node of cluster.nodes) {
    const paths = nodePaths(plan, node);
    let text: string;
    try {
      text = await readFile(join(paths.kubeletDir, "pods", `${second}_${third}`, "pod.json"), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw err;
    }
    const pod = JSON.parse(text) as PodRecord;
    if (pod.pid !== undefined && (await isAlive(pod.pid))) return ["nsenter", `--target=${pod.pid}`, "--net", "--mount", "--"];
    if (pod.netns === undefined) throw new LabError("NotFound", `Pod ${second}/${third} has no network namespace yet`);
    return [...nsenterArgv(node.netns, paths.mountNsFile), "ip", "netns", "exec", pod.netns];
  }
  throw new LabError("NotFound", `No pod ${second}/${third} runs on any node of ${clusterId}`);
}

/** Runs `argv` in a lab target with the given stdio; resolves with its exit code. */
export async function labExec(
  target: string,
  argv: readonly string[],
  options: LabLocation & { readonly stdio?: "inherit" | "pipe" } = {},
): Promise<number> {
  if (argv.length === 0) throw new LabError("InvalidOptions", "lab exec needs a command after --");
  const [file, ...args] = [...(await labExecArgv(target, options)), ...argv];
  if (file === undefined) throw new LabError("InvalidOptions", "lab exec needs a command");
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: options.stdio ?? "inherit" });
    child.on("error", (err) => {
      reject(new LabError("CommandFailed", `Cannot run ${argv.join(" ")} in ${target}: ${err.message}`, { cause: err }));
    });
    child.on("close", (code) => {
      resolve(code ?? 128);
    });
  });
}
