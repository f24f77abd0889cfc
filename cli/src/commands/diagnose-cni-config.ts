/**
 * The `cni` row of `isthmus diagnose`: each node's CNI config as its route agent reports it on
 * the Node (`isthmus.io/cni-config`, ADR 0408), so it works on any cluster without node access,
 * and the CNI join names from it. Warns when nodes disagree (the runtime on some node uses
 * another file), when a node has no config or an unreadable one, and when a node has no report
 * (no route agent running there, or one that cannot write its Node).
 */
import { defaults } from "@isthmus/core/constants";
import { parseCniConfigReport } from "@isthmus/core/model";
import { type CniEvidence, detectCni } from "../join/cni.js";
import type { CheckResult } from "./diagnose-checks.js";
import type { CniCheckContext } from "./diagnose-cni.js";

type Verdict = Omit<CheckResult, "check">;

/** One Node as the `cni` row reads it. */
export interface CniConfigNode {
  readonly node: string;
  readonly annotations: Readonly<Record<string, string>>;
}

const key = defaults.cniConfigAnnotation;

/** The `cni` row from the Nodes and the cluster's DaemonSets (pure). */
export function judgeCniConfig(nodes: readonly CniConfigNode[], daemonSets: CniEvidence["daemonSets"]): Verdict {
  if (nodes.length === 0) return { result: "warn", detail: "the cluster has no Nodes", remedy: "" };
  const silent = nodes.filter((n) => n.annotations[key] === undefined).map((n) => n.node);
  const cni = detectCni({ daemonSets, nodeAnnotations: nodes.map((n) => n.annotations) });
  // join's grouping of the reports (most nodes first), with the nodes' names.
  const groups = cni.nodeConfigs.values.map(({ value }): [string, string[]] => [value, nodes.filter((n) => n.annotations[key] === value).map((n) => n.node)]);
  const named = `${cni.name}, ${cni.tested ? "tested" : "not tested"} with Isthmus`;
  const seen = groups.map(([value, names]) => `${value} on ${names.length === nodes.length ? `all ${String(names.length)} nodes` : names.join(", ")}`);
  const detail = [...seen, ...(silent.length === 0 ? [] : [`no report from ${silent.join(", ")}`])].join("; ");
  const broken = groups.filter(([value]) => parseCniConfigReport(value)?.kind !== "config");
  if (broken.length > 0) {
    return { result: "warn", detail: `${detail}; CNI ${named}`, remedy: `give ${broken.flatMap(([, names]) => names).join(", ")} a valid CNI config: the runtime uses the lexically first .conf, .conflist or .json in /etc/cni/net.d (containerd runs no pods with an invalid one)` };
  }
  if (groups.length > 1) {
    return { result: "warn", detail: `nodes disagree: ${detail}; CNI ${named}`, remedy: "every node should run the same CNI: the runtime uses the lexically first .conf, .conflist or .json in /etc/cni/net.d; remove stale files on the nodes that differ" };
  }
  if (silent.length > 0) {
    return { result: "warn", detail: `${detail}; CNI ${named}`, remedy: `check the route agent on ${silent.join(", ")} (kubectl -n ${defaults.namespace} get pods -l app.kubernetes.io/name=isthmus-route-agent -o wide): it writes ${key} at start and every resync` };
  }
  return { result: "ok", detail: `${detail}; CNI ${named}`, remedy: "" };
}

/** The `cni` row. */
export async function checkCniConfig({ target }: CniCheckContext): Promise<Verdict> {
  const [nodes, daemonSets] = await Promise.all([target.kube.core.listNode(), target.apps.listDaemonSetForAllNamespaces()]);
  return judgeCniConfig(
    nodes.items.map((n) => ({ node: n.metadata?.name ?? "", annotations: n.metadata?.annotations ?? {} })),
    daemonSets.items.map((d) => ({ namespace: d.metadata?.namespace ?? "", name: d.metadata?.name ?? "" })),
  );
}
