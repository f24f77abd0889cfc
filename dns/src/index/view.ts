import { type ServiceEndpoint } from "@isthmus/core/model";
import { ipToBytes, parseIp } from "@isthmus/core/net";
import type { AddressSet, ImportedService, ServiceView, SrvSet } from "./types.js";

// Builds the DNS view of a service per the MCS DNS specification (KEP-1645 specification.md):
// ClusterSetIP → the clusterset IPs, SRV targets the service name, no per-cluster names;
// Headless → every ready endpoint of every healthy cluster, per-pod names
// `<hostname>.<clusterid>.<svc>.<ns>.svc.<zone>`, SRV for each named port × endpoint. An
// endpoint without a hostname gets a system-assigned one from its address (`10-1-0-4`), as
// cluster DNS does. A service with nothing to answer has no view (its names are NXDOMAIN).

/** Options of `buildServiceView`. */
export interface ViewOptions {
  /** The DNS zone, e.g. `clusterset.local`. */
  readonly zone: string;
  /** Clusters whose connection is healthy; others contribute nothing. */
  readonly healthy: ReadonlySet<string>;
}

/** The DNS view of `service`, or undefined when it has nothing to answer. */
export function buildServiceView(service: ImportedService, options: ViewOptions): ServiceView | undefined {
  const clusters = service.clusters.filter((c) => options.healthy.has(c.clusterId));
  if (clusters.length === 0) return undefined;
  const fqdn = `${service.name}.${service.namespace}.svc.${options.zone}`;
  if (service.type === "ClusterSetIP") {
    if (service.ips.length === 0) return undefined;
    const addresses = toAddressSet(service.ips);
    return { type: service.type, fqdn, addresses, ...srvOf(service, () => [fqdn]), hosts: new Map() };
  }
  const hosts = new Map<string, Map<string, AddressSet>>();
  const all: string[] = [];
  const targets: string[] = [];
  for (const cluster of clusters) {
    const byHost = new Map<string, string[]>();
    for (const endpoint of cluster.endpoints) {
      if (!endpoint.ready) continue;
      const host = endpoint.hostname ?? systemHostname(endpoint);
      byHost.set(host, [...(byHost.get(host) ?? []), ...endpoint.addresses]);
      all.push(...endpoint.addresses);
    }
    if (byHost.size === 0) continue;
    const sets = new Map<string, AddressSet>();
    for (const [host, addresses] of byHost) {
      sets.set(host, toAddressSet(addresses));
      targets.push(`${host}.${cluster.clusterId}.${fqdn}`);
    }
    hosts.set(cluster.clusterId, sets);
  }
  if (all.length === 0) return undefined;
  return { type: service.type, fqdn, addresses: toAddressSet(all), ...srvOf(service, () => targets), hosts };
}

function srvOf(service: ImportedService, targets: () => string[]): { srv: Map<string, SrvSet>; srvProtocols: Set<string> } {
  const srv = new Map<string, SrvSet>();
  const srvProtocols = new Set<string>();
  for (const port of service.ports) {
    if (port.name === undefined) continue;
    const proto = `_${port.protocol.toLowerCase()}`;
    srv.set(`_${port.name}.${proto}`, { port: port.port, targets: targets() });
    srvProtocols.add(proto);
  }
  return { srv, srvProtocols };
}

function systemHostname(endpoint: ServiceEndpoint): string {
  return (endpoint.addresses[0] ?? "").replace(/[.:]/g, "-");
}

function toAddressSet(texts: readonly string[]): AddressSet {
  const a: Uint8Array[] = [];
  const aaaa: Uint8Array[] = [];
  const seen = new Set<string>();
  for (const text of texts) {
    if (seen.has(text)) continue;
    seen.add(text);
    const ip = parseIp(text);
    (ip.family === 4 ? a : aaaa).push(ipToBytes(ip));
  }
  return { a, aaaa };
}
