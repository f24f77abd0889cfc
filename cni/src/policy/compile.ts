/*
 * Design notes: the policy compiler (pure; ADR 0406).
 *
 * From the cluster's NetworkPolicies, Pods and Namespaces it computes what this node enforces,
 * for the pods on this node only, as data the renderer turns into one nftables table:
 *
 * - A local pod is isolated for a direction when a policy of its namespace selects it and has
 *   that direction in its policyTypes (default: Ingress, plus Egress when the policy has egress
 *   rules). An isolated pod's traffic in that direction is allowed when any rule of any
 *   selecting policy allows it (policies are additive); everything else is dropped. A pod no
 *   policy selects is not isolated (no entry at all).
 * - A rule allows (peer ranges) × (ports). Peers: omitted or empty `from`/`to` = every address;
 *   podSelector = pods of the policy's namespace; namespaceSelector = pods of the matching
 *   namespaces; both = those pods of those namespaces; ipBlock = its CIDR without `except`.
 *   Ports: omitted or empty = every protocol and port (element of the `*_any` sets); otherwise
 *   protocol (TCP default) × port, port..endPort, every port of the protocol when `port` is
 *   omitted, or a named port: for ingress resolved on the target pod, for egress on each
 *   destination pod the rule's peers select (for an ipBlock peer, the known pods inside it). A
 *   named port a pod does not have matches nothing on that pod (and is reported as a warning).
 * - Pods of other clusters (RemotePodSets, ADR 0406): a peer whose podSelector names the key
 *   `isthmus.io/cluster` (matchLabels or an expression) selects among other clusters' shared
 *   pods only, each carrying that label with its cluster's id; its namespaceSelector matches
 *   their namespaces' labels, and without one the namespace of the same name as the policy's.
 *   Such a peer never selects this cluster's pods (add a peer without the key for those).
 *   Remote pods have no named ports.
 * - Elements are made disjoint per pod and protocol (overlapping ipBlocks are valid input,
 *   overlapping elements are not for nftables).
 * - Replies are allowed by conntrack in the rendered table, not here. Only IPv4: the pod network
 *   is IPv4; IPv6 ipBlocks can never match and are reported.
 * - Drops are counted per policy and direction: every policy that isolates the pod counts the
 *   packet (a drop chain per distinct set of such policies).
 */
import { createHash } from "node:crypto";
import { defaults } from "@isthmus/core/constants";
import { addressRange, allAddresses, allPorts, type Box, cidrRange, disjointBoxes, inRanges, mergeRanges, type Range, subtractRanges } from "./ranges.js";
import { matchesSelector } from "./selector.js";
import type { LabelSelector, NetworkPolicyData, PodData, PolicyInput, PolicyPeer, PolicyPort } from "./types.js";

/** "ingress" or "egress". */
export type Direction = "ingress" | "egress";
export const directions: readonly Direction[] = ["ingress", "egress"];

/** IANA protocol numbers of the protocols a NetworkPolicyPort may name. */
export const protocolNumbers: Readonly<Record<string, number>> = Object.freeze({ TCP: 6, UDP: 17, SCTP: 132 });

/** Allowed (peer range, protocol, port range) for one local pod. */
export interface PortElement {
  readonly pod: string;
  readonly peer: Range;
  readonly protocol: number;
  readonly ports: Range;
}

/** Allowed peer range, every protocol and port, for one local pod. */
export interface AnyElement {
  readonly pod: string;
  readonly peer: Range;
}

/** One direction of the ruleset. */
export interface DirectionRules {
  /** Local pod IPs isolated in this direction, sorted. */
  readonly isolated: readonly string[];
  readonly ports: readonly PortElement[];
  readonly any: readonly AnyElement[];
  /** Isolated pod IP → drop chain name. */
  readonly drop: readonly { readonly pod: string; readonly chain: string }[];
}

