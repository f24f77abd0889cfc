/*
 * Design notes: the egress planner (pure; issue #17, ADR 0407).
 *
 * From every EgressGateway, Node, Pod and Namespace it computes each resource's status and what
 * one node programs; every node computes the same statuses from the same input, so the active
 * node can write them and the others agree on who is active without talking to each other.
 *
 * - Spec: destinations must be IPv4 CIDRs (host bits are masked off, as `ip route` does), the
 *   egress IP an IPv4 address with or without a prefix, the selectors well-formed label
 *   selectors. Anything else: Ready=False "InvalidSpec", nothing programmed for the resource.
 * - Eligible nodes: the node selector matches, the node is Ready and has an InternalIP and a
 *   podCIDR; with an egress IP `A/len` only nodes whose InternalIP lies in that subnet (the
 *   address is added to the node's interface on that subnet), with a bare `A` only the node
 *   whose InternalIP it is. None: Ready=False "NoEligibleNode" (the selector matches no usable
 *   node) or "EgressIPNotOnAnyNode" (nodes match, but none can hold the address).
 * - Active node: the first eligible node by name that this node's probes do not find dead
 *   (`input.unreachable`, liveness.ts): every node applies the same rule to its own probes, so
 *   they agree once each has seen a death. Eligible nodes but none reachable: Ready=False
 *   "NoReachableNode". The plan also says which nodes this node probes (`probe`).
 * - Pods: selected by namespaceSelector (on the namespace's labels) and podSelector, with an
 *   IPv4 address, not host-network. A pod that several Ready resources select belongs to the
 *   oldest (creationTimestamp, then name); the others report Conflict=True
 *   "PodsClaimedByOther" and leave it alone, so adding a resource never moves working traffic.
 * - Distribution `hash`: every eligible node that this node's probes do not find dead serves at
 *   once with its own InternalIP (an extra address cannot be on several nodes: `egressIP` must be
 *   omitted); each pod goes to the node with the highest FNV-1a hash of (resource, pod IP, node)
 *   (rendezvous hashing): the same on every node, and a node that dies or returns moves only the
 *   pods that hash to it. A steering node gets one program per egress node its pods go to.
 * - A resource that is not Ready programs nothing: its pods leave through their own node as if
 *   it did not exist (masqueraded to the node's address), never into a black hole.
 */
import { labelSelectorProblem } from "@isthmus/core/model";
import { isIp, parseCidrLoose, parseIp } from "@isthmus/core/net";
import { matchesSelector } from "../policy/selector.js";
import type { EgressCondition, EgressGatewayData, EgressGatewayStatus, EgressInput, EgressNodeData, EgressPlan, EgressTarget, GatewayProgram, PodData } from "./types.js";

/** The most programs one node holds: marks and routing tables are numbered 1..255. */
export const maxPrograms = 255;

interface Checked {
  readonly destinations: readonly string[];
  readonly ip?: { readonly address: string; readonly prefix?: number };
  readonly hash: boolean;
}

