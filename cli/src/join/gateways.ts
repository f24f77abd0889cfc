/** Reading the `Gateway` resources (isthmus.io/v1alpha1, cluster-scoped) the gateway agents write. */
import { defaults } from "@isthmus/core/constants";
import type { ClusterTarget } from "../kube/cluster.js";

/** One connection of a gateway to a remote cluster, as its Gateway status says. */
export interface GatewayConnectionRow {
  readonly cluster: string;
  readonly gateway: string;
  readonly status: string;
  readonly remoteIp: string;
  readonly driver: string;
  readonly rttMs?: number;
  readonly reason?: string;
}

/** One gateway node's status. */
export interface GatewayRow {
  readonly node: string;
  readonly clusterId: string;
  readonly role: string;
  readonly publicIp: string;
  readonly driver: string;
  readonly connections: readonly GatewayConnectionRow[];
}

type Json = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** Lists the Gateway objects; an empty list when the CRD is not installed. */
export async function listGateways(target: ClusterTarget): Promise<GatewayRow[]> {
  let list: { items?: Json[] };
  try {
    list = (await target.custom.listClusterCustomObject({ group: defaults.apiGroup, version: defaults.apiVersion, plural: "gateways" })) as { items?: Json[] };
  } catch {
    // No CRD (not joined yet): no gateways to show.
    return [];
  }
  return (list.items ?? []).map((item) => {
    const status = (item.status ?? {}) as Json;
    const endpoint = (status.endpoint ?? {}) as Json;
    const connections = Array.isArray(status.connections) ? (status.connections as Json[]) : [];
    return {
      node: str((item.metadata as Json | undefined)?.name),
      clusterId: str(status.clusterId),
      role: str(status.role),
      publicIp: str(endpoint.publicIp),
      driver: str(endpoint.cableDriver),
      connections: connections.map((c) => {
        const rtt = (c.rtt ?? {}) as Json;
        return {
          cluster: str(c.cluster),
          gateway: str(c.gateway),
          status: str(c.status),
          remoteIp: str(c.remoteIp),
          driver: str(c.driver),
          ...(typeof rtt.avgMs === "number" ? { rttMs: rtt.avgMs } : {}),
          ...(typeof c.reason === "string" ? { reason: c.reason } : {}),
        };
      }),
    };
  });
}

/** The active gateway, if one is elected. */
export function activeGateway(rows: readonly GatewayRow[]): GatewayRow | undefined {
  return rows.find((r) => r.role === "active");
}
