/**
 * `isthmus show egress`: the EgressGateways of a member cluster (issue #17, ADR 0407) as their
 * status says — the active node, the egress IP, the pods steered, the Ready reason and any
 * conflict — read from the cluster's API (no broker involved).
 */
import type { CustomObjectsApi } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core/constants";

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
}

/** An EgressGateway as listed (only the fields shown). */
export interface EgressGatewayItem {
  readonly metadata?: { readonly name?: string };
  readonly spec?: { readonly destinations?: readonly string[]; readonly egressIP?: string };
  readonly status?: { readonly activeNode?: string; readonly egressIP?: string; readonly activeNodes?: readonly { readonly name: string; readonly egressIP: string; readonly selectedPods: number }[]; readonly selectedPods?: number; readonly conditions?: readonly Condition[] };
}

/** One row of `show egress`. */
export interface EgressRow {
  readonly name: string;
  readonly ready: string;
  readonly activeNode?: string;
  readonly egressIp?: string;
  readonly pods?: number;
  readonly destinations: readonly string[];
  readonly conflict?: string;
  readonly message?: string;
}

/** The rows for `items`, sorted by name; a resource no agent has written yet shows "Pending". */
export function egressRows(items: readonly EgressGatewayItem[]): EgressRow[] {
  return items.map((item): EgressRow => {
    const conditions = item.status?.conditions ?? [];
    const ready = conditions.find((c) => c.type === "Ready");
    const conflict = conditions.find((c) => c.type === "Conflict" && c.status === "True");
    const message = ready?.status === "True" ? conflict?.message : ready?.message;
    return {
      name: item.metadata?.name ?? "",
      ready: ready === undefined ? "Pending" : `${ready.status === "True" ? "True" : "False"}/${ready.reason ?? ""}`,
      // distribution hash: every serving node and its address, in the same order.
      ...(item.status?.activeNodes === undefined ? {} : { activeNode: item.status.activeNodes.map((n) => n.name).join(","), egressIp: item.status.activeNodes.map((n) => n.egressIP).join(",") }),
      ...(item.status?.activeNode === undefined ? {} : { activeNode: item.status.activeNode }),
      ...(item.status?.egressIP === undefined ? {} : { egressIp: item.status.egressIP }),
      ...(item.status?.selectedPods === undefined ? {} : { pods: item.status.selectedPods }),
      destinations: item.spec?.destinations ?? ["0.0.0.0/0"],
      ...(conflict?.reason === undefined ? {} : { conflict: conflict.reason }),
      ...(message === undefined ? {} : { message }),
    };
  }).sort((a, b) => a.name.localeCompare(b.name));
}

/** Lists the cluster's EgressGateways. */
export async function listEgressGateways(custom: CustomObjectsApi): Promise<EgressGatewayItem[]> {
  const list = (await custom.listClusterCustomObject({ group: defaults.apiGroup, version: defaults.apiVersion, plural: "egressgateways" })) as { items?: EgressGatewayItem[] };
  return list.items ?? [];
}
