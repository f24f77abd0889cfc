/**
 * `lab up`: plan, binaries, the supervisor, network, mount namespaces, then every cluster in
 * parallel (PKI, etcd + apiserver, DNS objects, controllers, CoreDNS, node agents, pod network,
 * readiness).
 * Idempotent: a complete lab whose processes all run is left alone; a half-made one is torn
 * down first. Each step reports one line (✓ or ✗ with the error) through `onProgress`.
 */
import { access, readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { errorMessage } from "@isthmus/core/errors";
import type { LabBinaries } from "../binaries/index.js";
import { componentEntries, workloadEntry } from "../kubelet/images.js";
import { flannelBinaries, labBinaries } from "./binaries.js";
import { startApiserver, startControllers } from "./controlplane.js";
import { createDnsObjects, labCorefile, startCoreDns } from "./dns.js";
import { LabError } from "./errors.js";
import type { FlannelBinaries } from "./flannel.js";
import { applyMountNamespaces } from "./mounts.js";
import { applyPodNetwork, startNodeAgents, waitForNodesReady, waitForPodCidrs } from "./nodes.js";
import { createClusterPki } from "./pki.js";
import { planLab, type ClusterPlan, type LabOptions, type LabPlan, type PodNetworkMode } from "./plan.js";
import { withLabLock } from "./lock.js";
import { isAlive, readPid } from "./processes.js";
import { readRecord, resolveOptions, writeRecord } from "./state.js";
import { startSupervisor, supervisorEntry } from "./supervisor-client.js";
import { destroyLab } from "./teardown.js";
import { applyNetwork, listNamespaces } from "./topology.js";
import { waitFor } from "./wait.js";
import { pidDir } from "./paths.js";

/** Options of {@link labUp} beyond the lab's shape. */
export interface LabUpContext {
  /** One line per finished step: "✓ c1 kube-apiserver ready (3.1 s)" or "✗ ...: why". */
  readonly onProgress?: (line: string) => void;
  /** Environment for binary lookup (ISTHMUS_K8S_BIN, ...); default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What `labUp` did. */
export interface LabUpResult {
  readonly plan: LabPlan;
  /** True when a complete, running lab was found and left alone. */
  readonly alreadyUp: boolean;
  readonly durationMs: number;
}

/** The checkout this code runs from (lab/src/lab or lab/dist/lab → three levels up). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Brings a lab up (see the file comment). Needs root and a built checkout (`npx tsc -b`). */
export async function labUp(options: LabOptions = {}, context: LabUpContext = {}): Promise<LabUpResult> {
  const started = Date.now();
  const progress = context.onProgress ?? (() => undefined);
  if (process.getuid?.() !== 0) throw new LabError("NotRoot", "The lab needs root: network namespaces, mounts and nftables");
  const resolved = resolveOptions(options);
  const plan = planLab(resolved);
  return withLabLock(plan.stateDir, () => labUpLocked(plan, { resolved, started, progress, context }), {
    onWait: (pid) => {
      progress(`… waiting for another lab operation (pid ${pid}) on ${plan.stateDir}`);
    },
  });
}

interface LockedUp {
  readonly resolved: ReturnType<typeof resolveOptions>;
  readonly started: number;
  readonly progress: (line: string) => void;
  readonly context: LabUpContext;
}

async function labUpLocked(plan: LabPlan, input: LockedUp): Promise<LabUpResult> {
  const { resolved, started, progress, context } = input;
  const existing = await readRecord({ stateDir: plan.stateDir });
  if (existing?.complete === true && (await allProcessesAlive(plan))) {
    if (!isDeepStrictEqual(existing.options, resolved)) {
      throw new LabError("InvalidOptions", `A lab with other options is already up (${JSON.stringify(existing.options)}): run "isthmus lab down" first`);
    }
    progress(`✓ lab already up (${plan.clusters.map((c) => c.id).join(", ")})`);
    return { plan, alreadyUp: true, durationMs: Date.now() - started };
  }
  if (existing === undefined) {
    const strays = await listNamespaces(plan.namePrefix);
    if (strays.length > 0) {
      throw new LabError(
        "Conflict",
        `Namespaces ${strays.join(", ")} exist but ${plan.stateDir} holds no lab: another lab uses the prefix "${plan.namePrefix}", ` +
          `or a lab lost its state directory. Remove them with "isthmus lab down" (same --state-dir) if they are leftovers.`,
      );
    }
  } else {
    await step(progress, "remove a half-made or stopped lab", () => destroyLab(planLab(existing.options)));
  }
  const binaries = await step(progress, "binaries", () => labBinaries({ ...context, onProgress: progress }));
  const flannel = plan.clusters.some((c) => c.podNetwork === "flannel")
    ? await step(progress, "flannel binaries (flanneld, CNI plugin)", () => flannelBinaries({ ...context, onProgress: progress }))
    : undefined;
  const entries = await step(progress, "built entry points (kubelet, workloads, corefile sync, CNI agent)", () => checkEntries(plan));
  await writeRecord({ version: 2, options: resolved, createdAt: new Date().toISOString(), complete: false });
  await step(progress, "supervisor (restarts lab processes that die)", () => startSupervisor(plan, { repoRoot }));
  await step(progress, `network: WAN, ${plan.clusters.length} LANs, ${plan.clusters.length * resolved.nodesPerCluster} nodes`, () => applyNetwork(plan));
  await step(progress, "node mount namespaces", () => applyMountNamespaces(plan));
  // Clusters come up side by side; wait for all of them so no step is still running when we report.
  const results = await Promise.allSettled(plan.clusters.map((c) => upCluster(plan, c, { binaries, flannel, progress, kubeletEntry: entries.kubelet })));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  await writeRecord({ version: 2, options: resolved, createdAt: new Date().toISOString(), complete: true });
  const durationMs = Date.now() - started;
  progress(`✓ lab up in ${(durationMs / 1000).toFixed(1)} s`);
  return { plan, alreadyUp: false, durationMs };
}

const podNetworkLabel: Readonly<Record<PodNetworkMode, string>> = {
  isthmus: "isthmus-node from deploy/cni, conflists written by the agent",
  flannel: "flannel's manifest: flanneld, kube subnet manager, VXLAN",
  reference: "reference bridge + host-local conflists, routes",
  "reference-masq": "reference bridge (ipMasq) + host-local conflists, routes",
  none: "routes from the control plane only (CNI: none)",
};

interface ClusterContext {
  readonly binaries: LabBinaries;
  /** Built only when a cluster runs flannel. */
  readonly flannel: FlannelBinaries | undefined;
  readonly progress: (line: string) => void;
  readonly kubeletEntry: string;
}

async function upCluster(plan: LabPlan, cluster: ClusterPlan, context: ClusterContext): Promise<void> {
  const { binaries, progress } = context;
  const id = cluster.id;
  const pki = await step(progress, `${id} PKI and kubeconfigs`, () => createClusterPki(plan, cluster));
  const { admin } = await step(progress, `${id} etcd and kube-apiserver ready`, () => startApiserver(plan, cluster, { binaries, pki }));
  const corefile = labCorefile(cluster, pki.corednsKubeconfig);
  await step(progress, `${id} kube-dns Service, CoreDNS RBAC and Corefile ConfigMap`, () => createDnsObjects(cluster, { admin, corefile }));
  await step(progress, `${id} kube-controller-manager and kube-scheduler leading`, () => startControllers(plan, cluster, { binaries, pki, admin }));
  await step(progress, `${id} CoreDNS`, () => startCoreDns(plan, cluster, { binaries, pki, corefile, repoRoot }));
  const agents = await step(progress, `${id} kube-proxy and lab kubelet on ${cluster.nodes.length} nodes`, () =>
    startNodeAgents(plan, cluster, { binaries, flannel: context.flannel, repoRoot, kubeletEntry: context.kubeletEntry }),
  );
  const podCidrs = await step(progress, `${id} nodes registered with podCIDRs`, () => waitForPodCidrs(cluster, { admin, agents }));
  await step(progress, `${id} pod network (${podNetworkLabel[cluster.podNetwork]})`, () =>
    applyPodNetwork(plan, cluster, { podCidrs, cni: { binaries, repoRoot }, flannel: context.flannel }),
  );
  await step(progress, `${id} nodes Ready`, () => waitForNodesReady(cluster, admin));
  await step(progress, `${id} default ServiceAccount`, () =>
    waitFor(`${id} default/default ServiceAccount`, async () => (await admin.request("GET", "/api/v1/namespaces/default/serviceaccounts/default")).status === 200 || undefined, {
      timeoutMs: 30_000,
    }),
  );
}

async function checkEntries(plan: LabPlan): Promise<{ kubelet: string }> {
  const kubelet = join(repoRoot, "lab/dist/kubelet/main.js");
  const entries = [kubelet, join(repoRoot, workloadEntry), join(repoRoot, "lab/dist/lab/corefile-sync-main.js"), join(repoRoot, supervisorEntry)];
  // deploy/cni's image isthmus/node runs this entry (the lab kubelet's image registry).
  const agent = componentEntries.node;
  if (plan.clusters.some((c) => c.podNetwork === "isthmus") && agent !== undefined) entries.push(join(repoRoot, agent));
  for (const entry of entries) {
    try {
      await access(entry);
    } catch (err) {
      throw new LabError("NotFound", `${entry} is missing: build the checkout first (npx tsc -b)`, { cause: err });
    }
  }
  return { kubelet };
}

/** True when every process with a pid file runs (and there is at least one). */
export async function allProcessesAlive(plan: LabPlan): Promise<boolean> {
  let names: string[];
  try {
    names = (await readdir(pidDir(plan))).filter((f) => f.endsWith(".pid")).map((f) => f.slice(0, -4));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
  for (const name of names) {
    const pid = await readPid(plan, name);
    if (pid === undefined || !(await isAlive(pid))) return false;
  }
  return names.length > 0;
}

async function step<T>(progress: (line: string) => void, what: string, run: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    const value = await run();
    progress(`✓ ${what} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return value;
  } catch (err) {
    progress(`✗ ${what}: ${errorMessage(err)}`);
    throw err;
  }
}
