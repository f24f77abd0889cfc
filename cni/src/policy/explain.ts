/**
 * Which policies decide a flow, and why: the answer `isthmus diagnose policy` prints. Pure, from
 * the same input as the compiler, and decided by the compiler itself (a policy, or one rule of
 * it, is compiled alone and the flow run through the result), so the answer cannot drift from
 * what the node enforces. Each direction is decided on the node of the pod it concerns: egress
 * on the source's, ingress on the destination's.
 */
import { addressRange, type Range } from "./ranges.js";
import { compilePolicies, type Direction, type PolicyRuleset, policyTypes, protocolNumbers } from "./compile.js";
import type { NetworkPolicyData, PolicyInput, PolicyPeer, PolicyPort } from "./types.js";

/** A new flow as the forward hook sees it. */
export interface FlowQuery {
  readonly src: string;
  readonly dst: string;
  /** "TCP" | "UDP" | "SCTP" | anything else (ICMP, …: matches only rules without ports). */
  readonly protocol: string;
  readonly port?: number;
}

/** What one rule of an isolating policy does to the flow. */
export interface RuleVerdict {
  /** The rule's index in the policy's `ingress` or `egress` list. */
  readonly rule: number;
  /** The rule's peers (`from` / `to`; none = everyone) include the other side of the flow. */
  readonly peerMatches: boolean;
  /** The rule's ports (none = every protocol and port) include the flow's protocol and port. */
  readonly portMatches: boolean;
  /** The rule allows the flow (peer and port in one rule). */
  readonly allows: boolean;
}

/** What one policy isolating the pod does to the flow. */
export interface PolicyVerdict {
  /** "namespace/name". */
  readonly policy: string;
  /** Every rule of the policy for this direction; empty = the policy denies everything. */
  readonly rules: readonly RuleVerdict[];
  /** One of its rules allows the flow. */
  readonly allows: boolean;
}

/** One direction of the answer. */
export interface DirectionVerdict {
  /** The pod this direction concerns ("namespace/name"), when the address is a pod's of this cluster. */
  readonly pod?: string;
  /** Policies isolating that pod in this direction, by name; empty = not isolated. */
  readonly policies: readonly PolicyVerdict[];
  /** Not isolated, or some rule of some isolating policy allows the flow. */
  readonly allowed: boolean;
}

/** The whole answer. */
export interface FlowExplanation {
  readonly egress: DirectionVerdict;
  readonly ingress: DirectionVerdict;
  readonly allowed: boolean;
}

const within = (v: number, r: Range): boolean => r.start <= v && v <= r.end;

/** True when the compiled `ruleset` lets the flow pass `direction` (the chains of render.ts, evaluated on data). */
export function passes(ruleset: PolicyRuleset, direction: Direction, flow: FlowQuery): boolean {
  const rules = ruleset[direction];
  const self = direction === "ingress" ? flow.dst : flow.src;
  const peer = addressRange(direction === "ingress" ? flow.src : flow.dst)?.start;
  if (!rules.isolated.includes(self)) return true;
  if (peer === undefined) return false;
  const protocol = protocolNumbers[flow.protocol.toUpperCase()];
  const port = flow.port;
  if (protocol !== undefined && port !== undefined && rules.ports.some((e) => e.pod === self && e.protocol === protocol && within(peer, e.peer) && within(port, e.ports))) return true;
  return rules.any.some((e) => e.pod === self && within(peer, e.peer));
}

/** A rule of either direction: its peers (`from` / `to`) and ports. */
interface Rule {
  readonly peers?: readonly PolicyPeer[];
  readonly ports?: readonly PolicyPort[];
}

/** `policy` reduced to the one rule `rule` in `direction` (still isolating in that direction only). */
function withOnly(policy: NetworkPolicyData, direction: Direction, rule: Rule): NetworkPolicyData {
  const spec = { podSelector: policy.spec.podSelector ?? {}, policyTypes: [direction === "ingress" ? "Ingress" : "Egress"] };
  const own = { ...(rule.peers === undefined ? {} : direction === "ingress" ? { from: rule.peers } : { to: rule.peers }), ...(rule.ports === undefined ? {} : { ports: rule.ports }) };
  return { ...policy, spec: { ...spec, ...(direction === "ingress" ? { ingress: [own] } : { egress: [own] }) } };
}

function explainPolicy(onNode: PolicyInput, options: { policy: NetworkPolicyData; direction: Direction; flow: FlowQuery }): PolicyVerdict {
  const { policy, direction, flow } = options;
  const lets = (p: NetworkPolicyData): boolean => passes(compilePolicies({ ...onNode, policies: [p] }), direction, flow);
  const rules = (direction === "ingress" ? (policy.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports })) : (policy.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports })))
    .map((rule, index): RuleVerdict => {
      const peerMatches = lets(withOnly(policy, direction, { ...(rule.peers === undefined ? {} : { peers: rule.peers }) }));
      const portMatches = lets(withOnly(policy, direction, { ...(rule.ports === undefined ? {} : { ports: rule.ports }) }));
      const allows = lets(withOnly(policy, direction, { ...(rule.peers === undefined ? {} : { peers: rule.peers }), ...(rule.ports === undefined ? {} : { ports: rule.ports }) }));
      return { rule: index, peerMatches, portMatches, allows };
    });
  return { policy: `${policy.namespace}/${policy.name}`, rules, allows: rules.some((r) => r.allows) };
}

function verdict(input: PolicyInput, direction: Direction, flow: FlowQuery): DirectionVerdict {
  const address = direction === "ingress" ? flow.dst : flow.src;
  const pod = input.pods.find((p) => p.ip === address && p.hostNetwork !== true);
  if (pod?.nodeName === undefined) return { policies: [], allowed: true };
  const onNode = { ...input, nodeName: pod.nodeName };
  const ruleset = compilePolicies(onNode);
  const isolating = new Set(ruleset.counters.filter((c) => c.direction === direction && ruleset[direction].drop.some((d) => d.pod === address && ruleset.dropChains.find((ch) => ch.name === d.chain)?.counters.includes(c.name))).map((c) => `${c.namespace}/${c.policy}`));
  const policies = input.policies
    .filter((p) => isolating.has(`${p.namespace}/${p.name}`) && policyTypes(p).includes(direction))
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`))
    .map((policy) => explainPolicy(onNode, { policy, direction, flow }));
  return { pod: `${pod.namespace}/${pod.name}`, policies, allowed: passes(ruleset, direction, flow) };
}

/** Explains what the policies in `input` do to `flow` (the input's nodeName is ignored). */
export function explainFlow(input: PolicyInput, flow: FlowQuery): FlowExplanation {
  const egress = verdict(input, "egress", flow);
  const ingress = verdict(input, "ingress", flow);
  return { egress, ingress, allowed: egress.allowed && ingress.allowed };
}
