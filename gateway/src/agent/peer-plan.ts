// Design notes — which remote gateway each cluster is reached through (ADR 0501).
// Every gateway candidate of a cluster is published to the broker (the active one with role
// "active", the others "passive"), so every remote gateway already knows each cluster's
// standbys: their addresses and WireGuard keys. For each remote cluster we pick the active
// endpoint unless our own probes have marked it failed, then the first standby that is not
// marked (when all are, the one that failed longest ago). A mark expires after a hold time, and all marks of a cluster are dropped when the
// broker reports a different set of endpoints for it (the new active has published). So when
// an active gateway dies, its peers switch to the standby after their probes fail (~0.5 s),
// without waiting for the Lease to expire or for the broker.
import type { Cluster, GatewayEndpoint } from "@isthmus/core/model";
import type { CablePeer } from "../cable/driver.js";
import { chooseDialAddress, type LocalEndpoint } from "./dial-address.js";

/** Remote gateways marked failed by our probes, per cluster: hostname → when it was marked (ms). */
export type FailedMarks = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** Inputs of {@link planPeers}. */
export interface PeerPlanInput {
  /** Our cluster id (its records are skipped). */
  readonly localClusterId: string;
  /** The cable driver we run; endpoints of another driver are skipped. */
  readonly driver: string;
  /** Remote clusters as the broker knows them (their CIDRs). */
  readonly clusters: readonly Cluster[];
  /** Every gateway endpoint the broker knows. */
  readonly endpoints: readonly GatewayEndpoint[];
  /** Probe failures (see {@link FailedMarks}). */
  readonly failed: FailedMarks;
  /** Current time (ms, same clock as the marks). */
  readonly nowMs: number;
  /** How long a mark holds. */
  readonly holdMs: number;
  /** False on a passive gateway: peers are programmed without routing their CIDRs. */
  readonly routed: boolean;
  /** Our own endpoint's public address and NAT flag: which remote address to dial (ADR 0502). */
  readonly local: LocalEndpoint;
}

/** One planned peer: what the cable gets and which remote gateway it is. */
export interface PlannedPeer {
  readonly peer: CablePeer;
  readonly endpoint: GatewayEndpoint;
  /** What we route to the remote cluster: its global block, or its CIDRs (pod, then service). */
  readonly subnets: readonly string[];
}

/** The endpoints of one cluster in preference order: the active one, then standbys by hostname. */
export function rankEndpoints(endpoints: readonly GatewayEndpoint[]): GatewayEndpoint[] {
  return [...endpoints].sort((a, b) => (a.role === b.role ? a.hostname.localeCompare(b.hostname) : a.role === "active" ? -1 : 1));
}

/** True when `hostname` of `clusterId` carries a mark younger than `holdMs`. */
export function isMarkedFailed(failed: FailedMarks, clusterId: string, hostname: string, options: { nowMs: number; holdMs: number }): boolean {
  const at = failed.get(clusterId)?.get(hostname);
  return at !== undefined && options.nowMs - at < options.holdMs;
}

/**
 * Picks the endpoint of a cluster to dial: the best ranked one without a live mark; when every
 * one is marked, the one that failed longest ago (the most recent failure is the worst bet).
 */
export function chooseEndpoint(clusterId: string, endpoints: readonly GatewayEndpoint[], input: Pick<PeerPlanInput, "failed" | "nowMs" | "holdMs">): GatewayEndpoint | undefined {
  const ranked = rankEndpoints(endpoints);
  const unmarked = ranked.find((e) => !isMarkedFailed(input.failed, clusterId, e.hostname, input));
  if (unmarked !== undefined) return unmarked;
  const markedAt = (e: GatewayEndpoint): number => input.failed.get(clusterId)?.get(e.hostname) ?? Number.NEGATIVE_INFINITY;
  return ranked.reduce<GatewayEndpoint | undefined>((best, e) => (best === undefined || markedAt(e) < markedAt(best) ? e : best), undefined);
}

/**
 * What a remote cluster is reached by: its global block when it holds one (its real CIDRs may be
 * another cluster's too, docs/adr/0206), else its pod and service CIDRs.
 */
export function remoteSubnetsOf(cluster: Cluster): string[] {
  return cluster.globalCidr === undefined ? [...cluster.podCidrs, ...cluster.serviceCidrs] : [cluster.globalCidr];
}

/** The desired cable peers: one per remote cluster that has CIDRs and an endpoint of our driver. */
export function planPeers(input: PeerPlanInput): PlannedPeer[] {
  const planned: PlannedPeer[] = [];
  for (const cluster of [...input.clusters].sort((a, b) => a.id.localeCompare(b.id))) {
    if (cluster.id === input.localClusterId) continue;
    const candidates = input.endpoints.filter((e) => e.clusterId === cluster.id && e.cableDriver === input.driver);
    const endpoint = chooseEndpoint(cluster.id, candidates, input);
    if (endpoint === undefined) continue;
    const subnets = remoteSubnetsOf(cluster);
    const dial = chooseDialAddress(input.local, endpoint);
    planned.push({
      endpoint,
      subnets,
      peer: {
        clusterId: cluster.id,
        remoteIp: dial.address,
        port: endpoint.port,
        cidrs: subnets,
        tunnelIp: endpoint.healthCheckIp,
        ...(endpoint.wireguardPublicKey === undefined ? {} : { publicKey: endpoint.wireguardPublicKey }),
        behindNat: dial.natOnPath,
        routed: input.routed,
      },
    });
  }
  return planned;
}

/**
 * A fingerprint of one cluster's endpoint set; when it changes, that cluster's marks are dropped.
 * It includes the tunnel addresses: a cluster that gets a global block moves its gateways' tunnel
 * addresses into it, and probes of the old ones failing meanwhile must not outlive the move.
 */
export function endpointSetFingerprint(endpoints: readonly GatewayEndpoint[]): string {
  return JSON.stringify(rankEndpoints(endpoints).map((e) => [e.hostname, e.role, e.publicIp, e.port, e.wireguardPublicKey ?? "", e.healthCheckIp]));
}
