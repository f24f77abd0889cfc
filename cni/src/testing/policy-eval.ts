import type { PolicyRuleset } from "../policy/compile.js";
import { passes } from "../policy/explain.js";

/** One new flow as the forward hook sees it (ICMP and other protocols have no port). */
export interface Flow {
  readonly src: string;
  readonly dst: string;
  readonly protocol: "tcp" | "udp" | "sctp" | "icmp";
  readonly port?: number;
}

/**
 * What the rendered table decides for a new flow on the node of `ruleset`, evaluated on the
 * compiled data (the netns test checks the kernel agrees).
 */
export function allows(ruleset: PolicyRuleset, flow: Flow): boolean {
  const query = { ...flow, protocol: flow.protocol.toUpperCase() };
  return passes(ruleset, "egress", query) && passes(ruleset, "ingress", query);
}
