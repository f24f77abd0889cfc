/**
 * The `egress gateways` check of `isthmus diagnose` (issue #17, ADR 0407): every EgressGateway's
 * Ready condition (a reason and its remedy when it cannot serve), and on a lab cluster (where the
 * CLI can enter nodes) what the kernel holds: the active node has the egress address and its
 * SNAT rule, every node with selected pods has the steering rule and route. What each node
 * should hold is computed by isthmus-node's own planner (`@isthmus/cni/egress`) from the API.
 */
import { httpStatusOf } from "@isthmus/core/kube";
import { runCommand } from "@isthmus/core/runtime";
import { egressTable, type EgressGatewayObject, type GatewayProgram, markOf, planEgress, programObject, rulePriorities, tableBase, toEgressGatewayData, toEgressNodeData } from "@isthmus/cni/egress";
import { toNamespaceData, toPodData } from "@isthmus/cni/policy";
import type { ClusterTarget } from "../kube/cluster.js";
import { labNodeArgv } from "../lab-bridge.js";
import type { CheckResult } from "./diagnose-checks.js";
import { listEgressGateways } from "./show-egress.js";

const remedies: Readonly<Record<string, string>> = {
  InvalidSpec: "fix the spec as the message says (kubectl edit egressgateway NAME)",
  NoEligibleNode: "label a Ready node so that spec.nodeSelector matches it",
  EgressIPNotOnAnyNode: "give spec.egressIP as A.B.C.D/len on the subnet of a selected node's InternalIP, or select a node on that subnet",
  NoReachableNode: "the candidates do not answer isthmus-node's probes: allow UDP 4801 between the nodes and check isthmus-node on them",
};

/** What one node's kernel holds of the egress gateway (read with `ip` and `nft`). */
export interface EgressKernelState {
  readonly addresses: readonly string[];
  /** `nft list table ip isthmus-egress` as text ("" when there is no table). */
  readonly table: string;
  /** Marks of the rules of priority 1041 and the tables they look up. */
  readonly rules: readonly { readonly mark: number; readonly table: number }[];
  /** Routing tables (7101..7355) that hold a default route. */
  readonly routedTables: readonly number[];
}

/** What is missing on a node for its programs (empty when nothing is). */
export function missingOnNode(programs: readonly GatewayProgram[], state: EgressKernelState): string[] {
  const out: string[] = [];
  for (const p of programs) {
    if (p.serving) {
      if (p.extraPrefix !== undefined && !state.addresses.includes(p.egressIp)) out.push(`${p.name}: egress address ${p.egressIp} not on the node`);
      if (!state.table.includes(`snat ip to ${p.egressIp}`) && !state.table.includes(`snat to ${p.egressIp}`)) out.push(`${p.name}: no SNAT to ${p.egressIp}`);
    }
    if (p.steer.length > 0) {
      const table = tableBase + p.index;
      if (!state.rules.some((r) => r.mark === markOf(p.index) && r.table === table)) out.push(`${p.name}: no ip rule ${String(rulePriorities.steer)} for mark ${String(markOf(p.index))}`);
      if (!state.routedTables.includes(table)) out.push(`${p.name}: no route in table ${String(table)}`);
      if (!state.table.includes(`s_${programObject(p)}`)) out.push(`${p.name}: no steering set in table ip ${egressTable}`);
    }
  }
  return out;
}

async function readKernel(argv: readonly string[]): Promise<EgressKernelState> {
  const run = async (cmd: readonly string[]): Promise<string> => (await runCommand([...argv, ...cmd], { allowExitCodes: [1, 2], timeoutMs: 30_000 })).stdout;
  const links = JSON.parse((await run(["ip", "-j", "-4", "addr", "show"])) || "[]") as { addr_info?: { local?: string }[] }[];
  const rules = JSON.parse((await run(["ip", "-j", "-4", "rule", "show"])) || "[]") as { priority?: number; fwmark?: string; table?: string }[];
  const routes = JSON.parse((await run(["ip", "-j", "-4", "route", "show", "table", "all", "default"])) || "[]") as { table?: string }[];
  return {
    addresses: links.flatMap((l) => (l.addr_info ?? []).map((a) => a.local ?? "")),
    table: await run(["nft", "list", "table", "ip", egressTable]),
    rules: rules.filter((r) => r.priority === rulePriorities.steer).map((r) => ({ mark: Number(r.fwmark ?? "NaN"), table: Number(r.table) })),
    routedTables: routes.map((r) => Number(r.table)).filter((t) => t > tableBase && t <= tableBase + 255),
  };
}

