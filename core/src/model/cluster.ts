import { z } from "zod";
import { contains, overlaps, parseCidr, parseIp } from "../net/index.js";
import { clusterIdSchema } from "./cluster-id.js";
import { parseModel } from "./errors.js";
import { dnsLabelSchema, dnsSubdomainSchema, labelsSchema } from "./names.js";
import { cidrSchema, ipAddressSchema, timestampSchema } from "./primitives.js";

/** The most GlobalEgressIP resources one cluster may have addresses for (docs/adr/0206). */
export const maxGlobalEgressIps = 1000;

/**
 * One GlobalEgressIP resource of a cluster (docs/adr/0206): its namespace and name, and the
 * address of the cluster's global block the broker gave it (absent: the cluster holds no block,
 * or the block has no address left).
 */
export const globalEgressIpSchema = z.strictObject({
  /** The resource's namespace. */
  namespace: dnsLabelSchema,
  /** The resource's name. */
  name: dnsSubdomainSchema,
  /** The address the selected pods leave as, set by the broker. */
  globalIp: ipAddressSchema.optional(),
});
/** One GlobalEgressIP of a cluster (see `globalEgressIpSchema`). */
export type GlobalEgressIp = z.output<typeof globalEgressIpSchema>;

/**
 * A member cluster as the broker knows it: its id, the CIDRs its pods and services use, the
 * global CIDR it was given when the clusterset runs Globalnet, free-form labels and when it
 * joined and was last heard from (ISO 8601 UTC timestamps).
 */
export const clusterSchema = z
  .strictObject({
    /** The cluster's id (RFC 1123 label). */
    id: clusterIdSchema,
    /** Pod CIDRs; at least one (dual-stack clusters have two). */
    podCidrs: z.array(cidrSchema).min(1, { error: "at least one pod CIDR is required" }),
    /** Service CIDRs; at least one. */
    serviceCidrs: z.array(cidrSchema).min(1, { error: "at least one service CIDR is required" }),
    /** The cluster's slice of the global CIDR pool, when Globalnet is on. */
    globalCidr: cidrSchema.optional(),
    /** The cluster's GlobalEgressIP resources and their addresses; absent when it has none. */
    globalEgress: z.array(globalEgressIpSchema).min(1).max(maxGlobalEgressIps).optional(),
    /** Labels, with Kubernetes label syntax. */
    labels: labelsSchema.default({}),
    /** When the cluster joined the clusterset. */
    joinedAt: timestampSchema,
    /** When the broker last heard from the cluster; never before `joinedAt`. */
    lastSeen: timestampSchema,
  })
  .superRefine((cluster, ctx) => {
    if (Date.parse(cluster.lastSeen) < Date.parse(cluster.joinedAt)) {
      ctx.addIssue({ code: "custom", path: ["lastSeen"], message: `must not be before joinedAt (${cluster.joinedAt})` });
    }
    checkOverlaps(cluster, ctx);
    checkGlobalEgress(cluster, ctx);
  });

/** GlobalEgressIPs are unique by namespace and name; their addresses are unique and in the block. */
function checkGlobalEgress(cluster: { globalCidr?: string | undefined; globalEgress?: readonly GlobalEgressIp[] | undefined }, ctx: z.RefinementCtx): void {
  const keys = new Set<string>();
  const ips = new Set<string>();
  const block = cluster.globalCidr === undefined ? undefined : parseCidr(cluster.globalCidr);
  (cluster.globalEgress ?? []).forEach((entry, i) => {
    const key = `${entry.namespace}/${entry.name}`;
    if (keys.has(key)) ctx.addIssue({ code: "custom", path: ["globalEgress", i], message: `${key} is listed twice` });
    keys.add(key);
    if (entry.globalIp === undefined) return;
    if (ips.has(entry.globalIp)) ctx.addIssue({ code: "custom", path: ["globalEgress", i, "globalIp"], message: `${entry.globalIp} is given twice` });
    ips.add(entry.globalIp);
    if (block === undefined || !contains(block, parseIp(entry.globalIp))) {
      ctx.addIssue({ code: "custom", path: ["globalEgress", i, "globalIp"], message: `${entry.globalIp} is not in the cluster's global block${block === undefined ? " (it has none)" : ` ${block.toString()}`}` });
    }
  });
}

/** A cluster's own pod, service and global CIDRs must be disjoint. */
function checkOverlaps(cluster: { podCidrs: string[]; serviceCidrs: string[]; globalCidr?: string | undefined }, ctx: z.RefinementCtx): void {
  const named = [
    ...cluster.podCidrs.map((text, i) => ({ text, path: ["podCidrs", i] })),
    ...cluster.serviceCidrs.map((text, i) => ({ text, path: ["serviceCidrs", i] })),
    ...(cluster.globalCidr === undefined ? [] : [{ text: cluster.globalCidr, path: ["globalCidr"] }]),
  ];
  named.forEach((entry, index) => {
    const other = named.slice(0, index).find((earlier) => overlaps(parseCidr(earlier.text), parseCidr(entry.text)));
    if (other !== undefined) {
      ctx.addIssue({ code: "custom", path: entry.path, message: `${entry.text} overlaps ${other.path.join(".")} ${other.text}` });
    }
  });
}

/** A member cluster (see `clusterSchema`). */
export type Cluster = z.output<typeof clusterSchema>;

/** Parses a cluster record; throws ModelError "InvalidCluster" listing every problem. */
export function parseCluster(input: unknown): Cluster {
  return parseModel(clusterSchema, input, { code: "InvalidCluster", what: "cluster" });
}
