import { z } from "zod";
import { overlaps, parseCidr } from "../net/index.js";
import { clusterIdSchema } from "./cluster-id.js";
import { parseModel } from "./errors.js";
import { labelsSchema } from "./names.js";
import { cidrSchema, timestampSchema } from "./primitives.js";

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
  });

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