const distributions: ReadonlySet<string> = new Set(["active-standby", "hash"]);
/** Checks the spec; returns the normalised parts or the reason it is invalid. */
export function checkSpec(gateway: EgressGatewayData): Checked | string {
  const { spec } = gateway;
  if (spec.nodeSelector === undefined) return "spec.nodeSelector is required (an empty selector allows every node)";
  for (const [what, sel] of [["spec.namespaceSelector", spec.namespaceSelector], ["spec.podSelector", spec.podSelector], ["spec.nodeSelector", spec.nodeSelector]] as const) {
    const problem = labelSelectorProblem(what, sel);
    if (problem !== undefined) return problem;
  }
  const destinations: string[] = [];
  for (const text of spec.destinations ?? []) {
    if (!isCidrLoose(text)) return `spec.destinations: "${text}" is not a CIDR`;
    const cidr = parseCidrLoose(text);
    if (cidr.family !== 4) return `spec.destinations: "${text}" is not IPv4 (the pod network is IPv4)`;
    destinations.push(cidr.toString());
  }
  if (destinations.length === 0) destinations.push("0.0.0.0/0");
  const sorted = [...new Set(destinations)].sort();
  const distribution: string = spec.distribution ?? "active-standby";
  if (!distributions.has(distribution)) return `spec.distribution: "${distribution}" is not one of ${[...distributions].join(", ")}`;
  const hash = distribution === "hash";
  if (hash && spec.egressIP !== undefined) return "spec.egressIP must be omitted with distribution hash: every egress node serves with its own InternalIP";
  if (spec.egressIP === undefined) return { destinations: sorted, hash };
  const [address = "", prefixText, ...rest] = spec.egressIP.split("/");
  const prefix = prefixText === undefined ? undefined : Number(prefixText);
  if (rest.length > 0 || !isIp(address) || parseIp(address).family !== 4 || (prefix !== undefined && (!/^\d+$/.test(prefixText ?? "") || prefix < 1 || prefix > 32))) {
    return `spec.egressIP: "${spec.egressIP}" is not an IPv4 address, optionally with a prefix length 1..32 (A.B.C.D or A.B.C.D/len)`;
  }
  return { destinations: sorted, hash, ip: { address: parseIp(address).toString(), ...(prefix === undefined ? {} : { prefix }) } };
}

function isCidrLoose(text: string): boolean {
  try {
    parseCidrLoose(text);
    return true;
  } catch {
    return false;
  }
}

function target(node: EgressNodeData): EgressTarget | undefined {
  if (node.internalIp === undefined || node.podCidr === undefined || !isIp(node.internalIp)) return undefined;
  return { name: node.name, internalIp: parseIp(node.internalIp).toString(), podCidr: node.podCidr };
}

function canHold(node: EgressTarget, ip: Checked["ip"]): boolean {
  if (ip === undefined) return true;
  if (ip.prefix === undefined) return node.internalIp === ip.address;
  return parseCidrLoose(`${ip.address}/${String(ip.prefix)}`).toString() === parseCidrLoose(`${node.internalIp}/${String(ip.prefix)}`).toString();
}

const condition = (type: EgressCondition["type"], ok: boolean, reason: EgressCondition["reason"], message: string): EgressCondition => ({ type, status: ok ? "True" : "False", reason, message });

interface Ready {
  readonly gateway: EgressGatewayData;
  readonly checked: Checked;
  readonly active: EgressTarget;
  readonly egressIp: string;
  /** `hash`: every serving node, sorted by name (`active` is the first). */
  readonly actives: readonly EgressTarget[];
  /** Every eligible node, sorted by name. */
  readonly candidates: readonly EgressTarget[];
}

/** FNV-1a (32 bits) of `text`. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The node of `nodes` (non-empty) that serves pod `podIp` of resource `gateway` under `hash`: rendezvous hashing, ties to the first by name. */
export function hashNode<T extends { readonly name: string }>(gateway: string, podIp: string, nodes: readonly T[]): T {
  let best = nodes[0];
  let bestScore = -1;
  for (const n of nodes) {
    const score = fnv1a(`${gateway}/${podIp}/${n.name}`);
    if (score > bestScore) [best, bestScore] = [n, score];
  }
  if (best === undefined) throw new Error("hashNode needs at least one node");
  return best;
}

/** Older first: creationTimestamp, then name; a resource without a timestamp sorts last. */
function byAge(a: EgressGatewayData, b: EgressGatewayData): number {
  const ta = a.createdAt ?? "\uffff";
  const tb = b.createdAt ?? "\uffff";
  return ta === tb ? a.name.localeCompare(b.name) : ta < tb ? -1 : 1;
}

function selects(gateway: EgressGatewayData, pod: PodData, nsLabels: ReadonlyMap<string, Readonly<Record<string, string>>>): boolean {
  if (pod.ip === undefined || pod.hostNetwork === true || !isIp(pod.ip) || parseIp(pod.ip).family !== 4) return false;
  const labels = nsLabels.get(pod.namespace);
  if (labels === undefined) return false;
  return matchesSelector(gateway.spec.namespaceSelector ?? {}, labels) && matchesSelector(gateway.spec.podSelector ?? {}, pod.labels);
}

