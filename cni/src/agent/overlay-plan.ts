/*
 * Design notes: routes to the other nodes' podCIDRs — direct where the underlay allows it, the
 * VXLAN overlay without learning everywhere else (flannel's "vxlan" backend with DirectRouting,
 * Calico's CrossSubnet, done level-based).
 *
 * Every node owns a podCIDR P. Its VXLAN device `isthmus.1` carries P's network address (P.0/32)
 * and a MAC derived from the node's underlay IPv4 address, so no node has to publish its MAC:
 * every other node computes it. For each other node Q reached over VXLAN the kernel gets three
 * permanent entries:
 *   - route  Q.podCIDR via Q.0 dev isthmus.1 onlink proto 148
 *   - neigh  Q.0 lladdr mac(Q.ip) dev isthmus.1 nud permanent   (no ARP over the overlay)
 *   - fdb    mac(Q.ip) dev isthmus.1 dst Q.ip self permanent     (no flooding, no learning)
 * For each other node Q reached directly (mode "cross-subnet" and Q.ip inside the prefix of an
 * address on this node's underlay device: one L2 segment, docs/adr/0405) only a route:
 *   - route  Q.podCIDR via Q.ip dev <underlay> proto 148
 * A route is keyed by its destination, so moving a node between the two kinds is one
 * `ip route replace` (atomic, no gap); the neighbour and FDB entries a VXLAN route needs are
 * written before it and removed only after the route no longer uses them.
 * This module is pure: it turns the observed entries and the desired routes into three batch
 * scripts that change only what differs: an entry that is right is never touched, so a
 * restarted agent adopts the kernel state without flapping a route.
 */
import { defaults } from "@isthmus/core/constants";
import { type Cidr, ipToBytes, type IpAddress, isOnLink } from "@isthmus/core/net";

/** What the agent knows about one node from the API. */
export interface OverlayNode {
  readonly name: string;
  /** spec.podCIDR. */
  readonly podCidr: Cidr;
  /** The InternalIP the VXLAN packets (or the directly routed pod packets) go to. */
  readonly nodeIp: IpAddress;
}

/** The values of {@link VxlanMode}, for parsing and messages. */
export const vxlanModes = ["always", "cross-subnet"] as const;

/**
 * How other nodes' podCIDRs are reached: `always` over VXLAN (the default), or `cross-subnet`:
 * directly via the node's address when it shares a subnet with this node's underlay device,
 * over VXLAN otherwise.
 */
export type VxlanMode = (typeof vxlanModes)[number];

/** The MTUs of one node: its pods' (and bridge's) and the VXLAN device's. */
export interface NodeMtus {
  /** Pod interfaces and `isthmus0`. */
  readonly pod: number;
  /** `isthmus.1`: underlay − VXLAN overhead. */
  readonly vxlan: number;
}

/**
 * The MTUs for a mode (docs/adr/0405). `always`: every peer is behind VXLAN, so pods get the
 * VXLAN MTU and nothing is ever too big. `cross-subnet`: pods get the underlay's MTU, so the
 * direct path runs at full size; a packet for a peer behind VXLAN that does not fit is the node's
 * to handle like any router's — TCP SYNs into `isthmus.1` are MSS-clamped (nat.ts), a DF packet
 * gets "fragmentation needed" back, anything else is fragmented.
 */
export function nodeMtus(underlayMtu: number, mode: VxlanMode): NodeMtus {
  const vxlan = underlayMtu - defaults.vxlanOverhead;
  return { pod: mode === "cross-subnet" ? underlayMtu : vxlan, vxlan };
}

/** A route to a podCIDR as the kernel holds it. */
export interface PeerRoute {
  readonly via: string;
  readonly dev: string;
}

/** The entries of ours currently in the kernel (as read from `ip -j`/`bridge -j`). */
export interface OverlayEntries {
  /** dst CIDR -> gateway and device (routes on `isthmus.1` and routes of `defaults.cniRouteProtocol`). */
  readonly routes: ReadonlyMap<string, PeerRoute>;
  /** neighbour IP -> lladdr (permanent entries of `isthmus.1` only). */
  readonly neighbours: ReadonlyMap<string, string>;
  /** MAC -> underlay destination IP (FDB of `isthmus.1`). */
  readonly fdb: ReadonlyMap<string, string>;
}

/** The other nodes split by how they are reached. */
export interface PeerRouting {
  readonly vxlan: readonly OverlayNode[];
  readonly direct: readonly OverlayNode[];
}

/** The devices routes go out of. */
export interface RouteDevices {
  /** The VXLAN device (`isthmus.1`). */
  readonly vxlan: string;
  /** The underlay device (the one holding this node's InternalIP). */
  readonly underlay: string;
}

