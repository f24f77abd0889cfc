/**
 * Where the lab keeps its files. Everything lives under the plan's state directory, so
 * `lab down` removes all of it by removing one tree (after unmounting what is mounted there).
 */
import { join } from "node:path";
import type { ClusterPlan, LabPlan, NodePlan } from "./plan.js";

/** Paths of one cluster's control plane. */
export interface ClusterPaths {
  readonly dir: string;
  readonly pkiDir: string;
  readonly etcdDataDir: string;
  readonly logDir: string;
  readonly adminKubeconfig: string;
  /** Unix socket bridging the host-side apiserver forwarder into the control-plane namespace. */
  readonly apiserverSocket: string;
  readonly corefile: string;
}

/** Paths of one node. */
export interface NodePaths {
  readonly dir: string;
  /** The persistent mount namespace (a bind mount of the namespace file). */
  readonly mountNsFile: string;
  /** Bind-mounted at /etc/cni/net.d, /opt/cni/bin and /var/lib/cni inside the node. */
  readonly cniConfDir: string;
  readonly cniBinDir: string;
  readonly cniLibDir: string;
  /** Bind-mounted at /var/lib/isthmus inside the node (the gateway's key, a hostPath volume). */
  readonly isthmusLibDir: string;
  /** The lab kubelet's state directory (pods, logs, tokens). */
  readonly kubeletDir: string;
  readonly kubeletConfig: string;
  readonly kubeletKubeconfig: string;
  readonly kubeProxyKubeconfig: string;
  readonly logDir: string;
}

/** Where node mount namespaces are bound; a private bind mount of its own. */
export function mountNsDir(plan: Pick<LabPlan, "stateDir">): string {
  return join(plan.stateDir, "mnt");
}

/** The lab's record of what it made (see state.ts). */
export function stateFile(plan: Pick<LabPlan, "stateDir">): string {
  return join(plan.stateDir, "lab.json");
}

/** Pid files of every process the lab started. */
export function pidDir(plan: Pick<LabPlan, "stateDir">): string {
  return join(plan.stateDir, "pids");
}

/** The supervisor's record of the components it runs (supervision.ts). */
export function supervisionFile(plan: Pick<LabPlan, "stateDir">): string {
  return join(plan.stateDir, "supervision.json");
}

/** The supervisor's control socket (HTTP: start a process, read the record). */
export function supervisorSocket(plan: Pick<LabPlan, "stateDir">): string {
  return join(plan.stateDir, "supervisor.sock");
}

/** Paths of a cluster. */
export function clusterPaths(plan: LabPlan, cluster: ClusterPlan): ClusterPaths {
  const dir = join(plan.stateDir, cluster.id);
  return {
    dir,
    pkiDir: join(dir, "pki"),
    etcdDataDir: join(dir, "etcd"),
    logDir: join(dir, "logs"),
    adminKubeconfig: join(dir, "admin.kubeconfig"),
    apiserverSocket: join(dir, "apiserver.sock"),
    corefile: join(dir, "Corefile"),
  };
}

/** Paths of a node. */
export function nodePaths(plan: LabPlan, node: NodePlan): NodePaths {
  const dir = join(plan.stateDir, node.clusterId, "nodes", node.name);
  return {
    dir,
    mountNsFile: join(mountNsDir(plan), node.name),
    cniConfDir: join(dir, "cni-conf"),
    cniBinDir: join(dir, "cni-bin"),
    cniLibDir: join(dir, "cni-lib"),
    isthmusLibDir: join(dir, "isthmus-lib"),
    kubeletDir: join(dir, "kubelet"),
    kubeletConfig: join(dir, "kubelet.json"),
    kubeletKubeconfig: join(dir, "kubelet.kubeconfig"),
    kubeProxyKubeconfig: join(dir, "kube-proxy.kubeconfig"),
    logDir: join(dir, "logs"),
  };
}
