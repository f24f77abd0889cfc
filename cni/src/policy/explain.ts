/**
 * Which policies decide a flow, and why: the answer `isthmus diagnose policy` prints. Pure, from
 * the same input as the compiler; each direction is decided on the node of the pod it concerns.
 */
import { addressRange, type Range } from "./ranges.js";
import { compilePolicies, type Direction, type PolicyRuleset, protocolNumbers } from "./compile.js";
import type { PolicyInput } from "./types.js";

/** A new flow as the forward hook sees it. */
export interface FlowQuery {
  readonly src: string;
  readonly dst: string;
  /** "TCP" | "UDP" | "SCTP" | anything else (ICMP, …: matches only rules without ports). */
  readonly protocol: string;
  readonly port?: number;
}

/** One direction of the answer. */
export interface DirectionVerdict {
  /** The local pod this direction concerns ("namespace/name"), when the address is a pod's. */
  readonly pod?: string;
  /** Policies isolating that pod in this direction ("namespace/name"); empty = not isolated. */
  readonly isolatedBy: readonly string[];
  /** Isolating policies with a rule that allows the flow. */
  readonly allowedBy: readonly string[];
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

function verdict(input: PolicyInput, direction: Direction, flow: FlowQuery): DirectionVerdict {
  const address = direction === "ingress" ? flow.dst : flow.src;
  const pod = input.pods.find((p) => p.ip === address && p.hostNetwork !== true);
  if (pod?.nodeName === undefined) return { isolatedBy: [], allowedBy: [], allowed: true };
  const onNode = { ...input, nodeName: pod.nodeName };
  const ruleset = compilePolicies(onNode);
  const isolatedBy = ruleset.counters.filter((c) => c.direction === direction && ruleset[direction].drop.some((d) => d.pod === address && ruleset.dropChains.find((ch) => ch.name === d.chain)?.counters.includes(c.name))).map((c) => `${c.namespace}/${c.policy}`).sort();
  const allowedBy = isolatedBy.filter((ref) => passes(compilePolicies({ ...onNode, policies: input.policies.filter((p) => `${p.namespace}/${p.name}` === ref) }), direction, flow));
  return { pod: `${pod.namespace}/${pod.name}`, isolatedBy, allowedBy, allowed: passes(ruleset, direction, flow) };
}

/** Explains what the policies in `input` do to `flow` (the input's nodeName is ignored). */
export function explainFlow(input: PolicyInput, flow: FlowQuery): FlowExplanation {
  const egress = verdict(input, "egress", flow);
  const ingress = verdict(input, "ingress", flow);
  return { egress, ingress, allowed: egress.allowed && ingress.allowed };
}
