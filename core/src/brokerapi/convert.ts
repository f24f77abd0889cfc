import { errorMessage, isIsthmusError } from "../errors.js";
import {
  parseCluster,
  parseConnectionStatus,
  parseGatewayEndpoint,
  parseServiceExport,
  parseWorkloadSet,
  type Cluster,
  type ConnectionStatus,
  type GatewayEndpoint,
  type ServiceExport,
  type WorkloadSet,
} from "../model/index.js";
import { BrokerApiError } from "./errors.js";
import type { BrokerRecord } from "./kinds.js";
import type {
  WireCluster,
  WireClusterOutput,
  WireConnectionStatus,
  WireConnectionStatusOutput,
  WireGatewayEndpoint,
  WireGatewayEndpointOutput,
  WireRecord,
  WireRecordOutput,
  WireServiceExport,
  WireServiceExportOutput,
  WireWorkloadSet,
  WireWorkloadSetOutput,
} from "./wire.js";

// Model ↔ wire. Wire → model always validates with the model's zod schemas, so anything that
// crosses the wire into the broker or an agent is checked once, here; failures are
// BrokerApiError "InvalidMessage" naming every problem.

/** `{ [key]: value }` when value is defined, `{}` otherwise (for exactOptionalPropertyTypes). */
function opt<K extends string, V>(key: K, value: V | undefined | null): Partial<Record<K, V>> {
  return value === undefined || value === null ? {} : ({ [key]: value } as Partial<Record<K, V>>);
}

/** A copy of `o` without the properties whose value is undefined. */
function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

function validated<T>(parse: (input: unknown) => T, input: unknown): T {
  try {
    return parse(input);
  } catch (err) {
    if (isIsthmusError(err)) throw new BrokerApiError("InvalidMessage", err.message, { cause: err });
    throw new BrokerApiError("InvalidMessage", `Cannot read record: ${errorMessage(err)}`, { cause: err });
  }
}

/** A cluster as a wire message. */
export function clusterToWire(c: Cluster): WireCluster {
  const { globalEgress, ...rest } = c;
  return {
    ...defined({ ...rest, podCidrs: [...c.podCidrs], serviceCidrs: [...c.serviceCidrs], labels: { ...c.labels } }),
    globalEgress: (globalEgress ?? []).map((g) => defined({ ...g })),
  };
}

/** A wire cluster, validated. */
export function clusterFromWire(w: WireClusterOutput): Cluster {
  return validated(parseCluster, {
    id: w.id,
    podCidrs: w.podCidrs,
    serviceCidrs: w.serviceCidrs,
    ...opt("globalCidr", w.globalCidr),
    labels: w.labels,
    joinedAt: w.joinedAt,
    lastSeen: w.lastSeen,
    ...(w.globalEgress.length === 0 ? {} : { globalEgress: w.globalEgress.map((g) => ({ namespace: g.namespace, name: g.name, ...opt("globalIp", g.globalIp) })) }),
  });
}

/** A gateway endpoint as a wire message. */
export function endpointToWire(e: GatewayEndpoint): WireGatewayEndpoint {
  return defined({ ...e });
}

/** A wire gateway endpoint, validated. */
export function endpointFromWire(w: WireGatewayEndpointOutput): GatewayEndpoint {
  return validated(parseGatewayEndpoint, endpointInputFromWire(w));
}

/** The plain, NOT yet validated model input of a wire endpoint (validate before trusting it). */
export function endpointInputFromWire(w: WireGatewayEndpointOutput): Record<string, unknown> {
  return {
    clusterId: w.clusterId,
    hostname: w.hostname,
    publicIp: w.publicIp,
    privateIp: w.privateIp,
    port: w.port,
    cableDriver: w.cableDriver,
    ...opt("wireguardPublicKey", w.wireguardPublicKey),
    healthCheckIp: w.healthCheckIp,
    behindNat: w.behindNat,
    ...opt("natType", w.natType),
    role: w.role,
  };
}

/** A service export as a wire message. */
export function exportToWire(e: ServiceExport): WireServiceExport {
  const base = { clusterId: e.clusterId, namespace: e.namespace, name: e.name, type: e.type, createdAt: e.createdAt };
  const ports = e.ports.map((p) => defined({ ...p }));
  if (e.type === "ClusterSetIP") return { ...base, ports, ...opt("clusterIp", e.clusterIp), ...opt("globalIp", e.globalIp) };
  return { ...base, ports, endpoints: e.endpoints.map((x) => defined({ ...x, addresses: [...x.addresses] })) };
}

