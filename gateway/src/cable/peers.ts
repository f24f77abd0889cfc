import { type Cidr, NetError, overlaps, parseCidr, parseIp } from "@isthmus/core/net";
import type { CablePeer } from "./driver.js";
import { CableError } from "./errors.js";

function invalid(message: string, cause?: unknown): never {
  throw new CableError("InvalidPeer", message, cause === undefined ? undefined : { cause });
}

function parseOrInvalid<T>(parse: () => T, what: string): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof NetError) invalid(`${what}: ${err.message}`, err);
    throw err;
  }
}

/**
 * Validates a whole desired peer set before anything is programmed: one peer per cluster, valid
 * addresses, ports and CIDRs, and no CIDR (or tunnel address) claimed by two clusters — routing
 * could not tell them apart. Throws CableError "InvalidPeer" naming the first problem.
 */
export function checkPeers(peers: readonly CablePeer[], driver: string): void {
  const seen = new Set<string>();
  const claimed: { cidr: Cidr; clusterId: string }[] = [];
  for (const peer of peers) {
    const where = `Cannot sync ${driver} peer "${peer.clusterId}"`;
    if (seen.has(peer.clusterId)) invalid(`${where}: the cluster appears twice`);
    seen.add(peer.clusterId);
    parseOrInvalid(() => parseIp(peer.remoteIp), `${where}: remote IP`);
    const tunnel = parseOrInvalid(() => parseIp(peer.tunnelIp), `${where}: tunnel IP`);
    if (!Number.isInteger(peer.port) || peer.port < 1 || peer.port > 65535) invalid(`${where}: port ${peer.port} is not in 1..65535`);
    const cidrs = peer.cidrs.map((text) => parseOrInvalid(() => parseCidr(text), `${where}: CIDR`));
    cidrs.push(parseCidr(`${tunnel.toString()}/${tunnel.family === 4 ? 32 : 128}`));
    for (const cidr of cidrs) {
      const other = claimed.find((c) => c.clusterId !== peer.clusterId && overlaps(c.cidr, cidr));
      if (other !== undefined) invalid(`${where}: ${cidr.toString()} overlaps ${other.cidr.toString()} of cluster "${other.clusterId}"`);
    }
    claimed.push(...cidrs.map((cidr) => ({ cidr, clusterId: peer.clusterId })));
  }
}

/** The peer's tunnel address as a canonical host CIDR. */
export function tunnelHostCidr(peer: CablePeer): string {
  const tunnel = parseIp(peer.tunnelIp);
  return parseCidr(`${tunnel.toString()}/${tunnel.family === 4 ? 32 : 128}`).toString();
}

/** The destinations the kernel routes to a peer: all of {@link peerDestinations}, or only its tunnel address when `routed` is false. */
export function routedDestinations(peer: CablePeer): string[] {
  return peer.routed === false ? [tunnelHostCidr(peer)] : peerDestinations(peer);
}

/** The destinations of a peer (tunnel allowed IPs): its CIDRs plus its tunnel address as a host route, canonical. */
export function peerDestinations(peer: CablePeer): string[] {
  const tunnel = parseIp(peer.tunnelIp);
  const host = parseCidr(`${tunnel.toString()}/${tunnel.family === 4 ? 32 : 128}`).toString();
  const cidrs = peer.cidrs.map((c) => parseCidr(c).toString());
  return [...new Set([...cidrs, host])].sort();
}
