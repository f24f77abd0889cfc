/*
 * Design notes: what the kernel holds for the egress gateway on one node (pure; ADR 0407).
 *
 * Pod node (the pod is here, the active egress node is another):
 *   - nft table `ip isthmus-egress`, chain `steer` (prerouting, mangle): a packet from a steered
 *     pod IP to one of the resource's destinations, not to the cluster's own CIDRs, gets mark
 *     `index << 16` (bits 16-23; kube-proxy's bits 14 and 15 are left alone).
 *   - ip rules: `pref 1040 fwmark M/0xff0000 lookup main suppress_prefixlength 0` (every route of
 *     the main table more specific than the default wins: the cluster's podCIDRs, the
 *     clusterset's CIDRs the route agent routes, the node's own subnets, so cross-cluster traffic
 *     keeps its pod IP), then `pref 1041 fwmark M/0xff0000 lookup 7100+index`, a table whose only
 *     route is `default via <active node> proto 148` over the overlay (`isthmus.1`, onlink to the
 *     node's VTEP address) or, with `--vxlan-mode cross-subnet` and the node on this node's
 *     segment, directly to its InternalIP.
 *   - the mark is saved in the connection's mark and put back on its replies, and the next hop's
 *     device gets `src_valid_mark=1`: the reverse-path check of a reply (from an outside address,
 *     arriving over the overlay) then looks up the same rules and finds the same device, so a
 *     strict `rp_filter` passes it.
 *   - chain `nat` (postrouting, srcnat - 10): a steered packet routed to the next hop of any of
 *     the resource's candidates gets an identity SNAT, so the masquerade of `ip isthmus-node`
 *     (srcnat + 10) leaves it alone and the egress node sees the pod's own address. Any
 *     candidate's, not the active one's alone: a failover then changes the route and not the
 *     table, and no packet routed between the two changes is masqueraded to this node's overlay
 *     address (seen once: it left through the old egress node without its SNAT).
 * Egress node (active): chain `nat` SNATs packets from the resource's pod IPs (every node's) to
 *   its destinations that leave through an interface that is not the project's own (see
 *   `outward`) to the egress IP; replies are un-NATed by conntrack and routed back to the pod over the overlay.
 *   An egress IP `A/len` that is not the node's own is added as `A/32` to that interface and
 *   recorded in the set `addresses` before it is added, so a restarted agent knows which
 *   addresses are its own to remove.
 * ARP guard (table `arp isthmus-egress`, on a node that holds an extra address of ours): when
 *   another host announces an address this node serves (an ARP frame with that sender address
 *   arrives: the standby took it over), the kernel itself records it in set `taken` and from then
 *   on drops every ARP frame of its own from that address (replies, requests). A node whose agent
 *   was killed keeps the address in its kernel and would go on answering for it, so the
 *   segment's router could be moved back to it; this stops it with no agent on that node. A
 *   claim is forgotten only when this node announces the address itself (`clearClaimsScript`,
 *   in the write before the announcement, apply.ts). arping's own announcements do not pass the
 *   arp hooks (they leave through a packet socket).
 * Counters `tx_<name>`/`rx_<name>` (forward, on the egress node) count the bytes and packets
 * through each egress. The table is flushed and refilled in one transaction: named counters
 * survive (`flush table` empties the chains, every set is flushed on its own before it is
 * refilled), objects of resources that are gone are deleted in the same transaction.
 */
import { defaults } from "@isthmus/core/constants";
import type { GatewayProgram } from "./types.js";

/** The nftables table (family ip). */
export const egressTable = "isthmus-egress";
/** The ip rule priorities of the steering: the main table without its default, then the per-resource table. */
export const rulePriorities = { main: 1040, steer: 1041 } as const;
/** The routing table of program `index` is this plus the index. */
export const tableBase = 7100;
/** The mark bits of the steering. */
export const markMask = 0x00ff0000;

