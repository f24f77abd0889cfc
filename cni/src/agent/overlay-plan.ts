/*
 * Design notes: the VXLAN overlay without learning (flannel's "vxlan" backend, done level-based).
 *
 * Every node owns a podCIDR P. Its VXLAN device `isthmus.1` carries P's network address (P.0/32)
 * and a MAC derived from the node's underlay IPv4 address, so no node has to publish its MAC:
 * every other node computes it. For each other node Q the kernel gets three permanent entries:
 *   - route  Q.podCIDR via Q.0 dev isthmus.1 onlink
 *   - neigh  Q.0 lladdr mac(Q.ip) dev isthmus.1 nud permanent   (no ARP over the overlay)
 *   - fdb    mac(Q.ip) dev isthmus.1 dst Q.ip self permanent     (no flooding, no learning)
 * This module is pure: it turns the observed entries and the desired peers into two batch
 * scripts (`ip -batch`, `bridge -batch`) that change only what differs: an entry that is right
 * is never touched, so a restarted agent adopts the kernel state without flapping a route.
 */
import { type Cidr, ipToBytes, type IpAddress } from "@isthmus/core";

/** What the agent knows about one node from the API. */
export interface OverlayNode {
  readonly name: string;
  /** spec.podCIDR. */
  readonly podCidr: Cidr;
  /** The InternalIP the VXLAN packets go to. */
  readonly nodeIp: IpAddress;
}

/** The overlay entries currently on `isthmus.1` (as read from `ip -j`/`bridge -j`). */
export interface OverlayEntries {
  /** dst CIDR -> gateway. */
  readonly routes: ReadonlyMap<string, string>;
  /** neighbour IP -> lladdr (permanent entries only). */
  readonly neighbours: ReadonlyMap<string, string>;
  /** MAC -> underlay destination IP. */
  readonly fdb: ReadonlyMap<string, string>;
}

/** The scripts that make the kernel match the desired peers; empty strings when nothing differs. */
export interface OverlayPlan {
  readonly ipScript: string;
  readonly bridgeScript: string;
  /** Human-readable summary of each change, for the log. */
  readonly changes: readonly string[];
}

/** The VTEP MAC of a node: 0a:15 followed by its IPv4 underlay address. */
export function vtepMac(nodeIp: IpAddress): string {
  return ["0a", "15", ...Array.from(ipToBytes(nodeIp).slice(-4), (b) => b.toString(16).padStart(2, "0"))].join(":");
}

/** Builds the scripts for `peers` (every node but this one, with a podCIDR) against `current`. */
export function planOverlay(device: string, current: OverlayEntries, peers: readonly OverlayNode[]): OverlayPlan {
  const ipLines: string[] = [];
  const bridgeLines: string[] = [];
  const changes: string[] = [];
  const want = {
    routes: new Map(peers.map((p) => [p.podCidr.toString(), p.podCidr.network.toString()])),
    neighbours: new Map(peers.map((p) => [p.podCidr.network.toString(), vtepMac(p.nodeIp)])),
    fdb: new Map(peers.map((p) => [vtepMac(p.nodeIp), p.nodeIp.toString()])),
  };
  // Order matters for adds: neighbour and FDB before the route that uses them; removals the reverse.
  for (const [ip, mac] of want.neighbours) {
    if (current.neighbours.get(ip) === mac) continue;
    ipLines.push(`neigh replace ${ip} lladdr ${mac} dev ${device} nud permanent`);
    changes.push(`neighbour ${ip} -> ${mac}`);
  }
  for (const [mac, dst] of want.fdb) {
    if (current.fdb.get(mac) === dst) continue;
    bridgeLines.push(`fdb replace ${mac} dev ${device} dst ${dst} self permanent`);
    changes.push(`fdb ${mac} -> ${dst}`);
  }
  const routeLines: string[] = [];
  for (const [dst, via] of want.routes) {
    if (current.routes.get(dst) === via) continue;
    routeLines.push(`route replace ${dst} via ${via} dev ${device} onlink`);
    changes.push(`route ${dst} via ${via}`);
  }
  const removals: string[] = [];
  for (const dst of current.routes.keys()) {
    if (want.routes.has(dst)) continue;
    removals.push(`route del ${dst} dev ${device}`);
    changes.push(`remove route ${dst}`);
  }
  for (const ip of current.neighbours.keys()) {
    if (want.neighbours.has(ip)) continue;
    removals.push(`neigh del ${ip} dev ${device}`);
    changes.push(`remove neighbour ${ip}`);
  }
  for (const [mac, dst] of current.fdb) {
    if (want.fdb.has(mac)) continue;
    bridgeLines.push(`fdb del ${mac} dev ${device} dst ${dst} self`);
    changes.push(`remove fdb ${mac}`);
  }
  const lines = [...ipLines, ...routeLines, ...removals];
  return { ipScript: lines.map((l) => `${l}\n`).join(""), bridgeScript: bridgeLines.map((l) => `${l}\n`).join(""), changes };
}
