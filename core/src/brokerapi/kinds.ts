import type { Cluster, ConnectionStatus, GatewayEndpoint, ServiceExport, WorkloadSet } from "../model/index.js";
import { BrokerApiError } from "./errors.js";
import type { WireKind } from "./wire.js";

/** The kinds of records the broker keeps, each published level-based per cluster. */
export const recordKinds = ["cluster", "endpoint", "export", "connection", "workload"] as const;
/** A kind of record (see `recordKinds`). */
export type RecordKind = (typeof recordKinds)[number];

/** One record with its kind. */
export type BrokerRecord =
  | { readonly kind: "cluster"; readonly value: Cluster }
  | { readonly kind: "endpoint"; readonly value: GatewayEndpoint }
  | { readonly kind: "export"; readonly value: ServiceExport }
  | { readonly kind: "connection"; readonly value: ConnectionStatus }
  | { readonly kind: "workload"; readonly value: WorkloadSet };

/** The value type of a record of kind K. */
export type RecordValue<K extends RecordKind> = Extract<BrokerRecord, { kind: K }>["value"];

const toWire = {
  cluster: "KIND_CLUSTER",
  endpoint: "KIND_ENDPOINT",
  export: "KIND_EXPORT",
  connection: "KIND_CONNECTION",
  workload: "KIND_WORKLOAD",
} as const satisfies Record<RecordKind, WireKind>;

/** The wire enum name of a kind. */
export function kindToWire(kind: RecordKind): WireKind {
  return toWire[kind];
}

/** The kind of a wire enum value; throws `BrokerApiError` "InvalidMessage" for unspecified/unknown. */
export function parseWireKind(wire: string): RecordKind {
  const found = recordKinds.find((k) => toWire[k] === wire);
  if (found === undefined) {
    throw new BrokerApiError("InvalidMessage", `Kind "${wire}" is not one of ${recordKinds.map((k) => toWire[k]).join(", ")}`);
  }
  return found;
}

/** The cluster that owns a record (the only cluster allowed to write it). */
export function recordOwner(record: BrokerRecord): string {
  switch (record.kind) {
    case "cluster":
      return record.value.id;
    case "endpoint":
    case "export":
    case "workload":
      return record.value.clusterId;
    case "connection":
      return record.value.fromCluster;
  }
}

/**
 * The key of a record within its kind, unique across the clusterset and prefixed by the owner:
 * `c1`, `c1/<gateway>`, `c1/<namespace>/<name>`, `c1/<gateway>/<remote cluster>`, `c1/<namespace>`.
 */
export function recordKey(record: BrokerRecord): string {
  switch (record.kind) {
    case "cluster":
      return record.value.id;
    case "endpoint":
      return `${record.value.clusterId}/${record.value.hostname}`;
    case "export":
      return `${record.value.clusterId}/${record.value.namespace}/${record.value.name}`;
    case "connection":
      return `${record.value.fromCluster}/${record.value.fromGateway}/${record.value.toCluster}`;
    case "workload":
      return `${record.value.clusterId}/${record.value.namespace}`;
  }
}