/** A drop counter of one policy and direction (an nftables named counter). */
export interface PolicyCounter {
  readonly name: string;
  readonly namespace: string;
  readonly policy: string;
  readonly direction: Direction;
}

/** What this node enforces. Equal inputs give deeply equal rulesets (everything sorted). */
export interface PolicyRuleset {
  readonly ingress: DirectionRules;
  readonly egress: DirectionRules;
  readonly counters: readonly PolicyCounter[];
  /** Drop chains: each counts into its counters, then drops. */
  readonly dropChains: readonly { readonly name: string; readonly counters: readonly string[] }[];
  /** Odd input found (unknown named port, IPv6 or malformed ipBlock, unknown protocol): enforced as documented, worth a log line. */
  readonly warnings: readonly string[];
}

const hash = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 16);

/** The nftables counter name of `policy`'s drops in `direction` (stable across agents). */
export function counterName(namespace: string, policy: string, direction: Direction): string {
  return `${direction === "ingress" ? "in" : "eg"}_${hash(`${namespace}/${policy}`)}`;
}

/** The policy types in force: `policyTypes` when set, else Ingress plus Egress when there are egress rules. */
export function policyTypes(policy: NetworkPolicyData): readonly Direction[] {
  const given = policy.spec.policyTypes;
  if (given !== undefined && given.length > 0) return directions.filter((d) => given.includes(d === "ingress" ? "Ingress" : "Egress"));
  return (policy.spec.egress ?? []).length > 0 ? ["ingress", "egress"] : ["ingress"];
}

interface Context {
  readonly input: PolicyInput;
  /** Pods that can be peers: with an IPv4 address, not on the host network. */
  readonly peers: readonly (PodData & { readonly value: number })[];
  readonly namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Other clusters' shared pods, labelled with `isthmus.io/cluster`, and their namespaces' labels. */
  readonly remote: readonly (PodData & { readonly value: number; readonly namespaceLabels: Readonly<Record<string, string>> })[];
  readonly warnings: Set<string>;
}

/** True when `selector` names the cluster label key, i.e. selects pods of other clusters. */
export function namesCluster(selector: LabelSelector): boolean {
  return Object.hasOwn(selector.matchLabels ?? {}, defaults.clusterLabel) || (selector.matchExpressions ?? []).some((r) => r.key === defaults.clusterLabel);
}

interface ResolvedPeer {
  readonly ranges: readonly Range[];
  readonly pods: readonly (PodData & { readonly value: number })[];
}

function policyRef(policy: NetworkPolicyData): string {
  return `${policy.namespace}/${policy.name}`;
}

function resolvePeer(ctx: Context, policy: NetworkPolicyData, peer: PolicyPeer): ResolvedPeer {
  if (peer.ipBlock !== undefined) {
    const base = cidrRange(peer.ipBlock.cidr);
    if (base === undefined) {
      ctx.warnings.add(`policy ${policyRef(policy)}: ipBlock ${peer.ipBlock.cidr} is not an IPv4 CIDR; it matches nothing on this IPv4 pod network`);
      return { ranges: [], pods: [] };
    }
    const except = (peer.ipBlock.except ?? []).map((c) => cidrRange(c)).filter((r) => r !== undefined);
    const ranges = subtractRanges([base], except);
    return { ranges, pods: ctx.peers.filter((p) => inRanges(p.value, ranges)) };
  }
  if (peer.podSelector === undefined && peer.namespaceSelector === undefined) {
    ctx.warnings.add(`policy ${policyRef(policy)}: a peer without podSelector, namespaceSelector or ipBlock matches nothing`);
    return { ranges: [], pods: [] };
  }
  const { podSelector, namespaceSelector } = peer;
  if (podSelector !== undefined && namesCluster(podSelector)) {
    const remote = ctx.remote.filter((p) => {
      const inNamespace = namespaceSelector === undefined ? p.namespace === policy.namespace : matchesSelector(namespaceSelector, p.namespaceLabels);
      return inNamespace && matchesSelector(podSelector, p.labels);
    });
    return { ranges: mergeRanges(remote.map((p) => ({ start: p.value, end: p.value }))), pods: remote };
  }
  const pods = ctx.peers.filter((p) => {
    const inNamespace = namespaceSelector === undefined ? p.namespace === policy.namespace : matchesSelector(namespaceSelector, ctx.namespaceLabels.get(p.namespace) ?? {});
    return inNamespace && (podSelector === undefined || matchesSelector(podSelector, p.labels));
  });
  return { ranges: mergeRanges(pods.map((p) => ({ start: p.value, end: p.value }))), pods };
}

