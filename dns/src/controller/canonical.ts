import { canonicalJson } from "@isthmus/core/model";
import type { EndpointSliceJson, ServiceJson } from "../mcs/index.js";

// Comparisons between what we want an object to hold and what the API server stores. The
// server reorders keys, and client-node models carry `undefined` for absent fields, so objects
// are compared in canonical form (core's canonicalJson), over only the fields we own.

/** True when every label of `wanted` is on `actual` with the same value. */
export function hasLabels(actual: Readonly<Record<string, string>> | undefined, wanted: Readonly<Record<string, string>> | undefined): boolean {
  return Object.entries(wanted ?? {}).every(([k, v]) => actual?.[k] === v);
}

const ownerUids = (o: { readonly metadata?: { readonly ownerReferences?: readonly { readonly uid: string }[] } }): string =>
  (o.metadata?.ownerReferences ?? []).map((r) => r.uid).join(",");

/** The parts of an EndpointSlice we own, canonical. */
function sliceContent(slice: EndpointSliceJson): string {
  return canonicalJson({
    addressType: slice.addressType,
    endpoints: slice.endpoints.map((e) => ({ addresses: e.addresses, ready: e.conditions?.ready, hostname: e.hostname })),
    ports: (slice.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol ?? "TCP", appProtocol: p.appProtocol })),
    owners: ownerUids(slice),
  });
}

/** True when `actual` already holds what `desired` says (labels as a subset). */
export function sliceMatches(actual: EndpointSliceJson, desired: EndpointSliceJson): boolean {
  return hasLabels(actual.metadata?.labels, desired.metadata?.labels) && sliceContent(actual) === sliceContent(desired);
}

/** The parts of a derived Service we own, canonical. */
function serviceContent(service: ServiceJson): string {
  return canonicalJson({
    ports: (service.spec?.ports ?? []).map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: p.protocol ?? "TCP", appProtocol: p.appProtocol })),
    owners: ownerUids(service),
  });
}

/** True when `actual` already holds what `desired` says (labels as a subset). */
export function serviceMatches(actual: ServiceJson, desired: ServiceJson): boolean {
  return hasLabels(actual.metadata?.labels, desired.metadata?.labels) && serviceContent(actual) === serviceContent(desired);
}

/** The cluster IPs the API server allocated to a Service (none for headless or pending). */
export function clusterIpsOf(service: ServiceJson): string[] {
  const ips = service.spec?.clusterIPs ?? (service.spec?.clusterIP === undefined ? [] : [service.spec.clusterIP]);
  return ips.filter((ip) => ip !== "" && ip !== "None");
}
