/**
 * What the CLI knows about a cluster of the local lab (`isthmus lab`), found by its admin
 * kubeconfig: the node a broker pod runs on, its WAN address (what other clusters reach), the
 * network namespace to relay admin calls from, and the broker's data dir on that node. A real
 * cluster has none of this; the commands then need the equivalent flags.
 */
import { dirname, join, resolve } from "node:path";
import { labExecArgv, nodePaths, requireLab, type ClusterPlan, type LabPlan, type NodePlan } from "@isthmus/lab";

/** A cluster of the running lab. */
export interface LabCluster {
  readonly plan: LabPlan;
  readonly cluster: ClusterPlan;
}

/** The admin kubeconfig of a lab cluster (`isthmus lab kubeconfig <id>`). */
export function labKubeconfigPath(plan: LabPlan, clusterId: string): string {
  return join(plan.stateDir, clusterId, "admin.kubeconfig");
}

/** The lab cluster whose admin kubeconfig is `kubeconfigPath`, or undefined (not a lab cluster, no lab). */
export async function findLabCluster(kubeconfigPath: string | undefined, env: Readonly<Record<string, string | undefined>>): Promise<LabCluster | undefined> {
  if (kubeconfigPath === undefined) return undefined;
  let lab: { plan: LabPlan };
  // A lab kubeconfig is <stateDir>/<cluster>/admin.kubeconfig: that names the lab's state dir.
  const stateDir = env.ISTHMUS_LAB_STATE_DIR ?? dirname(dirname(resolve(kubeconfigPath)));
  try {
    lab = await requireLab({ stateDir });
  } catch {
    // No lab on this machine: the kubeconfig names a real cluster, which is fine.
    return undefined;
  }
  const cluster = lab.plan.clusters.find((c) => resolve(labKubeconfigPath(lab.plan, c.id)) === resolve(kubeconfigPath));
  return cluster === undefined ? undefined : { plan: lab.plan, cluster };
}

/** The node of a lab cluster called `name`. */
export function labNode(lab: LabCluster, name: string): NodePlan | undefined {
  return lab.cluster.nodes.find((n) => n.name === name);
}

/** The address other clusters reach a node at: its WAN (or NAT) address, else its LAN address. */
export function labPublicAddress(lab: LabCluster, node: NodePlan): string {
  if (node.wan === undefined) return node.lanAddress;
  return lab.cluster.nat?.wanAddress ?? node.wan.address;
}

/** The argv prefix that runs a command in a lab node's namespaces. */
export function labNodeArgv(lab: LabCluster, node: NodePlan): Promise<string[]> {
  return labExecArgv(`${lab.cluster.id}/${node.name}`, { stateDir: lab.plan.stateDir });
}

/** The lab's own directory of `node`: a lab node's data kept on its "host" (the broker's host-path data) lives under it. */
export function labNodeDir(lab: LabCluster, node: NodePlan): string {
  return nodePaths(lab.plan, node).dir;
}