function resolvePeers(ctx: Context, policy: NetworkPolicyData, peers: readonly PolicyPeer[] | undefined): ResolvedPeer {
  if (peers === undefined || peers.length === 0) return { ranges: [allAddresses], pods: ctx.peers };
  const resolved = peers.map((p) => resolvePeer(ctx, policy, p));
  const pods = new Map(resolved.flatMap((r) => r.pods).map((p) => [p.value, p]));
  return { ranges: mergeRanges(resolved.flatMap((r) => r.ranges)), pods: [...pods.values()] };
}

function namedPort(pod: PodData, name: string, protocol: string): number | undefined {
  return pod.ports?.find((p) => p.name === name && (p.protocol ?? "TCP") === protocol)?.port;
}

interface Allowed {
  /** Per protocol number: boxes of (peer, ports). */
  readonly boxes: Map<number, Box[]>;
  readonly any: Range[];
}

function addBox(allowed: Allowed, protocol: number, box: Box): void {
  const list = allowed.boxes.get(protocol) ?? [];
  list.push(box);
  allowed.boxes.set(protocol, list);
}

function allowPorts(ctx: Context, options: { policy: NetworkPolicyData; direction: Direction; target: PodData; peers: ResolvedPeer; ports: readonly PolicyPort[]; allowed: Allowed }): void {
  const { policy, direction, target, peers, allowed } = options;
  for (const port of options.ports) {
    const protocolName = port.protocol ?? "TCP";
    const protocol = protocolNumbers[protocolName];
    if (protocol === undefined) {
      ctx.warnings.add(`policy ${policyRef(policy)}: protocol ${protocolName} is not TCP, UDP or SCTP; that port matches nothing`);
      continue;
    }
    if (port.port === undefined || typeof port.port === "number") {
      const ports = port.port === undefined ? allPorts : { start: port.port, end: port.endPort ?? port.port };
      if (ports.end < ports.start) continue;
      for (const peer of peers.ranges) addBox(allowed, protocol, { peer, ports });
      continue;
    }
    const name = port.port;
    const holders = direction === "ingress" ? [{ pod: target, peers: peers.ranges }] : peers.pods.map((p) => ({ pod: p, peers: [{ start: p.value, end: p.value }] }));
    for (const holder of holders) {
      const number = namedPort(holder.pod, name, protocolName);
      if (number === undefined) {
        if (direction === "ingress") ctx.warnings.add(`policy ${policyRef(policy)}: pod ${holder.pod.namespace}/${holder.pod.name} has no ${protocolName} port named ${name}; that port matches nothing on it`);
        continue;
      }
      for (const peer of holder.peers) addBox(allowed, protocol, { peer, ports: { start: number, end: number } });
    }
  }
}

function allowedFor(ctx: Context, target: PodData, direction: Direction, policies: readonly NetworkPolicyData[]): Allowed {
  const allowed: Allowed = { boxes: new Map(), any: [] };
  for (const policy of policies) {
    const rules = direction === "ingress" ? (policy.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports })) : (policy.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
    for (const rule of rules) {
      const peers = resolvePeers(ctx, policy, rule.peers);
      if (rule.ports === undefined || rule.ports.length === 0) allowed.any.push(...peers.ranges);
      else allowPorts(ctx, { policy, direction, target, peers, ports: rule.ports, allowed });
    }
  }
  return allowed;
}

