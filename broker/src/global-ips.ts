import { globalEgressAddress, type ServiceExport } from "@isthmus/core/model";
import { allocateAddress, contains, isIp, parseCidr, parseIp, type IpAddress } from "@isthmus/core/net";
import { BrokerError } from "./errors.js";

// Design notes (docs/adr/0206-global-addresses.md): a ClusterSetIP export of a cluster that
// holds a global block gets one address of that block, its global IP. The broker keeps it in the
// export record itself, so it is persisted and replicated with the record, comes back after a
// restart, stays as long as the export is republished and is free again once the export is gone
// (unexport or cluster removal). Agents never choose it: what they send is dropped. The block's
// first address (network) is never handed out and its second is held for the cluster's egress
// address (the gateway SNATs local pods to it). A Headless export's endpoints (its ready pods)
// get one address each the same way, held per pod address, so a pod keeps its global IP while
// it exists and frees it when it goes. Pure.

/** The address of `block` the gateway SNATs the cluster's pods to (core's {@link globalEgressAddress}). */
export function egressAddressOf(block: string): IpAddress {
  return parseIp(globalEgressAddress(block));
}

/** The key a headless endpoint's global IP is held under: its export's key and the pod's first IPv4 address. */
export function endpointSlotKey(exportKey: string, podAddress: string): string {
  return `${exportKey}@${podAddress}`;
}

/** The global IPs a stored export holds, by slot key (the export's key, or an endpoint's {@link endpointSlotKey}). */
export function heldGlobalIps(key: string, value: ServiceExport): [string, string][] {
  if (value.type === "ClusterSetIP") return value.globalIp === undefined ? [] : [[key, value.globalIp]];
  return value.endpoints.flatMap((e) => {
    const pod = e.addresses.find(isV4);
    return pod === undefined || e.globalIp === undefined ? [] : [[endpointSlotKey(key, pod), e.globalIp]];
  });
}

const isV4 = (address: unknown): address is string => typeof address === "string" && isIp(address) && parseIp(address).family === 4;

/** The pod address a raw (not yet validated) headless endpoint is keyed by, if it has one. */
function podAddressOf(endpoint: unknown): string | undefined {
  const addresses = (endpoint as { addresses?: unknown } | null)?.addresses;
  return Array.isArray(addresses) ? addresses.find(isV4) : undefined;
}

function strip(input: Record<string, unknown>): Record<string, unknown> {
  const { globalIp: _ignored, ...rest } = input;
  if (!Array.isArray(rest.endpoints)) return rest;
  return { ...rest, endpoints: rest.endpoints.map((e: unknown) => (typeof e === "object" && e !== null ? strip(e as Record<string, unknown>) : e)) };
}

/**
 * The export inputs of `owner` with their global IPs: without a block, none (any sent is
 * dropped); with one, each ClusterSetIP export and each endpoint of a Headless export (keyed by
 * its pod's IPv4 address) keeps the IP it holds (`held`, by slot key) when it is in the block,
 * else gets the lowest free one. Throws BrokerError "Exhausted" when the block has no address left.
 */
export function withGlobalIps(
  owner: string,
  inputs: readonly Record<string, unknown>[],
  options: { readonly block: string | undefined; readonly held: ReadonlyMap<string, string>; readonly keyOf: (input: Record<string, unknown>) => string },
): Record<string, unknown>[] {
  const stripped = inputs.map(strip);
  if (options.block === undefined) return stripped;
  const block = parseCidr(options.block);
  const slotsOf = (input: Record<string, unknown>): string[] => {
    if (input.type === "ClusterSetIP") return [options.keyOf(input)];
    if (input.type !== "Headless" || !Array.isArray(input.endpoints)) return [];
    return input.endpoints.flatMap((e: unknown) => {
      const pod = podAddressOf(e);
      return pod === undefined ? [] : [endpointSlotKey(options.keyOf(input), pod)];
    });
  };
  const keep = (slot: string): string | undefined => {
    const ip = options.held.get(slot);
    return ip !== undefined && contains(block, parseIp(ip)) ? ip : undefined;
  };
  const taken = new Set(stripped.flatMap(slotsOf).flatMap((slot) => keep(slot) ?? []));
  const reserved = [egressAddressOf(options.block)];
  const given = new Map<string, string>();
  const give = (slot: string, what: string): string => {
    let ip = given.get(slot) ?? keep(slot);
    if (ip === undefined) {
      try {
        ip = allocateAddress(block, taken, { reserved }).toString();
      } catch (err) {
        throw new BrokerError("Exhausted", `Cannot give ${what} of cluster "${owner}" a global IP: its block ${options.block ?? ""} is full (${(err as Error).message})`, { cause: err });
      }
      taken.add(ip);
    }
    given.set(slot, ip);
    return ip;
  };
  return stripped.map((input) => {
    if (input.type === "ClusterSetIP") return { ...input, globalIp: give(options.keyOf(input), `the export "${options.keyOf(input)}"`) };
    if (input.type !== "Headless" || !Array.isArray(input.endpoints)) return input;
    const key = options.keyOf(input);
    return {
      ...input,
      endpoints: input.endpoints.map((e: unknown) => {
        const pod = podAddressOf(e);
        return pod === undefined ? e : { ...(e as Record<string, unknown>), globalIp: give(endpointSlotKey(key, pod), `the pod ${pod} of the export "${key}"`) };
      }),
    };
  });
}
