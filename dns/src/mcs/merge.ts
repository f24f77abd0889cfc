import type { ServiceExport, ServiceExportType, ServicePort } from "@isthmus/core/model";
import { DnsError } from "../errors.js";

// KEP-1645 merge of every cluster's export of one (namespace, name) into what the clusterset
// sees. Exports are taken oldest first (creation time, then cluster id for ties):
// - type: the oldest export's; clusters exporting another type conflict (TypeConflict) and do
//   not back the import (their endpoints could not be served under the chosen type);
// - ports: the union; a port that clashes with one already taken (same name, or same
//   number/protocol with another name or appProtocol) is dropped in favour of the older one;
//   whenever an export's ports differ from the union, every export reports PortConflict.

/** Conflicts found while merging. */
export interface MergeConflicts {
  /** Clusters whose export type differs from the oldest export's. */
  readonly typeClusters: readonly string[];
  /** Clusters whose ports differ from the union (empty when all agree). */
  readonly portClusters: readonly string[];
  /** What is in conflict and how it was resolved, for condition messages; "" when none. */
  readonly message: string;
}

/** The clusterset's view of one exported service. */
export interface MergedService {
  readonly namespace: string;
  readonly name: string;
  readonly type: ServiceExportType;
  /** The union of the members' ports, oldest first. */
  readonly ports: readonly ServicePort[];
  /** The exports that back the import (same type as the oldest), oldest first. */
  readonly members: readonly ServiceExport[];
  readonly conflicts: MergeConflicts;
}

/** Sorts exports oldest first: creation time, then cluster id. */
export function orderExports(records: readonly ServiceExport[]): ServiceExport[] {
  return [...records].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.clusterId.localeCompare(b.clusterId));
}

/** Merges all exports of one service; undefined when there are none. Throws DnsError "InvalidManifest" for mixed services. */
export function mergeExports(records: readonly ServiceExport[]): MergedService | undefined {
  const ordered = orderExports(records);
  const oldest = ordered[0];
  if (oldest === undefined) return undefined;
  const stranger = ordered.find((r) => r.namespace !== oldest.namespace || r.name !== oldest.name);
  if (stranger !== undefined) {
    throw new DnsError("InvalidManifest", `Cannot merge export ${stranger.namespace}/${stranger.name} with exports of ${oldest.namespace}/${oldest.name}`);
  }
  const members = ordered.filter((r) => r.type === oldest.type);
  const typeClusters = ordered.filter((r) => r.type !== oldest.type).map((r) => r.clusterId);
  const ports = unionPorts(members);
  const unionKey = portSetKey(ports);
  const portClusters = members.filter((r) => portSetKey(r.ports) !== unionKey).map((r) => r.clusterId);
  const messages: string[] = [];
  if (typeClusters.length > 0) {
    messages.push(`clusters ${typeClusters.join(", ")} export another type; the import uses ${oldest.type} from the oldest export (cluster ${oldest.clusterId})`);
  }
  if (portClusters.length > 0) {
    messages.push(`ports of clusters ${portClusters.join(", ")} differ; the import exposes the union: ${ports.map(formatPort).join(", ")}`);
  }
  return {
    namespace: oldest.namespace,
    name: oldest.name,
    type: oldest.type,
    ports,
    members,
    conflicts: { typeClusters, portClusters, message: messages.join("; ") },
  };
}

function unionPorts(members: readonly ServiceExport[]): ServicePort[] {
  const union: ServicePort[] = [];
  for (const record of members) {
    for (const port of record.ports) {
      const sameKey = union.find((u) => u.port === port.port && u.protocol === port.protocol);
      const sameName = union.find((u) => u.name === port.name);
      if (sameKey !== undefined && sameKey === sameName && sameKey.appProtocol === port.appProtocol) continue;
      if (sameKey !== undefined || sameName !== undefined) continue;
      // A service with several ports must name them all.
      if (union.length > 0 && (port.name === undefined || union.some((u) => u.name === undefined))) continue;
      union.push(port);
    }
  }
  return union;
}

function portSetKey(ports: readonly ServicePort[]): string {
  return ports.map((p) => `${p.name ?? ""}/${p.port}/${p.protocol}/${p.appProtocol ?? ""}`).sort().join(",");
}

function formatPort(port: ServicePort): string {
  return `${port.name === undefined ? "" : `${port.name}:`}${port.port}/${port.protocol}`;
}