/** The check; never throws for a cluster without the CRD. */
export async function checkEgress(target: ClusterTarget): Promise<Omit<CheckResult, "check">> {
  let items: EgressGatewayObject[];
  try {
    items = (await listEgressGateways(target.custom)) as EgressGatewayObject[];
  } catch (err) {
    if (httpStatusOf(err) === 404) return { result: "ok", detail: "no EgressGateway CRD (isthmus-node not installed from deploy/cni)", remedy: "" };
    throw err;
  }
  if (items.length === 0) return { result: "ok", detail: "no EgressGateways", remedy: "" };
  const bad: string[] = [];
  const fixes = new Set<string>();
  for (const item of items) {
    const ready = item.status?.conditions?.find((c) => c.type === "Ready");
    if (ready === undefined) {
      bad.push(`${item.metadata?.name ?? ""}: no status yet`);
      fixes.add("check that isthmus-node runs on every node (kubectl -n isthmus-system get ds isthmus-node)");
    } else if (ready.status !== "True") {
      bad.push(`${item.metadata?.name ?? ""}: ${ready.reason} (${ready.message})`);
      fixes.add(remedies[ready.reason] ?? "see the message");
    }
  }
  if (bad.length > 0) return { result: "fail", detail: bad.join("; "), remedy: [...fixes].join("; ") };
  const summary = items.map((i) => `${i.metadata?.name ?? ""} on ${i.status?.activeNodes?.map((n) => `${n.name} as ${n.egressIP}`).join(" and ") ?? `${i.status?.activeNode ?? "?"} as ${i.status?.egressIP ?? "?"}`}`).join(", ");
  if (target.lab === undefined) return { result: "warn", detail: `${String(items.length)} ready (${summary}); the data path needs node access (lab only)`, remedy: "on the active node: ip -4 addr (the egress IP), nft list table ip isthmus-egress (the SNAT); on pod nodes: ip rule (1040/1041)" };
  const [nodes, pods, namespaces] = await Promise.all([target.kube.core.listNode(), target.kube.core.listPodForAllNamespaces(), target.kube.core.listNamespace()]);
  const input = {
    gateways: items.map(toEgressGatewayData),
    nodes: nodes.items.map(toEgressNodeData),
    pods: pods.items.map(toPodData).filter((p) => p !== undefined),
    namespaces: namespaces.items.map(toNamespaceData),
  };
  const missing: string[] = [];
  const moved = new Set<string>();
  // `hash` resources list every serving node in status.activeNodes.
  const activeOf = new Map(items.map((i) => [i.metadata?.name ?? "", i.status?.activeNodes?.map((n) => n.name).join(",") ?? i.status?.activeNode] as const));
  for (const node of target.lab.cluster.nodes) {
    // The planner here has no probes: a resource whose status names another active node has
    // failed over (its planned node does not answer the agents' probes) and is not checked.
    const programs = planEgress({ ...input, nodeName: node.name }).programs.filter((p) => {
      if ((activeOf.get(p.name) ?? "").split(",").includes(p.active.name)) return true;
      moved.add(`${p.name} (status: ${activeOf.get(p.name) ?? "?"}, planned: ${p.active.name})`);
      return false;
    });
    if (programs.length === 0) continue;
    const state = await readKernel(await labNodeArgv(target.lab, node));
    missing.push(...missingOnNode(programs, state).map((m) => `${node.name}: ${m}`));
  }
  if (moved.size > 0 && missing.length === 0) return { result: "warn", detail: `failed over, not checked: ${[...moved].join(", ")}`, remedy: "the planned node does not answer isthmus-node's probes (UDP 4801): check it and isthmus-node there" };
  if (missing.length > 0) return { result: "fail", detail: missing.join("; "), remedy: "check isthmus-node's log on those nodes (component egress); a node whose probes see the planned node dead serves elsewhere (status.activeNode)" };
  return { result: "ok", detail: `${String(items.length)} ready (${summary}); every node holds its address, SNAT and steering`, remedy: "" };
}