/** Plans node `input.nodeName` and computes every resource's status (equal inputs give equal plans). */
export function planEgress(input: EgressInput): EgressPlan {
  const statuses = new Map<string, EgressGatewayStatus>();
  const ready: Ready[] = [];
  const potential: { readonly gateway: EgressGatewayData; readonly candidates: readonly string[] }[] = [];
  const unreachable = new Set(input.unreachable ?? []);
  for (const gateway of [...input.gateways].sort(byAge)) {
    const checked = checkSpec(gateway);
    if (typeof checked === "string") {
      statuses.set(gateway.name, { name: gateway.name, selectedPods: 0, conditions: [condition("Ready", false, "InvalidSpec", checked)] });
      continue;
    }
    const matching = input.nodes.filter((n) => n.ready && matchesSelector(gateway.spec.nodeSelector ?? {}, n.labels)).map(target).filter((t) => t !== undefined).sort((a, b) => a.name.localeCompare(b.name));
    const candidates = matching.filter((n) => canHold(n, checked.ip));
    if (candidates.length > 0) potential.push({ gateway, candidates: candidates.map((n) => n.name) });
    const active = candidates.find((n) => !unreachable.has(n.name));
    if (active === undefined && candidates.length > 0) {
      const names = candidates.map((n) => n.name).join(", ");
      statuses.set(gateway.name, { name: gateway.name, selectedPods: 0, conditions: [condition("Ready", false, "NoReachableNode", `the nodes that can serve (${names}) do not answer the probes of node ${input.nodeName}`)] });
      continue;
    }
    if (active === undefined) {
      const conditions = matching.length === 0
        ? [condition("Ready", false, "NoEligibleNode", "spec.nodeSelector matches no Ready node with an InternalIP and a podCIDR")]
        : [condition("Ready", false, "EgressIPNotOnAnyNode", checked.ip?.prefix === undefined
          ? `egress IP ${checked.ip?.address ?? ""} is the InternalIP of none of the ${String(matching.length)} selected nodes (give A.B.C.D/len to add it as an extra address)`
          : `egress IP ${checked.ip.address}/${String(checked.ip.prefix)}: none of the ${String(matching.length)} selected nodes has its InternalIP in that subnet`)];
      statuses.set(gateway.name, { name: gateway.name, selectedPods: 0, conditions });
      continue;
    }
    ready.push({ gateway, checked, active, egressIp: checked.ip?.address ?? active.internalIp, actives: checked.hash ? candidates.filter((n) => !unreachable.has(n.name)) : [active], candidates });
  }

  const nsLabels = new Map(input.namespaces.map((n) => [n.name, n.labels] as const));
  const probe = probeSet(input, potential, nsLabels);
  const owner = new Map<string, string>();
  const pods = new Map<string, PodData[]>();
  const lost = new Map<string, Set<string>>();
  for (const r of ready) {
    const mine: PodData[] = [];
    for (const pod of input.pods) {
      if (!selects(r.gateway, pod, nsLabels)) continue;
      const key = `${pod.namespace}/${pod.name}`;
      const holder = owner.get(key);
      if (holder === undefined) {
        owner.set(key, r.gateway.name);
        mine.push(pod);
      } else {
        const set = lost.get(r.gateway.name) ?? new Set<string>();
        set.add(holder);
        lost.set(r.gateway.name, set);
      }
    }
    pods.set(r.gateway.name, mine);
  }

  const programs: Omit<GatewayProgram, "index">[] = [];
  for (const r of [...ready].sort((a, b) => a.gateway.name.localeCompare(b.gateway.name))) {
    const mine = pods.get(r.gateway.name) ?? [];
    const holders = [...(lost.get(r.gateway.name) ?? [])].sort();
    const conflict = holders.length === 0
      ? condition("Conflict", false, "NoConflict", "no older resource selects these pods")
      : condition("Conflict", true, "PodsClaimedByOther", `some selected pods already belong to the older ${holders.join(", ")}: they stay there`);
    const active = condition("Ready", true, "Active", r.checked.hash ? `nodes ${r.actives.map((n) => n.name).join(", ")} SNAT to their InternalIPs, each pod to one chosen by hash` : `node ${r.active.name} SNATs to ${r.egressIp}`);
    if (r.checked.hash) {
      const byNode = new Map<string, PodData[]>(r.actives.map((n) => [n.name, []]));
      for (const pod of mine) byNode.get(hashNode(r.gateway.name, pod.ip ?? "", r.actives).name)?.push(pod);
      statuses.set(r.gateway.name, { name: r.gateway.name, activeNodes: r.actives.map((n) => ({ name: n.name, egressIP: n.internalIp, selectedPods: byNode.get(n.name)?.length ?? 0 })), selectedPods: mine.length, conditions: [active, conflict] });
      for (const target of r.actives) {
        const pods = byNode.get(target.name) ?? [];
        const isSelf = target.name === input.nodeName;
        const steer = isSelf ? [] : pods.filter((p) => p.nodeName === input.nodeName).map((p) => p.ip ?? "");
        if (steer.length === 0 && !isSelf) continue;
        programs.push({ name: r.gateway.name, ...(isSelf ? {} : { part: target.name, candidates: [target] }), destinations: r.checked.destinations, steer: sortIps(steer), active: target, serving: isSelf, snat: isSelf ? sortIps(pods.map((p) => p.ip ?? "")) : [], egressIp: target.internalIp });
      }
      continue;
    }
    statuses.set(r.gateway.name, {
      name: r.gateway.name,
      activeNode: r.active.name,
      egressIP: r.egressIp,
      selectedPods: mine.length,
      conditions: [active, conflict],
    });
    const isActive = r.active.name === input.nodeName;
    const steer = isActive ? [] : mine.filter((p) => p.nodeName === input.nodeName).map((p) => p.ip ?? "");
    const snat = isActive ? mine.map((p) => p.ip ?? "") : [];
    if (steer.length === 0 && !isActive) continue;
    programs.push({
      name: r.gateway.name,
      destinations: r.checked.destinations,
      steer: sortIps(steer),
      ...(isActive ? {} : { candidates: r.candidates }),
      active: r.active,
      serving: isActive,
      snat: sortIps(snat),
      egressIp: r.egressIp,
      // `A/len` naming the node's own InternalIP adds nothing: that address is the node's, not ours.
      ...(r.checked.ip?.prefix === undefined || r.egressIp === r.active.internalIp ? {} : { extraPrefix: r.checked.ip.prefix }),
    });
  }
  return {
    statuses: [...statuses.values()].sort((a, b) => a.name.localeCompare(b.name)),
    programs: programs.slice(0, maxPrograms).map((p, i) => ({ ...p, index: i + 1 })),
    probe,
  };
}