function dropChainName(counters: readonly string[]): string {
  return `drop_${hash(counters.join(","))}`;
}

/** This node's pods with an address, one per address (a second pod claiming one is reported, not enforced twice). */
function localPods(ctx: Context): Context["peers"] {
  const byIp = new Map<number, Context["peers"][number]>();
  const sorted = ctx.peers.filter((p) => p.nodeName === ctx.input.nodeName).sort((a, b) => a.value - b.value || `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  for (const pod of sorted) {
    const held = byIp.get(pod.value);
    if (held === undefined) byIp.set(pod.value, pod);
    else ctx.warnings.add(`pods ${held.namespace}/${held.name} and ${pod.namespace}/${pod.name} both report address ${pod.ip ?? ""}; enforcing the policies of the first only`);
  }
  return [...byIp.values()];
}

/** Computes the ruleset for the pods on `input.nodeName` (pure; see the design notes). */
export function compilePolicies(input: PolicyInput): PolicyRuleset {
  const ctx: Context = {
    input,
    peers: input.pods.flatMap((p) => {
      const range = p.hostNetwork === true || p.ip === undefined ? undefined : addressRange(p.ip);
      return range === undefined ? [] : [{ ...p, value: range.start }];
    }),
    namespaceLabels: new Map(input.namespaces.map((n) => [n.name, n.labels])),
    remote: (input.remotePods ?? []).flatMap((set) =>
      set.pods.flatMap((p) => {
        const range = addressRange(p.ip);
        return range === undefined ? [] : [{ namespace: set.namespace, name: p.name, labels: { ...p.labels, [defaults.clusterLabel]: set.clusterId }, value: range.start, namespaceLabels: set.namespaceLabels }];
      }),
    ),
    warnings: new Set(),
  };
  const locals = localPods(ctx);
  const counters = new Map<string, PolicyCounter>();
  const dropChains = new Map<string, readonly string[]>();
  const out: Record<Direction, { isolated: string[]; ports: PortElement[]; any: AnyElement[]; drop: { pod: string; chain: string }[] }> = {
    ingress: { isolated: [], ports: [], any: [], drop: [] },
    egress: { isolated: [], ports: [], any: [], drop: [] },
  };
  for (const pod of locals) {
    const ip = pod.ip ?? "";
    const selecting = input.policies.filter((p) => p.namespace === pod.namespace && matchesSelector(p.spec.podSelector ?? {}, pod.labels));
    for (const direction of directions) {
      const policies = selecting.filter((p) => policyTypes(p).includes(direction)).sort((a, b) => a.name.localeCompare(b.name));
      if (policies.length === 0) continue;
      const rules = out[direction];
      rules.isolated.push(ip);
      const allowed = allowedFor(ctx, pod, direction, policies);
      for (const peer of mergeRanges(allowed.any)) rules.any.push({ pod: ip, peer });
      for (const protocol of [...allowed.boxes.keys()].sort((a, b) => a - b)) {
        for (const box of disjointBoxes(allowed.boxes.get(protocol) ?? [])) rules.ports.push({ pod: ip, protocol, ...box });
      }
      const names = policies.map((p) => {
        const name = counterName(p.namespace, p.name, direction);
        counters.set(name, { name, namespace: p.namespace, policy: p.name, direction });
        return name;
      }).sort();
      const chain = dropChainName(names);
      dropChains.set(chain, names);
      rules.drop.push({ pod: ip, chain });
    }
  }
  return {
    ingress: out.ingress,
    egress: out.egress,
    counters: [...counters.values()].sort((a, b) => a.name.localeCompare(b.name)),
    dropChains: [...dropChains].map(([name, names]) => ({ name, counters: names })).sort((a, b) => a.name.localeCompare(b.name)),
    warnings: [...ctx.warnings].sort(),
  };
}