/** A wire service export, validated (endpoints on a ClusterSetIP export are refused). */
export function exportFromWire(w: WireServiceExportOutput): ServiceExport {
  return validated(parseServiceExport, exportInputFromWire(w));
}

/** The plain, NOT yet validated model input of a wire export (validate before trusting it). */
export function exportInputFromWire(w: WireServiceExportOutput): Record<string, unknown> {
  return {
    clusterId: w.clusterId,
    namespace: w.namespace,
    name: w.name,
    type: w.type,
    ports: w.ports.map((p) => ({ ...opt("name", p.name), port: p.port, protocol: p.protocol, ...opt("appProtocol", p.appProtocol) })),
    ...opt("clusterIp", w.clusterIp),
    ...opt("globalIp", w.globalIp),
    ...(w.type === "Headless" || w.endpoints.length > 0
      ? { endpoints: w.endpoints.map((x) => ({ addresses: x.addresses, ...opt("hostname", x.hostname), ready: x.ready, ...opt("globalIp", x.globalIp) })) }
      : {}),
    createdAt: w.createdAt,
  };
}

/** A connection status as a wire message. */
export function connectionToWire(c: ConnectionStatus): WireConnectionStatus {
  return defined({ ...c, rtt: { ...c.rtt } });
}

/** A wire connection status, validated. */
export function connectionFromWire(w: WireConnectionStatusOutput): ConnectionStatus {
  return validated(parseConnectionStatus, connectionInputFromWire(w));
}

/** The plain, NOT yet validated model input of a wire connection status (validate before trusting it). */
export function connectionInputFromWire(w: WireConnectionStatusOutput): Record<string, unknown> {
  return {
    fromCluster: w.fromCluster,
    fromGateway: w.fromGateway,
    toCluster: w.toCluster,
    ...opt("toGateway", w.toGateway),
    status: w.status,
    ...opt("reason", w.reason),
    rtt: w.rtt === null ? undefined : { ...w.rtt },
    ...opt("lossRatio", w.lossRatio),
    lastChange: w.lastChange,
  };
}

/** A workload set as a wire message. */
export function workloadToWire(w: WorkloadSet): WireWorkloadSet {
  return { clusterId: w.clusterId, namespace: w.namespace, namespaceLabels: { ...w.namespaceLabels }, pods: w.pods.map((p) => ({ name: p.name, ip: p.ip, labels: { ...p.labels } })) };
}

/** A wire workload set, validated. */
export function workloadFromWire(w: WireWorkloadSetOutput): WorkloadSet {
  return validated(parseWorkloadSet, workloadInputFromWire(w));
}

/** The plain, NOT yet validated model input of a wire workload set (validate before trusting it). */
export function workloadInputFromWire(w: WireWorkloadSetOutput): Record<string, unknown> {
  return { clusterId: w.clusterId, namespace: w.namespace, namespaceLabels: w.namespaceLabels, pods: w.pods.map((p) => ({ name: p.name, ip: p.ip, labels: p.labels })) };
}

/** A record as a wire `Record`. */
export function recordToWire(record: BrokerRecord): WireRecord {
  switch (record.kind) {
    case "cluster":
      return { cluster: clusterToWire(record.value) };
    case "endpoint":
      return { endpoint: endpointToWire(record.value) };
    case "export":
      return { export: exportToWire(record.value) };
    case "connection":
      return { connection: connectionToWire(record.value) };
    case "workload":
      return { workload: workloadToWire(record.value) };
  }
}

/** A wire `Record`, validated; throws "InvalidMessage" when it holds nothing. */
export function recordFromWire(w: WireRecordOutput): BrokerRecord {
  if (w.cluster) return { kind: "cluster", value: clusterFromWire(w.cluster) };
  if (w.endpoint) return { kind: "endpoint", value: endpointFromWire(w.endpoint) };
  if (w.export) return { kind: "export", value: exportFromWire(w.export) };
  if (w.connection) return { kind: "connection", value: connectionFromWire(w.connection) };
  if (w.workload) return { kind: "workload", value: workloadFromWire(w.workload) };
  throw new BrokerApiError("InvalidMessage", "Record holds no value");
}
