import { defaults } from "@isthmus/core/constants";
import { parseGlobalRequest } from "@isthmus/core/model";
import { isCidr, isIp } from "@isthmus/core/net";
import { type DeepReadonly } from "@isthmus/core/runtime";
import { z } from "zod";
import { gatewayDefaults } from "../constants.js";

const list = (item: z.ZodType<string>): z.ZodType<string[]> =>
  z.preprocess((v) => (typeof v === "string" ? v.split(",").map((s) => s.trim()).filter((s) => s !== "") : v), z.array(item));
const cidr = z.string().refine(isCidr, { error: "must be a CIDR" });
const ip = z.string().refine(isIp, { error: "must be an IP address" });
const isGlobalRequest = (v: string): boolean => {
  try {
    parseGlobalRequest(v);
    return true;
  } catch {
    return false;
  }
};
const ms = (fallback: number): z.ZodDefault<z.ZodCoercedNumber> => z.coerce.number().int().min(1).max(3_600_000).default(fallback);
const port = (fallback: number): z.ZodDefault<z.ZodCoercedNumber> => z.coerce.number().int().min(1).max(65_535).default(fallback);

/**
 * Configuration of isthmus-gateway (flags `--pod-cidrs`, env `ISTHMUS_GATEWAY_POD_CIDRS`, or a
 * JSON file). `isthmus join` sets the cluster's CIDRs; everything else has a default.
 */
export const gatewayConfigSchema = z.strictObject({
  /** This node's name (the Lease identity and the name of its `Gateway` resource). */
  nodeName: z.string().min(1),
  /** The cluster's pod CIDRs, published to the broker. */
  podCidrs: list(cidr).pipe(z.array(z.string()).min(1, { error: "at least one pod CIDR is required" })),
  /** The cluster's service CIDRs, published to the broker. */
  serviceCidrs: list(cidr).pipe(z.array(z.string()).min(1, { error: "at least one service CIDR is required" })),
  /**
   * Global addressing to ask the broker for (docs/adr/0206): "" none, "auto", a size "/N" or a
   * block (a CIDR). A cluster holding a block keeps it whatever this says.
   */
  globalCidr: z
    .string()
    .default("")
    .refine((v) => v === "" || isGlobalRequest(v), { error: 'must be "auto", a prefix length such as /16, or a CIDR' }),
  /** The tunnel kind. */
  cableDriver: z.enum(["wireguard", "vxlan"]).default("wireguard"),
  /** Namespace of the agents, the Lease and the broker Secrets. */
  namespace: z.string().min(1).default(defaults.namespace),
  /** Kubeconfig file; absent = in-cluster. */
  kubeconfig: z.string().min(1).optional(),
  /** This gateway's tunnel (health-check) address; default the first address of the node's podCIDR. */
  tunnelIp: ip.optional(),
  /** Public address override (else the node annotation `isthmus.io/public-ip`, an ExternalIP, the InternalIP). */
  publicIp: ip.optional(),
  /** WireGuard: key directory (`<dir>/<node name>.key`, 0600, made when missing), port, MTU, backend, wireguard-go binary. */
  keyDir: z.string().min(1).default(gatewayDefaults.keyDir),
  wireguardPort: port(defaults.wireguardPort),
  wireguardMtu: z.coerce.number().int().min(1280).max(9000).default(1420),
  wireguardBackend: z.enum(["auto", "kernel", "userspace"]).default("auto"),
  wireguardGo: z.string().min(1).default("wireguard-go"),
  /** VXLAN cable: UDP port and MTU. */
  vxlanPort: port(defaults.vxlanCablePort),
  vxlanMtu: z.coerce.number().int().min(1280).max(9000).default(1500 - defaults.vxlanOverhead),
  /** Health probes. */
  probeIntervalMs: ms(gatewayDefaults.probeIntervalMs),
  probeTimeoutMs: ms(gatewayDefaults.probeTimeoutMs),
  probeFailureThreshold: z.coerce.number().int().min(1).max(100).default(gatewayDefaults.probeFailureThreshold),
  /** How long a remote gateway that failed its probes is avoided. */
  failedEndpointHoldMs: ms(gatewayDefaults.failedEndpointHoldMs),
  /** Lease timings. */
  leaseDurationMs: ms(gatewayDefaults.leaseDurationMs),
  renewDeadlineMs: ms(gatewayDefaults.renewDeadlineMs),
  retryPeriodMs: ms(gatewayDefaults.retryPeriodMs),
  /** Underlay link polling. */
  linkPollMs: ms(gatewayDefaults.linkPollMs),
  /** Full resync period. */
  resyncMs: ms(gatewayDefaults.resyncMs),
  /** Metrics HTTP port (0 = off) and address. */
  metricsPort: z.coerce.number().int().min(0).max(65_535).default(gatewayDefaults.gatewayMetricsPort),
  metricsHost: z.string().min(1).default("0.0.0.0"),
  /** Remove every device, route and table the gateway made, then exit. */
  uninstall: z.preprocess((v) => v === true || v === "true", z.boolean()).default(false),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

/** Where the gateway's WireGuard private key lives. */
export function keyFilePath(config: { readonly keyDir: string; readonly nodeName: string }): string {
  return `${config.keyDir}/${config.nodeName}.key`;
}

/** Parsed gateway configuration. */
export type GatewayConfig = DeepReadonly<z.output<typeof gatewayConfigSchema>>;
