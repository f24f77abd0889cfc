/**
 * `@isthmus/lab`: real Kubernetes clusters on one machine (network namespaces for nodes, a real
 * control plane per cluster, kube-proxy and the lab kubelet on every node). This entry is what
 * `isthmus lab` and the test suites drive: bring a lab up, find it, look at it, run commands in
 * it, take it down. Re-exports only; see README.md.
 *
 * Other entries: `@isthmus/lab/exec` (`labExecArgv` alone, for `isthmus lab exec`),
 * `@isthmus/lab/binaries` (the pinned third-party binaries and their cache),
 * `@isthmus/lab/testing` (helpers for test suites that run on a lab).
 */
export { LabError, type LabErrorCode } from "./lab/errors.js";
export {
  builtinLabStateDir,
  defaultLabPrefix,
  defaultLabStateDir,
  defaultLocalPortBase,
  findCluster,
  findNode,
  labLimits,
  planLab,
  planNamespaces,
  planOutside,
  podNetworkModes,
  type ClusterPlan,
  type LabOptions,
  type LabPlan,
  type NatPlan,
  type NodePlan,
  type OutsidePlan,
  type PodNetworkMode,
  type WanPlan,
} from "./lab/plan.js";
export { parseTopologyFlags, type LabTopology, type LabTopologyFlags } from "./lab/flags.js";
export { readRecord, requireLab, resolveOptions, type LabLocation, type LabRecord } from "./lab/state.js";
export { labUp, repoRoot, type LabUpContext, type LabUpResult } from "./lab/up.js";
export {
  labDown,
  labExec,
  labExecArgv,
  labKubeconfig,
  labStatus,
  type ClusterStatus,
  type ComponentStatus,
  type LabStatus,
  type NodeStatus,
  type PodStatus,
} from "./lab/verbs.js";
export { labLogFile, labLogs, type LabLogsOptions } from "./lab/logs.js";
export { clusterPaths, nodePaths, type ClusterPaths, type NodePaths } from "./lab/paths.js";
export { findLeftovers, type Leftovers, type TeardownReport } from "./lab/teardown.js";
export { workloadEntry, workloadKinds } from "./kubelet/images.js";
