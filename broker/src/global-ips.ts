import { globalBlockCapacity, globalEgressAddress, type Cluster, type GlobalEgressIp, type ServiceExport } from "@isthmus/core/model";
import { allocateAddress, contains, isIp, NetError, parseCidr, parseIp, type IpAddress } from "@isthmus/core/net";

// Design notes (docs/adr/0206-global-addresses.md): a ClusterSetIP export of a cluster that
// holds a global block gets one address of that block, its global IP. The broker keeps it in the
// export record itself, so it is persisted and replicated with the record, comes back after a
// restart, stays as long as the export is republished and is free again once the export is gone
// (unexport or cluster removal). Agents never choose it: what they send is dropped. The block's
// first address (network) is never handed out and its second is held for the cluster's egress
// address (the gateway SNATs local pods to it). A Headless export's endpoints (its ready pods)
// get one address each the same way, held per pod address, so a pod keeps its global IP while
// it exists and frees it when it goes. A GlobalEgressIP resource of the cluster (its pods leave
// as that address instead of the egress address) gets one the same way, kept in the cluster
// record; the two kinds of holders never share an address. Pure.

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
 * Gives the slots of one call addresses of `blockText`: a slot keeps the address it holds
 * (`held`) when that is in the block and not one of `others` (addresses held by the other kind of
 * holder), else gets the lowest free one, never the block's egress address nor one of `others`
 * nor one another slot of `slots` keeps. A slot asked twice gets the same address. Returns
 * undefined once the block is full.
 */
function slotAllocator(
  blockText: string,
  options: { readonly held: ReadonlyMap<string, string>; readonly others: ReadonlySet<string>; readonly slots: readonly string[] },
): (slot: string) => string | undefined {
  const block = parseCidr(blockText);
  const keep = (slot: string): string | undefined => {
    const ip = options.held.get(slot);
    return ip !== undefined && contains(block, parseIp(ip)) && !options.others.has(ip) ? ip : undefined;
  };
  const taken = new Set([...options.others, ...options.slots.flatMap((slot) => keep(slot) ?? [])]);
  const reserved = [egressAddressOf(blockText)];
  const given = new Map<string, string>();
  let full = false;
  return (slot) => {
    let ip = given.get(slot) ?? keep(slot);
    if (ip === undefined && !full) {
      try {
        ip = allocateAddress(block, taken, { reserved }).toString();
        taken.add(ip);
      } catch (err) {
        if (!(err instanceof NetError && err.code === "Exhausted")) throw err;
        full = true;
      }
    }
    if (ip !== undefined) given.set(slot, ip);
    return ip;
  };
}

/** An export the broker gave fewer global IPs than it needs: its cluster's block is full. */
export interface Unaddressed {
  /** The export as sent (without global IPs): the catalog validates it like a stored one. */
  readonly input: Record<string, unknown>;
  readonly namespace: string;
  readonly name: string;
  /** The addresses it did not get: 1 for a ClusterSetIP export, the pods left out for a Headless one. */
  readonly missing: number;
  /** What happened and what to do, for the ServiceExport's condition (names the block and its size). */
  readonly message: string;
}

/** The export inputs with their global IPs, and those that did not get them all. */
export interface AddressedExports {
  /** What to store: every input but a ClusterSetIP export without an IP; a Headless one without its pods that got none. */
  readonly records: Record<string, unknown>[];
  readonly unaddressed: Unaddressed[];
}

/** Why an export got no (or not every) global IP, and what the operator can do. */
function fullBlockMessage(owner: string, block: string, what: string): string {
  const capacity = globalBlockCapacity(block);
  const bigger = Math.max(1, parseCidr(block).prefix - 2);
  return (
    `The global block ${block} of cluster "${owner}" is full: it holds ${String(capacity)} global ${capacity === 1 ? "IP" : "IPs"} ` +
    `for exports and headless pods (besides its network, egress and broadcast addresses) and all are in use; ${what}. ` +
    `Unexport a service of "${owner}", or give it a larger block (isthmus broker remove-cluster ${owner}, then isthmus join --global-cidr /${String(bigger)})`
  );
}

/**
 * The export inputs of `owner` with their global IPs: without a block, none (any sent is
 * dropped); with one, each ClusterSetIP export and each endpoint of a Headless export (keyed by
 * its pod's IPv4 address) keeps the IP it holds (`held`, by slot key) when it is in the block,
 * else gets the lowest free one, in input order. When the block has no address left, a
 * ClusterSetIP export is left out and a Headless one keeps only its pods that got one; both are
 * listed in `unaddressed`. Held addresses are never taken away, so the exports that fit go on
 * working. Pure.
 */
