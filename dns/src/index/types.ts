import type { ServiceEndpoint, ServiceExportType, ServicePort } from "@isthmus/core/model";

/** One exporting cluster's part of an imported service. */
export interface ImportedCluster {
  /** The exporting cluster's id (an RFC 1123 label). */
  readonly clusterId: string;
  /** Its backends; only ready ones of Headless services get DNS records. Empty for ClusterSetIP. */
  readonly endpoints: readonly ServiceEndpoint[];
}

/** What DNS needs to know of one ServiceImport: the merged view over every exporting cluster. */
export interface ImportedService {
  readonly namespace: string;
  readonly name: string;
  readonly type: ServiceExportType;
  /** The clusterset IPs in this cluster (ClusterSetIP services; one per family). */
  readonly ips: readonly string[];
  /** The merged ports (the union, KEP-1645). */
  readonly ports: readonly ServicePort[];
  /** Every exporting cluster, healthy or not (the index filters). */
  readonly clusters: readonly ImportedCluster[];
}

/** Addresses of one DNS node in wire form. */
export interface AddressSet {
  readonly a: readonly Uint8Array[];
  readonly aaaa: readonly Uint8Array[];
}

/** One SRV owner `_<port>._<proto>`: the port number and the targets (absolute names). */
export interface SrvSet {
  readonly port: number;
  readonly targets: readonly string[];
}

/**
 * A service as DNS serves it right now: only healthy clusters, only ready endpoints, addresses
 * already in wire form. Built once per change, read by every query.
 */
export interface ServiceView {
  readonly type: ServiceExportType;
  /** `<svc>.<ns>.svc.<zone>`, lowercase. */
  readonly fqdn: string;
  /** Records of `<svc>.<ns>.svc.<zone>`. */
  readonly addresses: AddressSet;
  /** SRV owners keyed by `_<port>._<proto>` (lowercase); named ports only. */
  readonly srv: ReadonlyMap<string, SrvSet>;
  /** The protocols of `srv`, as `_<proto>` labels (for the empty non-terminal `_<proto>.<svc>...`). */
  readonly srvProtocols: ReadonlySet<string>;
  /** Headless per-pod records: cluster id → hostname → addresses. Empty for ClusterSetIP. */
  readonly hosts: ReadonlyMap<string, ReadonlyMap<string, AddressSet>>;
}
