import { parseServiceExport, type ServiceEndpoint, type ServiceExport, type ServiceExportType, type ServicePort } from "@isthmus/core/model";
import type { EndpointSliceJson, ServiceJson } from "./kube-types.js";
import { mcsLabels } from "./constants.js";

// From a local ServiceExport's Service (and, for headless services, its EndpointSlices) to the
// export record published to the broker. Validation first: no Service → NoService; an
// ExternalName Service → InvalidServiceType (KEP-1645: it cannot be exported).

/** The outcome of validating a local export. */
export type ExportValidation =
  | { readonly valid: true; readonly type: ServiceExportType }
  | { readonly valid: false; readonly reason: "NoService" | "InvalidServiceType"; readonly message: string };

/** Validates an export of `namespace/name` against its Service (undefined when there is none). */
export function validateExport(service: ServiceJson | undefined, ref: { namespace: string; name: string }): ExportValidation {
  if (service === undefined) {
    return { valid: false, reason: "NoService", message: `Service ${ref.namespace}/${ref.name} does not exist` };
  }
  if (service.spec?.type === "ExternalName") {
    return { valid: false, reason: "InvalidServiceType", message: `Service ${ref.namespace}/${ref.name} is of type ExternalName, which cannot be exported` };
  }
  return { valid: true, type: service.spec?.clusterIP === "None" ? "Headless" : "ClusterSetIP" };
}

/** Inputs of `buildExportRecord`. */
export interface ExportRecordInput {
  readonly clusterId: string;
  /** The exported Service (already validated). */
  readonly service: ServiceJson;
  /** EndpointSlices of the Service (others are ignored); used for Headless services. */
  readonly slices: readonly EndpointSliceJson[];
  /** The ServiceExport's creation time (oldest export wins conflicts). */
  readonly createdAt: string;
}

/** The broker record of a valid export; throws ModelError "InvalidServiceExport" when the Service has unusable fields. */
export function buildExportRecord(input: ExportRecordInput): ServiceExport {
  const { service } = input;
  const namespace = service.metadata?.namespace ?? "";
  const name = service.metadata?.name ?? "";
  const ports = (service.spec?.ports ?? []).map(toModelPort);
  const base = { clusterId: input.clusterId, namespace, name, ports, createdAt: input.createdAt };
  const clusterIp = service.spec?.clusterIP;
  if (clusterIp === "None") {
    return parseServiceExport({ ...base, type: "Headless", endpoints: serviceEndpointsOf(input.slices, { namespace, name }) });
  }
  return parseServiceExport({ ...base, type: "ClusterSetIP", ...(clusterIp === undefined || clusterIp === "" ? {} : { clusterIp }) });
}

function toModelPort(port: NonNullable<NonNullable<ServiceJson["spec"]>["ports"]>[number]): ServicePort {
  const protocol = port.protocol ?? "TCP";
  return {
    ...(port.name === undefined || port.name === "" ? {} : { name: port.name }),
    port: port.port,
    protocol: protocol === "UDP" || protocol === "SCTP" ? protocol : "TCP",
    ...(port.appProtocol === undefined ? {} : { appProtocol: port.appProtocol }),
  };
}

/** Endpoints of the Service's slices, deduplicated by first address (slices overlap during updates). */
export function serviceEndpointsOf(slices: readonly EndpointSliceJson[], ref: { namespace: string; name: string }): ServiceEndpoint[] {
  const byAddress = new Map<string, ServiceEndpoint>();
  for (const slice of slices) {
    if (slice.metadata?.namespace !== ref.namespace || slice.metadata.labels?.[mcsLabels.kubeServiceName] !== ref.name) continue;
    if (slice.addressType !== "IPv4" && slice.addressType !== "IPv6") continue;
    for (const endpoint of slice.endpoints) {
      const first = endpoint.addresses[0];
      if (first === undefined) continue;
      const ready = endpoint.conditions?.ready !== false;
      const previous = byAddress.get(first);
      if (previous?.ready === true) continue;
      byAddress.set(first, {
        addresses: [...endpoint.addresses],
        ready,
        ...(endpoint.hostname === undefined ? {} : { hostname: endpoint.hostname }),
      });
    }
  }
  return [...byAddress.values()].sort((a, b) => (a.addresses[0] ?? "").localeCompare(b.addresses[0] ?? ""));
}

/** The ports of the Service's slices (the endpoints' ports, named as the Service's), first slice that has them. */
export function servicePortsOf(slices: readonly EndpointSliceJson[], ref: { namespace: string; name: string }): ServicePort[] {
  const slice = slices.find((s) => s.metadata?.namespace === ref.namespace && s.metadata.labels?.[mcsLabels.kubeServiceName] === ref.name && (s.ports ?? []).length > 0);
  return (slice?.ports ?? []).flatMap((p) =>
    p.port === undefined
      ? []
      : [
          {
            ...(p.name === undefined || p.name === "" ? {} : { name: p.name }),
            port: p.port,
            protocol: p.protocol === "UDP" || p.protocol === "SCTP" ? p.protocol : "TCP",
            ...(p.appProtocol === undefined ? {} : { appProtocol: p.appProtocol }),
          },
        ],
  );
}