export function withGlobalIps(
  owner: string,
  inputs: readonly Record<string, unknown>[],
  options: {
    readonly block: string | undefined;
    readonly held: ReadonlyMap<string, string>;
    readonly keyOf: (input: Record<string, unknown>) => string;
    /** Addresses of the block held by others (never given, never kept). */
    readonly reserved?: readonly string[];
  },
): AddressedExports {
  const stripped = inputs.map(strip);
  const { block: blockText } = options;
  if (blockText === undefined) return { records: stripped, unaddressed: [] };
  const slotsOf = (input: Record<string, unknown>): string[] => {
    if (input.type === "ClusterSetIP") return [options.keyOf(input)];
    if (input.type !== "Headless" || !Array.isArray(input.endpoints)) return [];
    return input.endpoints.flatMap((e: unknown) => {
      const pod = podAddressOf(e);
      return pod === undefined ? [] : [endpointSlotKey(options.keyOf(input), pod)];
    });
  };
  const give = slotAllocator(blockText, { held: options.held, others: new Set(options.reserved ?? []), slots: stripped.flatMap(slotsOf) });
  const records: Record<string, unknown>[] = [];
  const unaddressed: Unaddressed[] = [];
  const name = (input: Record<string, unknown>): { namespace: string; name: string } => ({ namespace: String(input.namespace), name: String(input.name) });
  for (const input of stripped) {
    if (input.type === "ClusterSetIP") {
      const globalIp = give(options.keyOf(input));
      if (globalIp !== undefined) records.push({ ...input, globalIp });
      else unaddressed.push({ input, ...name(input), missing: 1, message: fullBlockMessage(owner, blockText, "the export got none, so it is not published to the clusterset") });
      continue;
    }
    if (input.type !== "Headless" || !Array.isArray(input.endpoints)) {
      records.push(input);
      continue;
    }
    const key = options.keyOf(input);
    const endpoints = input.endpoints.flatMap((e: unknown) => {
      const pod = podAddressOf(e);
      if (pod === undefined) return [e];
      const globalIp = give(endpointSlotKey(key, pod));
      return globalIp === undefined ? [] : [{ ...(e as Record<string, unknown>), globalIp }];
    });
    records.push({ ...input, endpoints });
    const missing = input.endpoints.length - endpoints.length;
    if (missing > 0) {
      const what = `${String(missing)} of the export's ${String(input.endpoints.length)} pods got none, so ${missing === 1 ? "it is" : "they are"} left out of the clusterset`;
      unaddressed.push({ input, ...name(input), missing, message: fullBlockMessage(owner, blockText, what) });
    }
  }
  return { records, unaddressed };
}

/** The key a GlobalEgressIP's address is held under: its namespace and name. */
export const egressSlotKey = (entry: { readonly namespace: string; readonly name: string }): string => `${entry.namespace}/${entry.name}`;

/** The addresses a cluster's GlobalEgressIPs hold, by {@link egressSlotKey}. */
export function heldEgressIps(cluster: Pick<Cluster, "globalEgress"> | undefined): Map<string, string> {
  return new Map((cluster?.globalEgress ?? []).flatMap((g) => (g.globalIp === undefined ? [] : [[egressSlotKey(g), g.globalIp] as const])));
}

/**
 * The GlobalEgressIPs `requests` of a cluster with their addresses, sorted by namespace and
 * name: without a block, none; with one, each keeps the address it holds (`held`) when that is in
 * the block and not `taken` (the addresses of the cluster's exports), else gets the lowest free
 * one (never the cluster's egress address). A full block leaves an entry without an address
 * instead of refusing: the cluster record carries the CIDRs and the block too, which must still
 * be published; the gateway reports it on the resource. Pure.
 */
export function withGlobalEgressIps(
  requests: readonly { readonly namespace: string; readonly name: string }[],
  options: { readonly block: string | undefined; readonly held: ReadonlyMap<string, string>; readonly taken: ReadonlySet<string> },
): GlobalEgressIp[] {
  const sorted = [...requests].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  if (options.block === undefined) return sorted.map((r) => ({ namespace: r.namespace, name: r.name }));
  const give = slotAllocator(options.block, { held: options.held, others: options.taken, slots: sorted.map(egressSlotKey) });
  return sorted.map((r) => {
    // A full block leaves the entry without an address; the next publish tries again.
    const ip = give(egressSlotKey(r));
    return ip === undefined ? { namespace: r.namespace, name: r.name } : { namespace: r.namespace, name: r.name, globalIp: ip };
  });
}
