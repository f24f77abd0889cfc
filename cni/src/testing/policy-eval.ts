import { addressRange, type Range } from "../policy/ranges.js";
import type { Direction, PolicyRuleset } from "../policy/compile.js";

/** One new flow as the forward hook sees it (ICMP and other protocols have no port). */
export interface Flow {
  readonly src: string;
  readonly dst: string;
  /** "tcp" | "udp" | "sctp" | "icmp". */
  readonly protocol: "tcp" | "udp" | "sctp" | "icmp";
  readonly port?: number;
}

const numbers = { tcp: 6, udp: 17, sctp: 132, icmp: 1 } as const;

const ip = (text: string): number => {
  const r = addressRange(text);
  if (r === undefined) throw new Error(`not an IPv4 address: ${text}`);
  return r.start;
};
const within = (v: number, r: Range): boolean => r.start <= v && v <= r.end;

function passes(ruleset: PolicyRuleset, direction: Direction, flow: Flow): boolean {
  const rules = ruleset[direction];
  const self = direction === "ingress" ? flow.dst : flow.src;
  const peer = ip(direction === "ingress" ? flow.src : flow.dst);
  if (!rules.isolated.includes(self)) return true;
  const proto = numbers[flow.protocol];
  if (rules.ports.some((e) => e.pod === self && e.protocol === proto && within(peer, e.peer) && flow.port !== undefined && within(flow.port, e.ports))) return true;
  return rules.any.some((e) => e.pod === self && within(peer, e.peer));
}

/**
 * What the rendered table decides for a new flow, evaluated on the compiled data (a model of
 * the chains in render.ts for unit tests; the netns test checks the kernel agrees).
 */
export function allows(ruleset: PolicyRuleset, flow: Flow): boolean {
  return passes(ruleset, "egress", flow) && passes(ruleset, "ingress", flow);
}
