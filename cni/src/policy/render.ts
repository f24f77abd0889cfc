/*
 * Design notes: the nftables table of the policy ruleset (ADR 0406).
 *
 *   table inet isthmus-policy
 *     chain forward (hook forward, priority filter, policy accept)
 *       ct state established,related accept        replies and related ICMP
 *       meta nfproto ipv4 jump egress             the source pod's egress policy
 *       meta nfproto ipv4 jump ingress            the destination pod's ingress policy
 *     chain egress   ip saddr != @egress_isolated return
 *                    ip saddr . ip daddr . meta l4proto . th dport @egress_ports return
 *                    ip saddr . ip daddr @egress_any return
 *                    ip saddr vmap @egress_drop   (jump to a drop chain that counts)
 *                    drop
 *     chain ingress  the same with daddr first
 *     chain drop_<h> counter name <policy counter> ...; drop
 *
 * A lookup per packet and direction whatever the number of policies: the sets are keyed by pod
 * IP (interval sets of concatenations, "pipapo" in the kernel). Only forwarded packets pass the
 * forward hook: traffic between a pod and its own node (kubelet probes, hostNetwork pods) goes
 * through input/output and is always allowed, as the NetworkPolicy docs ask; same-node pod to
 * pod traffic is bridged on isthmus0 and reaches the forward hook through br_netfilter
 * (net.bridge.bridge-nf-call-iptables=1, set by the applier).
 *
 * The script is one `nft -f` transaction that adds what is missing, flushes every chain and
 * set of ours and fills them again, then deletes drop chains and counters no longer wanted: the
 * kernel switches from the old ruleset to the new one at once, and counters that stay keep
 * their values.
 */
import { formatIpv4, type Range } from "./ranges.js";
import { type Direction, directions, type PolicyRuleset } from "./compile.js";

/** The family and name of the policy table. */
export const policyTable = "inet isthmus-policy";

/** The objects of ours found in the kernel (read before rendering). */
export interface ExistingObjects {
  readonly chains: readonly string[];
  readonly counters: readonly string[];
}

const setNames = (d: Direction): { isolated: string; ports: string; any: string; drop: string } => ({
  isolated: `${d}_isolated`,
  ports: `${d}_ports`,
  any: `${d}_any`,
  drop: `${d}_drop`,
});

/** Chains whose names the renderer owns besides the drop chains. */
export const fixedChains: readonly string[] = ["forward", "egress", "ingress"];

/** True for a chain name of ours that renderPolicyScript may delete (a drop chain). */
export function isDropChain(name: string): boolean {
  return /^drop_[0-9a-f]{16}$/.test(name);
}

function range(r: Range, format: (n: number) => string): string {
  return r.start === r.end ? format(r.start) : `${format(r.start)}-${format(r.end)}`;
}

const chunk = <T>(items: readonly T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

function elements(name: string, items: readonly string[]): string[] {
  return chunk(items, 256).map((c) => `add element ${policyTable} ${name} { ${c.join(", ")} }`);
}

function directionRules(d: Direction): string[] {
  const s = setNames(d);
  const self = d === "ingress" ? "daddr" : "saddr";
  const peer = d === "ingress" ? "saddr" : "daddr";
  const c = `add rule ${policyTable} ${d}`;
  return [
    `${c} ip ${self} != @${s.isolated} return`,
    `${c} ip ${self} . ip ${peer} . meta l4proto . th dport @${s.ports} return`,
    `${c} ip ${self} . ip ${peer} @${s.any} return`,
    `${c} ip ${self} vmap @${s.drop}`,
    `${c} drop`,
  ];
}

/** The `nft -f` transaction that turns the table from `existing` into `ruleset` (see the design notes). */
export function renderPolicyScript(ruleset: PolicyRuleset, existing: ExistingObjects): string {
  const t = policyTable;
  const wantedChains = ruleset.dropChains.map((c) => c.name);
  const wantedCounters = ruleset.counters.map((c) => c.name);
  const lines = [`add table ${t}`];
  for (const d of directions) {
    const s = setNames(d);
    lines.push(
      `add set ${t} ${s.isolated} { type ipv4_addr; }`,
      `add set ${t} ${s.ports} { type ipv4_addr . ipv4_addr . inet_proto . inet_service; flags interval; }`,
      `add set ${t} ${s.any} { type ipv4_addr . ipv4_addr; flags interval; }`,
      `add map ${t} ${s.drop} { type ipv4_addr : verdict; }`,
    );
  }
  for (const name of wantedCounters) lines.push(`add counter ${t} ${name}`);
  lines.push(`add chain ${t} forward { type filter hook forward priority filter; policy accept; }`, `add chain ${t} egress`, `add chain ${t} ingress`);
  for (const name of wantedChains) lines.push(`add chain ${t} ${name}`);
  const flushChains = [...new Set([...fixedChains, ...wantedChains, ...existing.chains.filter(isDropChain)])];
  for (const name of flushChains) lines.push(`flush chain ${t} ${name}`);
  for (const d of directions) {
    const s = setNames(d);
    lines.push(`flush set ${t} ${s.isolated}`, `flush set ${t} ${s.ports}`, `flush set ${t} ${s.any}`, `flush map ${t} ${s.drop}`);
  }
  lines.push(`add rule ${t} forward ct state established,related accept`, `add rule ${t} forward meta nfproto ipv4 jump egress`, `add rule ${t} forward meta nfproto ipv4 jump ingress`);
  for (const d of directions) lines.push(...directionRules(d));
  for (const chain of ruleset.dropChains) {
    for (const counter of chain.counters) lines.push(`add rule ${t} ${chain.name} counter name "${counter}"`);
    lines.push(`add rule ${t} ${chain.name} drop`);
  }
  for (const d of directions) {
    const rules = ruleset[d];
    const s = setNames(d);
    lines.push(...elements(s.isolated, rules.isolated));
    lines.push(...elements(s.ports, rules.ports.map((e) => `${e.pod} . ${range(e.peer, formatIpv4)} . ${String(e.protocol)} . ${range(e.ports, String)}`)));
    lines.push(...elements(s.any, rules.any.map((e) => `${e.pod} . ${range(e.peer, formatIpv4)}`)));
    lines.push(...elements(s.drop, rules.drop.map((e) => `${e.pod} : jump ${e.chain}`)));
  }
  for (const name of existing.chains.filter((c) => isDropChain(c) && !wantedChains.includes(c))) lines.push(`delete chain ${t} ${name}`);
  for (const name of existing.counters.filter((c) => !wantedCounters.includes(c))) lines.push(`delete counter ${t} ${name}`);
  return lines.map((l) => `${l}\n`).join("");
}
