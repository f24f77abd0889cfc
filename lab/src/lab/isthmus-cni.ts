/**
 * The lab's default pod network: our CNI, installed as an operator installs it — `kubectl apply`
 * of `deploy/cni/isthmus-node.yaml` with the cluster's admin kubeconfig. The controllers create
 * one isthmus-node pod per node, the lab kubelet runs it (hostNetwork, in the node's network and
 * mount namespaces), and the agent builds the overlay and writes the node's conflist. `up` waits
 * for that conflist on every node. Everything the agent makes lives in the node's namespaces and
 * directories, so `lab down` removes it with them.
 */
import { access } from "node:fs/promises";
import { join } from "node:path";
import type { LabBinaries } from "../binaries/index.js";
import { clusterPaths, nodePaths } from "./paths.js";
import type { ClusterPlan, LabPlan } from "./plan.js";
import { runCommand } from "./run.js";
import { waitFor } from "./wait.js";

/** The manifest the lab applies, relative to the repo root. */
export const isthmusCniManifest = "deploy/cni/isthmus-node.yaml";
/** The conflist isthmus-node writes into each node's /etc/cni/net.d (its contract, cni/README.md). */
export const isthmusConflistName = "10-isthmus.conflist";
/** Namespace and DaemonSet name of the agent (from the manifest). */
export const isthmusNodeDaemonSet = { namespace: "isthmus-system", name: "isthmus-node" } as const;

const conflistTimeoutMs = 90_000;

/** What {@link installIsthmusCni} needs besides the plan. */
export interface IsthmusCniContext {
  readonly binaries: Pick<LabBinaries, "kubectl">;
  readonly repoRoot: string;
}

/** Runs kubectl against a lab cluster with its admin kubeconfig; returns stdout, throws on failure. */
async function adminKubectl(plan: LabPlan, cluster: ClusterPlan, input: { readonly kubectl: string; readonly args: readonly string[] }): Promise<string> {
  const kubeconfig = clusterPaths(plan, cluster).adminKubeconfig;
  const { stdout } = await runCommand([input.kubectl, "--kubeconfig", kubeconfig, ...input.args], { timeoutMs: 60_000 });
  return stdout;
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/**
 * Applies the isthmus-node manifest to the cluster (idempotent: `kubectl apply`) and waits until
 * the agent has written its conflist on every node; a timeout names the nodes still missing and
 * shows the agent pods.
 */
export async function installIsthmusCni(plan: LabPlan, cluster: ClusterPlan, context: IsthmusCniContext): Promise<void> {
  const kubectl = context.binaries.kubectl;
  await adminKubectl(plan, cluster, { kubectl, args: ["apply", "-f", join(context.repoRoot, isthmusCniManifest)] });
  const missing = async (): Promise<string[]> => {
    const names: string[] = [];
    for (const node of cluster.nodes) {
      if (!(await exists(join(nodePaths(plan, node).cniConfDir, isthmusConflistName)))) names.push(node.name);
    }
    return names;
  };
  await waitFor(`${cluster.id} isthmus-node to write ${isthmusConflistName} on every node`, async () => ((await missing()).length === 0 ? true : undefined), {
    timeoutMs: conflistTimeoutMs,
    intervalMs: 250,
    explain: async () => {
      const pods = await adminKubectl(plan, cluster, {
        kubectl,
        args: ["-n", isthmusNodeDaemonSet.namespace, "get", "pods", "-o", "wide", "-l", `app.kubernetes.io/name=${isthmusNodeDaemonSet.name}`],
      }).catch((err: unknown) => `(cannot list the agent pods: ${String(err)})`);
      return `still missing on ${(await missing()).join(", ")}; agent pods:\n${pods}`;
    },
  });
}
