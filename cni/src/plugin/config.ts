import { z } from "zod";
import { CniError } from "./errors.js";
import { isSupportedVersion, supportedVersions } from "./versions.js";

const bandwidthSchema = z.object({
  ingressRate: z.number().int().positive().optional(),
  ingressBurst: z.number().int().positive().optional(),
  egressRate: z.number().int().positive().optional(),
  egressBurst: z.number().int().positive().optional(),
});

const attachmentSchema = z.object({ containerID: z.string().min(1), ifname: z.string().min(1) });

const ipamSchema = z.strictObject({
  /** Accepted for symmetry with other plugins; this plugin always does its own IPAM. */
  type: z.literal("isthmus").optional(),
  /** The node's podCIDR, e.g. "10.1.1.0/24". */
  subnet: z.string().min(1),
  /** The bridge address pods route through; default: the first usable address of `subnet`. */
  gateway: z.string().min(1).optional(),
  /** Where allocations are recorded; default /var/lib/cni/isthmus. */
  dataDir: z.string().startsWith("/").optional(),
});

const netConfSchema = z.strictObject({
  cniVersion: z.string(),
  name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, "must be letters, digits, '_', '.', '-'"),
  type: z.string().min(1),
  bridge: z.string().min(1).max(15).optional(),
  mtu: z.number().int().min(576).max(65535).optional(),
  agentSocket: z.string().startsWith("/").optional(),
  kubeconfig: z.string().startsWith("/").optional(),
  ipam: ipamSchema,
  capabilities: z.record(z.string(), z.boolean()).optional(),
  runtimeConfig: z.looseObject({ bandwidth: bandwidthSchema.optional() }).optional(),
  args: z.record(z.string(), z.unknown()).optional(),
  dns: z.record(z.string(), z.unknown()).optional(),
  prevResult: z.record(z.string(), z.unknown()).optional(),
  disableCheck: z.boolean().optional(),
  disableGC: z.boolean().optional(),
  "cni.dev/valid-attachments": z.array(attachmentSchema).optional(),
});

/** The network configuration this plugin receives on stdin (one plugin entry of a conflist). */
export type NetConf = z.infer<typeof netConfSchema>;
/** Bandwidth limits in bits per second (runtimeConfig.bandwidth, CNI conventions). */
export type BandwidthConfig = z.infer<typeof bandwidthSchema>;

/**
 * Parses the stdin network configuration. Throws CniError: "DecodingFailure" (6) for bad JSON,
 * "IncompatibleVersion" (1) for a cniVersion we do not speak, "UnsupportedField" (2) naming an
 * unknown key and its value, "InvalidConfig" (7) naming the field and what it must be.
 */
export function parseNetConf(stdin: string): NetConf {
  let value: unknown;
  try {
    value = JSON.parse(stdin);
  } catch (err) {
    throw new CniError("DecodingFailure", `Cannot decode the network configuration on stdin: ${err instanceof Error ? err.message : String(err)}; send one JSON object`, { cause: err });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CniError("DecodingFailure", "Cannot decode the network configuration on stdin: expected a JSON object");
  }
  const version = (value as Record<string, unknown>).cniVersion;
  if (typeof version !== "string" || !isSupportedVersion(version)) {
    throw new CniError("IncompatibleVersion", `cniVersion ${JSON.stringify(version)} is not supported: use one of ${supportedVersions.join(", ")}`);
  }
  const parsed = netConfSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue === undefined) throw new CniError("InvalidConfig", "The network configuration is invalid");
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    const where = issue.path.length === 0 ? "" : ` in ${issue.path.join(".")}`;
    const container = issue.path.reduce<unknown>((obj, p) => (obj as Record<PropertyKey, unknown>)[p], value);
    const field = (container as Record<string, unknown>)[key];
    throw new CniError("UnsupportedField", `Unsupported field ${JSON.stringify(key)}${where} with value ${JSON.stringify(field)}: remove it`, { details: `supported: ${Object.keys(netConfSchema.shape).join(", ")}` });
  }
  const path = issue.path.join(".") || "(root)";
  throw new CniError("InvalidConfig", `Invalid network configuration: field ${path}: ${issue.message}`);
}
