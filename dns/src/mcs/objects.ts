import { createHash } from "node:crypto";
import { type ServiceEndpoint, type ServiceExport, type ServicePort } from "@isthmus/core/model";
import { parseIp } from "@isthmus/core/net";
import type { EndpointSliceJson, ServiceJson } from "./kube-types.js";
import type { ImportedService } from "../index/index.js";
import { derivedServiceSuffix, managedByValue, mcsApiVersion, mcsLabels } from "./constants.js";
import type { MergedService } from "./merge.js";
import { toImportPort, type OwnerReference, type ServiceImportObject } from "./types.js";

// The objects the importing cluster gets for a merged service:
// - a ServiceImport (type, union of ports, clusterset IPs, status.clusters);
// - for ClusterSetIP, a derived Service without selector (`<svc>-clusterset`) whose ClusterIP
//   is the clusterset IP, so kube-proxy balances over the slices below;
// - one EndpointSlice per healthy source cluster and address family, owned by the
//   ServiceImport: ClusterSetIP members contribute their service's cluster IP (reached over the
//   tunnel), Headless members their endpoints with hostnames and readiness. Slices of clusters
//   whose connection is down are simply not built, so the writer deletes them.

/** The ServiceImport an object belongs to. */
export interface ImportRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** The ServiceImport for `merged`; `ips` are the clusterset IPs (the derived Service's cluster IPs). */
export function buildServiceImport(merged: MergedService, ips: readonly string[]): ServiceImportObject {
  return {
    apiVersion: mcsApiVersion,
    kind: "ServiceImport",
    metadata: { name: merged.name, namespace: merged.namespace, labels: { [mcsLabels.managedBy]: managedByValue } },
    spec: {
      type: merged.type,
      ports: merged.ports.map(toImportPort),
      ...(merged.type === "ClusterSetIP" && ips.length > 0 ? { ips: [...ips] } : {}),
      sessionAffinity: "None",
    },
    status: { clusters: [...merged.members.map((m) => m.clusterId)].sort().map((cluster) => ({ cluster })) },
  };
}

/** The name of the derived VIP Service of a ServiceImport: `<name>-clusterset`, hashed when over 63 characters. */
export function derivedServiceName(importName: string): string {
  const plain = `${importName}-${derivedServiceSuffix}`;
  if (plain.length <= 63) return plain;
  const hash = createHash("sha256").update(importName).digest("hex").slice(0, 10);
  return `${importName.slice(0, 63 - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

function ownerOf(ref: ImportRef): OwnerReference {
  return { apiVersion: mcsApiVersion, kind: "ServiceImport", name: ref.name, uid: ref.uid, controller: true, blockOwnerDeletion: false };
}

/** The derived VIP Service of a ClusterSetIP import; undefined for Headless ones. */
export function buildDerivedService(merged: MergedService, ref: ImportRef): ServiceJson | undefined {
  if (merged.type !== "ClusterSetIP") return undefined;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: derivedServiceName(ref.name),
      namespace: ref.namespace,
      labels: { [mcsLabels.derivedFrom]: ref.name, [mcsLabels.managedBy]: managedByValue },
      ownerReferences: [ownerOf(ref)],
    },
    spec: {
      type: "ClusterIP",
      ports: merged.ports.map((p) => ({
        ...(p.name === undefined ? {} : { name: p.name }),
        port: p.port,
        targetPort: p.port,
        protocol: p.protocol,
        ...(p.appProtocol === undefined ? {} : { appProtocol: p.appProtocol }),
      })),
    },
  };
}

/**
 * The importing cluster's own backends of a ClusterSetIP service. kube-proxy rewrites a
 * connection's destination once: a slice pointing at a remote cluster IP works because the
 * remote cluster's kube-proxy rewrites it again after the tunnel, but the local cluster IP would
 * never be rewritten. So the local member contributes its Service's ready endpoints and their
 * ports (the pods' target ports) instead.
 */
export interface LocalBackends {
  readonly clusterId: string;
  readonly endpoints: readonly ServiceEndpoint[];
  /** The ports of the local Service's EndpointSlices (named as the Service's ports). */
  readonly ports: readonly ServicePort[];
}

/**
 * A member's export as cluster `localClusterId` reaches it: a remote Headless export's endpoints
 * at their per-pod global IPs when the broker gave them one (docs/adr/0206: the member's pod IPs
 * may clash with ours, its gateway DNATs each global IP to its pod). Our own endpoints keep their
 * pod IPs, as does every ClusterSetIP export (its slice is written in `endpointsOf`).
 */
export function asReachedFrom(localClusterId: string, record: ServiceExport): ServiceExport {
  if (record.type !== "Headless" || record.clusterId === localClusterId || !record.endpoints.some((e) => e.globalIp !== undefined)) return record;
  return { ...record, endpoints: record.endpoints.map((e) => (e.globalIp === undefined ? e : { ...e, addresses: [e.globalIp] })) };
}

/** Options of `buildEndpointSlices`. */
export interface SliceOptions {
  readonly ref: ImportRef;
  /** Clusters whose connection is healthy (include the local cluster). */
  readonly healthy: ReadonlySet<string>;
  /** The local cluster's backends (ClusterSetIP); without it every member contributes its cluster IP. */
  readonly local?: LocalBackends;
}

/** One EndpointSlice per healthy member cluster and address family, sorted by name. */
export function buildEndpointSlices(merged: MergedService, options: SliceOptions): EndpointSliceJson[] {
  const slices: EndpointSliceJson[] = [];
  for (const member of merged.members) {
    if (!options.healthy.has(member.clusterId)) continue;
    const local = member.type === "ClusterSetIP" && member.clusterId === options.local?.clusterId ? options.local : undefined;
    for (const family of [4, 6] as const) {
      const endpoints = local === undefined ? endpointsOf(member, family) : localEndpointsOf(local, family);
      if (endpoints.length === 0) continue;
      slices.push(sliceOf({ merged, member, family, endpoints, ref: options.ref, ports: local?.ports ?? merged.ports }));
    }
  }
  return slices.sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
}

type SliceEndpoint = EndpointSliceJson["endpoints"][number];

function endpointsOf(member: ServiceExport, family: 4 | 6): SliceEndpoint[] {
  if (member.type === "ClusterSetIP") {
    // A member with a global block is reached at its export's global IP, which its gateway
    // translates to the service (docs/adr/0206); its own cluster IP may clash with ours.
    const address = member.globalIp ?? member.clusterIp;
    return address !== undefined && parseIp(address).family === family ? [{ addresses: [address], conditions: { ready: true } }] : [];
  }
  return member.endpoints.flatMap((e) => {
    const addresses = e.addresses.filter((a) => parseIp(a).family === family);
    if (addresses.length === 0) return [];
    return [{ addresses, conditions: { ready: e.ready }, ...(e.hostname === undefined ? {} : { hostname: e.hostname }) }];
  });
}

function localEndpointsOf(local: LocalBackends, family: 4 | 6): SliceEndpoint[] {
  return local.endpoints.flatMap((e) => {
    const addresses = e.addresses.filter((a) => parseIp(a).family === family);
    return addresses.length === 0 ? [] : [{ addresses, conditions: { ready: e.ready } }];
  });
}

function sliceOf(o: { merged: MergedService; member: ServiceExport; family: 4 | 6; endpoints: SliceEndpoint[]; ref: ImportRef; ports: readonly ServicePort[] }): EndpointSliceJson {
  const labels: Record<string, string> = {
    [mcsLabels.serviceName]: o.ref.name,
    [mcsLabels.sourceCluster]: o.member.clusterId,
    [mcsLabels.managedBy]: managedByValue,
  };
  if (o.merged.type === "ClusterSetIP") labels[mcsLabels.kubeServiceName] = derivedServiceName(o.ref.name);
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: `${o.ref.name}-${o.member.clusterId}-ipv${o.family}`, namespace: o.ref.namespace, labels, ownerReferences: [ownerOf(o.ref)] },
    addressType: o.family === 4 ? "IPv4" : "IPv6",
    endpoints: o.endpoints,
    ports: o.ports.map((p) => ({
      ...(p.name === undefined ? {} : { name: p.name }),
      port: p.port,
      protocol: p.protocol,
      ...(p.appProtocol === undefined ? {} : { appProtocol: p.appProtocol }),
    })),
  };
}

/** The DNS index entry of a merged service with its clusterset IPs. */
export function toImportedService(merged: MergedService, ips: readonly string[]): ImportedService {
  return {
    namespace: merged.namespace,
    name: merged.name,
    type: merged.type,
    ips: merged.type === "ClusterSetIP" ? [...ips] : [],
    ports: merged.ports,
    clusters: merged.members.map((m) => ({ clusterId: m.clusterId, endpoints: m.type === "Headless" ? m.endpoints : [] })),
  };
}
