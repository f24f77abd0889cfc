import type { Command } from "../command.js";

/** One verb as `isthmus --help` lists it, and how to load it. */
export interface CommandEntry {
  /** The word that selects the command. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Imports the command's module (and only then what it needs) and creates the command. */
  load(): Promise<Command>;
}

/**
 * Every command of the CLI, in the order `isthmus --help` lists them (an explicit registry).
 * Modules load when their command runs, so `--help`, `version` and a mistyped name import
 * nothing heavy (issue #23; docs/adr/0704-fast-start.md).
 */
export const commandTable: readonly CommandEntry[] = [
  { name: "demo", summary: "Run the whole thing on this machine: lab, broker, two joined clusters, a cross-cluster call", load: async () => (await import("./demo.js")).createDemoCommand() },
  { name: "broker", summary: "Run the broker on this machine (broker run) or remove a member cluster from it (broker remove-cluster)", load: async () => (await import("./broker.js")).createBrokerCommand() },
  { name: "deploy-broker", summary: "Install the broker into a cluster and write broker-info.json (address, CA, join token)", load: async () => (await import("./deploy-broker.js")).createDeployBrokerCommand() },
  { name: "join", summary: "Join a cluster to the clusterset (checks first, then installs the agents)", load: async () => (await import("./join.js")).createJoinCommand() },
  { name: "uninstall", summary: "Remove everything join installed from a cluster (agents, node state, CoreDNS block)", load: async () => (await import("./uninstall.js")).createUninstallCommand() },
  { name: "show", summary: "Show clusters, endpoints, connections, exports, networks or versions", load: async () => (await import("./show.js")).createShowCommand() },
  { name: "diagnose", summary: "Check a joined cluster (CIDRs, kube-proxy, MTU, ports, broker, clock, gateway) with remedies, or which NetworkPolicy allows or drops a flow (diagnose policy)", load: async () => (await import("./diagnose.js")).createDiagnoseCommand() },
  { name: "verify", summary: "Check connectivity and DNS between joined clusters with temporary pods", load: async () => (await import("./verify.js")).createVerifyCommand() },
  { name: "benchmark", summary: "Measure throughput (iperf3) or latency (ping) pod to pod across clusters", load: async () => (await import("./benchmark.js")).createBenchmarkCommand() },
  { name: "export", summary: "Export a Service to the clusterset (ServiceExport)", load: async () => (await import("./export.js")).createExportCommand() },
  { name: "unexport", summary: "Withdraw a Service from the clusterset", load: async () => (await import("./export.js")).createUnexportCommand() },
  { name: "token", summary: "Create, list and revoke join and dashboard tokens of the broker", load: async () => (await import("./token.js")).createTokenCommand() },
  { name: "manifests", summary: "Print the Kubernetes objects isthmus installs (from deploy/)", load: async () => (await import("./manifests.js")).createManifestsCommand() },
  { name: "lab", summary: "Run real Kubernetes clusters on this machine (up, down, status, logs, kubeconfig, exec)", load: async () => (await import("./lab.js")).createLabCommand() },
  { name: "version", summary: "Print the version of the CLI", load: async () => (await import("./version.js")).createVersionCommand() },
];
