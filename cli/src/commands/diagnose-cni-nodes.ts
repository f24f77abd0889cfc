/**
 * How `isthmus diagnose`'s CNI checks read the nodes, on any cluster: each node's route agent
 * (DaemonSet isthmus-route-agent, host network) answers `GET /cni-state` on its metrics port with
 * its node's state (core model `CniNodeAnswer`, ADR 0408), read here through the API server's pod
 * proxy (`/api/v1/namespaces/isthmus-system/pods/<pod>:<port>/proxy/cni-state`), so the CLI
 * needs only the API. A node without a running route agent, or whose answer fails, is named
 * (`unanswered`) and the checks judge the nodes that answered.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core/constants";
import { errorMessage } from "@isthmus/core/errors";
import { type CniNodeAnswer, parseCniNodeAnswer } from "@isthmus/core/model";
import type { ClusterTarget } from "../kube/cluster.js";
import type { CheckResult } from "./diagnose-checks.js";

type Verdict = Omit<CheckResult, "check">;

/** The route agents' pod label. */
export const routeAgentSelector = "app.kubernetes.io/name=isthmus-route-agent";

/** The route agent's metrics port when its pod names none (gateway's `routeAgentMetricsPort`; the CLI loads no gateway code). */
const defaultMetricsPort = 9472;

/** A node the checks could not read, and why (one line). */
export interface UnansweredNode {
  readonly node: string;
  readonly reason: string;
}

/** The nodes' answers, and the nodes without one. */
export interface CniNodeReads {
  readonly answered: readonly CniNodeAnswer[];
  readonly unanswered: readonly UnansweredNode[];
}

/** Where to ask each node: the proxy path of its running route agent pod, or why there is none (pure). */
export function routeAgentTargets(nodes: readonly string[], pods: readonly V1Pod[]): ({ node: string; path: string } | UnansweredNode)[] {
  return nodes.map((node) => {
    const pod = pods.find((p) => p.spec?.nodeName === node && p.status?.phase === "Running" && p.metadata?.deletionTimestamp === undefined);
    if (pod?.metadata?.name === undefined) return { node, reason: "no running route agent pod" };
    const port = pod.spec?.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === "metrics")?.containerPort ?? defaultMetricsPort;
    return { node, path: `/api/v1/namespaces/${defaults.namespace}/pods/${pod.metadata.name}:${String(port)}/proxy/cni-state` };
  });
}

const firstLine = (text: string): string => text.trim().split("\n")[0]?.slice(0, 200) ?? "";

/** One node's answer from the proxy's status and body, or why it is not one (pure). */
export function readAnswer(node: string, status: number, body: unknown): CniNodeAnswer | UnansweredNode {
  if (status !== 200) {
    const message = typeof body === "string" ? body : (body as { message?: unknown } | null)?.message;
    return { node, reason: `HTTP ${String(status)}${typeof message === "string" && message.trim() !== "" ? `: ${firstLine(message)}` : ""}` };
  }
  try {
    const answer = parseCniNodeAnswer(body);
    return answer.node === node ? answer : { node, reason: `the answer is for node ${answer.node}` };
  } catch (err) {
    return { node, reason: firstLine(errorMessage(err)) };
  }
}

/** A verdict on the nodes that answered, with the nodes that did not named: at least a warn (pure). */
export function withUnanswered(reads: CniNodeReads, judge: (nodes: readonly CniNodeAnswer[]) => Verdict): Verdict {
  const silent = reads.unanswered.map((u) => `${u.node} (${u.reason})`).join(", ");
  const remedy = `check the route agent on ${reads.unanswered.map((u) => u.node).join(", ")} (kubectl -n ${defaults.namespace} get pods -l ${routeAgentSelector} -o wide, and its log): it answers /cni-state on its metrics port`;
  if (reads.answered.length === 0) return { result: "warn", detail: reads.unanswered.length === 0 ? "the cluster has no Nodes" : `no route agent answered: ${silent}`, remedy: reads.unanswered.length === 0 ? "" : remedy };
  const verdict = judge(reads.answered);
  if (reads.unanswered.length === 0) return verdict;
  const detail = `${verdict.detail}; no answer from ${silent}`;
  return verdict.result === "fail" ? { ...verdict, detail } : { result: "warn", detail, remedy };
}

async function readNodes(target: ClusterTarget): Promise<CniNodeReads> {
  const [nodes, pods] = await Promise.all([target.kube.core.listNode(), target.kube.core.listNamespacedPod({ namespace: defaults.namespace, labelSelector: routeAgentSelector })]);
  const reads = await Promise.all(routeAgentTargets(nodes.items.map((n) => n.metadata?.name ?? ""), pods.items).map(async (t): Promise<CniNodeAnswer | UnansweredNode> => {
    if (!("path" in t)) return t;
    try {
      const { status, body } = await target.raw.send("GET", t.path);
      return readAnswer(t.node, status, body);
    } catch (err) {
      return { node: t.node, reason: firstLine(errorMessage(err)) };
    }
  }));
  return {
    answered: reads.filter((r): r is CniNodeAnswer => "links" in r),
    unanswered: reads.filter((r): r is UnansweredNode => "reason" in r),
  };
}

// The three CNI checks read the nodes once per diagnose run.
const reads = new WeakMap<ClusterTarget, Promise<CniNodeReads>>();

/** Every node's CNI state through its route agent, read once per target. */
export function readCniNodes(target: ClusterTarget): Promise<CniNodeReads> {
  let read = reads.get(target);
  if (read === undefined) {
    read = readNodes(target);
    reads.set(target, read);
  }
  return read;
}