/** The nodes `input.nodeName` probes (see EgressPlan.probe), from the candidates of every resource that could serve. */
function probeSet(input: EgressInput, potential: readonly { readonly gateway: EgressGatewayData; readonly candidates: readonly string[] }[], nsLabels: ReadonlyMap<string, Readonly<Record<string, string>>>): string[] {
  const self = input.nodeName;
  const out = new Set<string>();
  const witnesses = input.nodes.filter((n) => n.ready && n.internalIp !== undefined && n.name !== self).map((n) => n.name).sort().slice(0, 2);
  for (const { gateway, candidates } of potential) {
    const podNodes = new Set(input.pods.filter((p) => p.nodeName !== undefined && selects(gateway, p, nsLabels)).map((p) => p.nodeName ?? ""));
    if (candidates.includes(self)) {
      for (const name of [...candidates, ...podNodes, ...witnesses]) out.add(name);
    } else if (podNodes.has(self)) {
      for (const name of candidates) out.add(name);
    }
  }
  out.delete(self);
  return [...out].sort();
}

function sortIps(ips: readonly string[]): string[] {
  return [...new Set(ips)].sort((a, b) => (parseIp(a).value < parseIp(b).value ? -1 : parseIp(a).value > parseIp(b).value ? 1 : 0));
}
