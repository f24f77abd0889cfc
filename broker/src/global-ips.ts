import { globalEgressAddress } from "@isthmus/core/model";
import { allocateAddress, contains, parseCidr, parseIp, type IpAddress } from "@isthmus/core/net";
import { BrokerError } from "./errors.js";

// Design notes (docs/adr/0206-global-addresses.md): a ClusterSetIP export of a cluster that
// holds a global block gets one address of that block, its global IP. The broker keeps it in the
// export record itself, so it is persisted and replicated with the record, comes back after a
// restart, stays as long as the export is republished and is free again once the export is gone
// (unexport or cluster removal). Agents never choose it: what they send is dropped. The block's
// first address (network) is never handed out and its second is held for the cluster's egress
// address (the gateway SNATs local pods to it). Pure.

/** The address of `block` the gateway SNATs the cluster's pods to (core's {@link globalEgressAddress}). */
export function egressAddressOf(block: string): IpAddress {
  return parseIp(globalEgressAddress(block));
}

/**
 * The export inputs of `owner` with their global IPs: without a block, none (any sent is
 * dropped); with one, each ClusterSetIP export keeps the IP it holds (`held`, by record key) when
 * it is in the block, else gets the lowest free one. Throws BrokerError "Exhausted" when the
 * block has no address left.
 */
export function withGlobalIps(
  owner: string,
  inputs: readonly Record<string, unknown>[],
  options: { readonly block: string | undefined; readonly held: ReadonlyMap<string, string>; readonly keyOf: (input: Record<string, unknown>) => string },
): Record<string, unknown>[] {
  const stripped = inputs.map(({ globalIp: _ignored, ...rest }) => rest);
  if (options.block === undefined) return stripped;
  const block = parseCidr(options.block);
  const wants = (input: Record<string, unknown>): boolean => input.type === "ClusterSetIP";
  const keep = (input: Record<string, unknown>): string | undefined => {
    const ip = options.held.get(options.keyOf(input));
    return ip !== undefined && contains(block, parseIp(ip)) ? ip : undefined;
  };
  const taken = new Set(stripped.filter(wants).flatMap((input) => keep(input) ?? []));
  const reserved = [egressAddressOf(options.block)];
  return stripped.map((input) => {
    if (!wants(input)) return input;
    let ip = keep(input);
    if (ip === undefined) {
      try {
        ip = allocateAddress(block, taken, { reserved }).toString();
      } catch (err) {
        throw new BrokerError("Exhausted", `Cannot give the export "${options.keyOf(input)}" of cluster "${owner}" a global IP: its block ${options.block} is full (${(err as Error).message})`, { cause: err });
      }
      taken.add(ip);
    }
    return { ...input, globalIp: ip };
  });
}
