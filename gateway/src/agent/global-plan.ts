// Design notes (docs/adr/0206-global-addresses.md): what the active gateway of a cluster with a
// global block translates, computed level-based from two caches: the broker watch (the cluster's
// own block and the global IPs the broker gave its ClusterSetIP exports) and the cluster's
// EndpointSlices (the exported services' ready backends). An export's port is matched to a
// slice's port by name (MCS asks for names on multi-port services; a single unnamed port is ""),
// so the backend's target port comes from the slice, as kube-proxy takes it. A headless export's
// pods that the broker gave a global IP each are DNATed to their pod IP (the endpoint the broker
// holds), every port. Pure.
import type { V1EndpointSlice } from "@kubernetes/client-node";
import { type Cluster, globalEgressAddress, type ServiceExport } from "@isthmus/core/model";
import { isIp, overlaps, parseCidr, parseIp } from "@isthmus/core/net";
import type { GlobalNatSpec, GlobalServicePort } from "../cable/global-nat.js";

/** The label an EndpointSlice carries naming its Service. */
export const serviceNameLabel = "kubernetes.io/service-name";

/** Inputs of {@link planGlobalNat}. */
export interface GlobalNatInputs {
  /** Our cluster id. */
  readonly clusterId: string;
  /** The clusters the broker knows (ours carries the block, when it holds one). */
  readonly clusters: readonly Cluster[];
  /** The exports the broker knows (ours carry their global IPs). */
  readonly exports: readonly ServiceExport[];
  /** The cluster's EndpointSlices. */
  readonly slices: readonly V1EndpointSlice[];
  /** The cable device. */
  readonly device: string;
  /** The cluster's pod CIDRs (SNAT sources). */
  readonly podCidrs: readonly string[];
  /** The GlobalEgressIPs' SNAT rules (global-egress.ts): their pods leave as their own address. */
  readonly egress?: readonly { readonly globalIp: string; readonly sources: readonly string[] }[];
}

/** The cluster's own global block, when it holds one. */
export function ownGlobalBlock(clusterId: string, clusters: readonly Cluster[]): string | undefined {
  return clusters.find((c) => c.id === clusterId)?.globalCidr;
}

/** The translation the active gateway programs; undefined when the cluster holds no block (no table). */
export function planGlobalNat(input: GlobalNatInputs): GlobalNatSpec | undefined {
  const block = ownGlobalBlock(input.clusterId, input.clusters);
  if (block === undefined) return undefined;
  const services = input.exports
    .flatMap((e) => (e.clusterId === input.clusterId && e.type === "ClusterSetIP" && e.globalIp !== undefined ? [{ ...e, globalIp: e.globalIp }] : []))
    .sort((a, b) => a.globalIp.localeCompare(b.globalIp))
    .map((e) => {
      const slices = input.slices.filter((s) => s.metadata?.namespace === e.namespace && s.metadata.labels?.[serviceNameLabel] === e.name && s.addressType === "IPv4");
      const ports: GlobalServicePort[] = e.ports.map((p) => ({ protocol: p.protocol, port: p.port, backends: backendsOf(slices, { name: p.name ?? "", protocol: p.protocol }) }));
      return { globalIp: e.globalIp, ports };
    });
  const pods = input.exports
    .flatMap((e) => (e.clusterId === input.clusterId && e.type === "Headless" ? e.endpoints : []))
    .flatMap((endpoint) => {
      const podIp = endpoint.addresses.find((a) => isIp(a) && !a.includes(":"));
      return endpoint.globalIp === undefined || podIp === undefined ? [] : [{ globalIp: endpoint.globalIp, podIp }];
    })
    .sort((a, b) => a.globalIp.localeCompare(b.globalIp));
  const egress = input.egress ?? [];
  return { device: input.device, localCidrs: [...input.podCidrs], egressIp: globalEgressAddress(block), services, ...(pods.length === 0 ? {} : { pods }), ...(egress.length === 0 ? {} : { egress }) };
}

/** The ready backends (address and target port) of the port named `name` across `slices`, deduplicated and sorted. */
function backendsOf(slices: readonly V1EndpointSlice[], port: { name: string; protocol: string }): { ip: string; port: number }[] {
  const seen = new Map<string, { ip: string; port: number }>();
  for (const slice of slices) {
    const target = (slice.ports ?? []).find((p) => (p.name ?? "") === port.name && (p.protocol ?? "TCP") === port.protocol)?.port;
    if (target === undefined) continue;
    for (const endpoint of slice.endpoints) {
      // Kubernetes: an unset `ready` means unknown, which consumers treat as ready.
      if (endpoint.conditions?.ready === false) continue;
      for (const ip of endpoint.addresses) if (isIp(ip) && !ip.includes(":")) seen.set(`${ip}:${String(target)}`, { ip, port: target });
    }
  }
  return [...seen.values()].sort((a, b) => a.ip.localeCompare(b.ip) || a.port - b.port);
}

/**
 * The planned peers without those that overlap this cluster's own CIDRs (by their subnets or
 * their tunnel address): a remote with the same ranges before the broker has given both clusters
 * blocks (it does on this cluster's first publish), or whose gateway has not moved its tunnel
 * address into its block yet. Routing them would take the cluster's own range into the tunnel,
 * and a VXLAN cable cannot route through a tunnel address that is local ("Nexthop has invalid
 * gateway"): the reconcile failed before it published, so the cluster never got its block. Pure.
 */
export function leaveOutOwnRanges<T extends { readonly subnets: readonly string[]; readonly peer: { readonly tunnelIp: string } }>(planned: readonly T[], ownCidrs: readonly string[]): T[] {
  const own = ownCidrs.map((c) => parseCidr(c));
  const clashes = (cidr: string): boolean => own.some((o) => overlaps(o, parseCidr(cidr)));
  return planned.filter((p) => {
    const tunnel = parseIp(p.peer.tunnelIp);
    return !p.subnets.some(clashes) && !clashes(`${tunnel.toString()}/${tunnel.family === 4 ? "32" : "128"}`);
  });
}
