import { defaults } from "@isthmus/core/constants";
import { isIp } from "@isthmus/core/net";
import { type DeepReadonly } from "@isthmus/core/runtime";
import { z } from "zod";
import { gatewayDefaults } from "../constants.js";

/**
 * How remote subnets reach the active gateway node: `cross-subnet` (the default) routes them
 * directly via its IP on the underlay device when it shares a subnet with this node, over
 * `vx-isthmus` otherwise; `always` uses `vx-isthmus` for every node (for networks that drop
 * packets whose source is a pod IP, such as cloud VPCs with source/destination checks on).
 */
export const routeAgentModes = ["cross-subnet", "always"] as const;

/** One of {@link routeAgentModes}. */
export type RouteAgentMode = (typeof routeAgentModes)[number];

/** Configuration of isthmus-route-agent (flags, env `ISTHMUS_ROUTE_AGENT_*`, or a JSON file). */
export const routeAgentConfigSchema = z.strictObject({
  /** This node's name. */
  nodeName: z.string().min(1),
  /** This node's IPv4 address (VTEP source); default its InternalIP. */
  nodeIp: z.string().refine(isIp, { error: "must be an IP address" }).optional(),
  /** Namespace of the gateway Lease. */
  namespace: z.string().min(1).default(defaults.namespace),
  kubeconfig: z.string().min(1).optional(),
  /** MTU of vx-isthmus (underlay minus 50). */
  mtu: z.coerce.number().int().min(1280).max(9000).default(1500 - defaults.vxlanOverhead),
  /** How remote subnets reach the active gateway node (see {@link routeAgentModes}). */
  vxlanMode: z.enum(routeAgentModes).default("cross-subnet"),
  /** The node's CNI config directory as mounted in the agent (read-only, the same path as on the node): reported on the Node (cni-annotation.ts). */
  cniConfDir: z.string().min(1).default("/etc/cni/net.d"),
  resyncMs: z.coerce.number().int().min(1000).max(3_600_000).default(gatewayDefaults.resyncMs),
  metricsPort: z.coerce.number().int().min(0).max(65_535).default(gatewayDefaults.routeAgentMetricsPort),
  metricsHost: z.string().min(1).default("0.0.0.0"),
  uninstall: z.preprocess((v) => v === true || v === "true", z.boolean()).default(false),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

/** Parsed route agent configuration. */
export type RouteAgentConfig = DeepReadonly<z.output<typeof routeAgentConfigSchema>>;