/** The scripts that make the kernel match; empty strings when nothing differs. Run in this order. */
export interface OverlayPlan {
  /** `bridge -batch`: FDB entries to add or re-point (before the routes that use them). */
  readonly fdbScript: string;
  /** `ip -batch`: neighbours, route replacements, then removals of routes and neighbours. */
  readonly ipScript: string;
  /** `bridge -batch`: FDB entries to remove (after the routes that used them are gone). */
  readonly fdbRemoveScript: string;
  /** Human-readable summary of each change, for the log. */
  readonly changes: readonly string[];
}

/** The VTEP MAC of a node: 0a:15 followed by its IPv4 underlay address. */
export function vtepMac(nodeIp: IpAddress): string {
  return ["0a", "15", ...Array.from(ipToBytes(nodeIp).slice(-4), (b) => b.toString(16).padStart(2, "0"))].join(":");
}

/**
 * Splits `peers` by how they are reached. In `cross-subnet` mode a peer is direct when its
 * InternalIP lies inside `underlaySubnets` (the prefixes of the IPv4 addresses on this node's
 * underlay device, i.e. the same L2 segment); everything else, and every peer in `always` mode,
 * goes over VXLAN.
 */
export function routePeers(peers: readonly OverlayNode[], options: { readonly mode: VxlanMode; readonly underlaySubnets: readonly Cidr[] }): PeerRouting {
  if (options.mode === "always") return { vxlan: peers, direct: [] };
  const isDirect = (p: OverlayNode): boolean => isOnLink(p.nodeIp, options.underlaySubnets);
  return { vxlan: peers.filter((p) => !isDirect(p)), direct: peers.filter(isDirect) };
}

const lines = (list: readonly string[]): string => list.map((l) => `${l}\n`).join("");

function wantedRoutes(routing: PeerRouting, devices: RouteDevices): Map<string, PeerRoute> {
  return new Map([
    ...routing.vxlan.map((p): [string, PeerRoute] => [p.podCidr.toString(), { via: p.podCidr.network.toString(), dev: devices.vxlan }]),
    ...routing.direct.map((p): [string, PeerRoute] => [p.podCidr.toString(), { via: p.nodeIp.toString(), dev: devices.underlay }]),
  ]);
}

/** Builds the scripts that bring `current` to `routing`. */
export function planOverlay(current: OverlayEntries, options: { readonly routing: PeerRouting; readonly devices: RouteDevices }): OverlayPlan {
  const { routing, devices } = options;
  const changes: string[] = [];
  const neighbours = new Map(routing.vxlan.map((p) => [p.podCidr.network.toString(), vtepMac(p.nodeIp)]));
  const fdb = new Map(routing.vxlan.map((p) => [vtepMac(p.nodeIp), p.nodeIp.toString()]));
  const routes = wantedRoutes(routing, devices);
  const fdbAdds: string[] = [];
  const ipLines: string[] = [];
  for (const [ip, mac] of neighbours) {
    if (current.neighbours.get(ip) === mac) continue;
    ipLines.push(`neigh replace ${ip} lladdr ${mac} dev ${devices.vxlan} nud permanent`);
    changes.push(`neighbour ${ip} -> ${mac}`);
  }
  for (const [mac, dst] of fdb) {
    if (current.fdb.get(mac) === dst) continue;
    fdbAdds.push(`fdb replace ${mac} dev ${devices.vxlan} dst ${dst} self permanent`);
    changes.push(`fdb ${mac} -> ${dst}`);
  }
  for (const [dst, want] of routes) {
    const have = current.routes.get(dst);
    if (have?.via === want.via && have.dev === want.dev) continue;
    const onlink = want.dev === devices.vxlan ? " onlink" : "";
    ipLines.push(`route replace ${dst} via ${want.via} dev ${want.dev}${onlink} proto ${String(defaults.cniRouteProtocol)}`);
    changes.push(`route ${dst} via ${want.via} dev ${want.dev}`);
  }
  for (const [dst, have] of current.routes) {
    if (routes.has(dst)) continue;
    ipLines.push(`route del ${dst} via ${have.via} dev ${have.dev}`);
    changes.push(`remove route ${dst}`);
  }
  for (const ip of current.neighbours.keys()) {
    if (neighbours.has(ip)) continue;
    ipLines.push(`neigh del ${ip} dev ${devices.vxlan}`);
    changes.push(`remove neighbour ${ip}`);
  }
  const fdbRemoves: string[] = [];
  for (const [mac, dst] of current.fdb) {
    if (fdb.has(mac)) continue;
    fdbRemoves.push(`fdb del ${mac} dev ${devices.vxlan} dst ${dst} self`);
    changes.push(`remove fdb ${mac}`);
  }
  return { fdbScript: lines(fdbAdds), ipScript: lines(ipLines), fdbRemoveScript: lines(fdbRemoves), changes };
}