/** The mark of program `index` (1..255). */
export function markOf(index: number): number {
  return (index << 16) >>> 0;
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, "0")}`;

/** A routing decision of one program: where its steered traffic goes. */
export interface NextHop {
  readonly via: string;
  readonly dev: string;
  /** `onlink`: the VTEP address of the overlay is not on any local subnet. */
  readonly onlink: boolean;
}

/** A node's program together with where it routes and which interface egresses. */
export interface ProgramRoute {
  readonly program: GatewayProgram;
  /** On a pod node: the next hop to the active node. */
  readonly nextHop?: NextHop;
  /** On a pod node: the next hops of every candidate (`nextHop`'s among them), which the identity SNAT matches. */
  readonly candidateHops?: readonly string[];
}

/** Everything the renderer needs. */
export interface EgressRenderInput {
  readonly programs: readonly ProgramRoute[];
  /** The cluster's own CIDRs (every podCIDR, the service CIDR): never steered, never SNATed. */
  readonly clusterCidrs: readonly string[];
  /** Extra addresses to record as ours (wanted plus any still to be removed); the ARP guard exists while there is one. */
  readonly addresses: readonly string[];
  /** Extra addresses this node serves now (the ARP guard's set `served`). */
  readonly served: readonly string[];
}

/** Objects of the table in the kernel, by kind (what a replacement must delete when unused). */
export interface ExistingEgressObjects {
  readonly sets: readonly string[];
  readonly counters: readonly string[];
}

/** The object-name part of a resource name (Kubernetes names have no `_`, so `.` → `_` is unique). */
export function objectName(name: string): string {
  return name.replaceAll(".", "_");
}

/** The object-name part of a program: its resource's, and with `hash` on a steering node `__` and its egress node's. */
export function programObject(program: Pick<GatewayProgram, "name" | "part">): string {
  return program.part === undefined ? objectName(program.name) : `${objectName(program.name)}__${objectName(program.part)}`;
}

/** The counters of a program: transmitted (pod → outside) and received (replies). */
export function counterNames(name: string): { readonly tx: string; readonly rx: string } {
  return { tx: `tx_${objectName(name)}`, rx: `rx_${objectName(name)}` };
}

/**
 * Matches an interface that is not one of the project's own: not `isthmus0`, `isthmus.1` (the
 * pod network), the gateway's cable devices (`isthmus-wg`, `isthmus-vxlan`) or the route agent's
 * `vx-isthmus`. The egress node SNATs what leaves through any other interface — the one holding
 * its InternalIP or, on a multi-homed node (the lab's gateway nodes have a WAN interface), any
 * other — and never what goes to other nodes' pods or to other clusters.
 */
function outward(key: "oifname" | "iifname"): string {
  return `${key} != "isthmus*" ${key} != "${defaults.routeAgentDevice}"`;
}

/** The `nft -f` script that makes the table exactly `input` in one transaction. */
export function renderEgressScript(input: EgressRenderInput, existing: ExistingEgressObjects): string {
  const t = `ip ${egressTable}`;
  const lines = [
    `add table ${t}`,
    `flush table ${t}`,
    `add set ${t} cluster { type ipv4_addr; flags interval; auto-merge; }`,
    `flush set ${t} cluster`,
    `add set ${t} addresses { type ipv4_addr; }`,
    `flush set ${t} addresses`,
    `add chain ${t} steer { type filter hook prerouting priority mangle; policy accept; }`,
    `add chain ${t} nat { type nat hook postrouting priority srcnat - 10; policy accept; }`,
    `add chain ${t} count { type filter hook forward priority filter - 10; policy accept; }`,
  ];
  if (input.clusterCidrs.length > 0) lines.push(`add element ${t} cluster { ${input.clusterCidrs.join(", ")} }`);
  if (input.addresses.length > 0) lines.push(`add element ${t} addresses { ${input.addresses.join(", ")} }`);
  const wantSets = new Set(["cluster", "addresses"]);
  const wantCounters = new Set<string>();
  for (const { program: p, nextHop, candidateHops } of input.programs) {
    const o = programObject(p);
    const dst = `d_${o}`;
    wantSets.add(dst);
    lines.push(`add set ${t} ${dst} { type ipv4_addr; flags interval; auto-merge; }`, `flush set ${t} ${dst}`, `add element ${t} ${dst} { ${p.destinations.join(", ")} }`);
    if (p.steer.length > 0 && nextHop !== undefined) {
      const hops = [...new Set([nextHop.via, ...(candidateHops ?? [])])].sort();
      const steer = `s_${o}`;
      const mark = hex(markOf(p.index));
      wantSets.add(steer);
      lines.push(
        `add set ${t} ${steer} { type ipv4_addr; }`,
        `flush set ${t} ${steer}`,
        `add element ${t} ${steer} { ${p.steer.join(", ")} }`,
        `add rule ${t} steer ip saddr @${steer} ip daddr @${dst} ip daddr != @cluster meta mark set meta mark & ${hex(~markMask >>> 0)} | ${mark} ct mark set ct mark & ${hex(~markMask >>> 0)} | ${mark}`,
        `add rule ${t} steer ct direction reply ct mark & ${hex(markMask)} == ${mark} meta mark set meta mark & ${hex(~markMask >>> 0)} | ${mark}`,
        `add rule ${t} nat meta mark & ${hex(markMask)} == ${mark} rt ip nexthop ${hops.length === 1 ? hops[0] ?? "" : `{ ${hops.join(", ")} }`} snat ip to ip saddr`,
      );
    }
    if (p.serving) {
      const snat = `n_${o}`;
      const { tx, rx } = counterNames(p.name);
      wantSets.add(snat);
      wantCounters.add(tx).add(rx);
      lines.push(
        `add set ${t} ${snat} { type ipv4_addr; }`,
        `flush set ${t} ${snat}`,
        ...(p.snat.length > 0 ? [`add element ${t} ${snat} { ${p.snat.join(", ")} }`] : []),
        `add counter ${t} ${tx}`,
        `add counter ${t} ${rx}`,
        `add rule ${t} nat ip saddr @${snat} ip daddr @${dst} ip daddr != @cluster ${outward("oifname")} snat ip to ${p.egressIp}`,
        `add rule ${t} count ip saddr @${snat} ip daddr @${dst} ip daddr != @cluster ${outward("oifname")} counter name ${tx}`,
        `add rule ${t} count ip daddr @${snat} ip saddr @${dst} ip saddr != @cluster ${outward("iifname")} counter name ${rx}`,
      );
    }
  }
  for (const set of existing.sets) if (!wantSets.has(set)) lines.push(`delete set ${t} ${set}`);
  for (const counter of existing.counters) if (!wantCounters.has(counter)) lines.push(`delete counter ${t} ${counter}`);
  lines.push(...arpGuardLines(input));
  return lines.map((l) => `${l}\n`).join("");
}

/**
 * The ARP guard (see the design notes) while the node holds an extra address of ours, else its
 * deletion. Set `taken`, which the kernel fills, is kept: only {@link clearClaimsScript} empties it.
 */
function arpGuardLines(input: Pick<EgressRenderInput, "addresses" | "served">): string[] {
  const a = `arp ${egressTable}`;
  if (input.addresses.length === 0) return [`add table ${a}`, `delete table ${a}`];
  return [
    `add table ${a}`,
    `add set ${a} served { type ipv4_addr; }`,
    `flush set ${a} served`,
    ...(input.served.length > 0 ? [`add element ${a} served { ${input.served.join(", ")} }`] : []),
    `add set ${a} taken { type ipv4_addr; flags dynamic; }`,
    `add chain ${a} in { type filter hook input priority filter; policy accept; }`,
    `flush chain ${a} in`,
    `add rule ${a} in arp saddr ip @served update @taken { arp saddr ip }`,
    `add chain ${a} out { type filter hook output priority filter; policy accept; }`,
    `flush chain ${a} out`,
    `add rule ${a} out arp saddr ip @taken drop`,
  ];
}

/**
 * Lines for the end of a write that precedes announcing `addresses`: another node's claim on them
 * is forgotten, so this node's kernel answers for them again (added first: deleting an element
 * that is not there would fail the whole transaction). Needs the guard in the same script.
 */
export function clearClaimsScript(addresses: readonly string[]): string {
  if (addresses.length === 0) return "";
  const a = `arp ${egressTable}`;
  return [`add element ${a} taken { ${addresses.join(", ")} }`, `delete element ${a} taken { ${addresses.join(", ")} }`].map((l) => `${l}\n`).join("");
}

/** The `nft -f` script that forgets extra addresses removed from the node, and with `lastOnes` deletes the ARP guard too. */
export function forgetAddressesScript(addresses: readonly string[], lastOnes: boolean): string {
  return [`delete element ip ${egressTable} addresses { ${addresses.join(", ")} }`, ...(lastOnes ? arpGuardLines({ addresses: [], served: [] }) : [])].map((l) => `${l}\n`).join("");
}

/** The `nft -f` script that removes everything of the egress gateway from nft (the ip table must exist). */
export function deleteEgressScript(): string {
  return [`delete table ip ${egressTable}`, ...arpGuardLines({ addresses: [], served: [] })].map((l) => `${l}\n`).join("");
}

/** An ip rule of the steering as `ip rule add` arguments, keyed for comparison. */
export interface SteerRule {
  readonly priority: number;
  /** The fwmark value (mask {@link markMask}). */
  readonly mark: number;
  /** "main" (with suppress_prefixlength 0) or the program's table number. */
  readonly table: "main" | number;
}

/** The rules the programs with a next hop need. */
export function steerRules(programs: readonly ProgramRoute[]): SteerRule[] {
  return programs.filter((p) => p.nextHop !== undefined && p.program.steer.length > 0).flatMap(({ program }) => [
    { priority: rulePriorities.main, mark: markOf(program.index), table: "main" as const },
    { priority: rulePriorities.steer, mark: markOf(program.index), table: tableBase + program.index },
  ]);
}

/** The arguments after `ip rule add|del` for `rule`. */
export function ruleArgs(rule: SteerRule): string[] {
  const base = ["priority", String(rule.priority), "fwmark", `${hex(rule.mark)}/${hex(markMask)}`];
  return rule.table === "main" ? [...base, "lookup", "main", "suppress_prefixlength", "0"] : [...base, "lookup", String(rule.table)];
}

/** The arguments after `ip route replace` for the default route of a program's table. */
export function routeArgs(index: number, hop: NextHop): string[] {
  return ["default", "via", hop.via, "dev", hop.dev, ...(hop.onlink ? ["onlink"] : []), "table", String(tableBase + index), "proto", String(defaults.cniRouteProtocol)];
}
