import { z } from "zod";
import { clusterIdSchema } from "./cluster-id.js";
import { parseModel } from "./errors.js";
import { dnsSubdomainSchema } from "./names.js";
import { timestampSchema } from "./primitives.js";

/** States of a tunnel between two gateways. */
export const connectionStates = ["connecting", "connected", "error"] as const;
/** The state of a tunnel (see `connectionStates`). */
export type ConnectionState = (typeof connectionStates)[number];

const millis = z.number().nonnegative();

/** Round-trip times of health-check probes over the tunnel, in milliseconds. */
export const rttStatsSchema = z
  .strictObject({
    /** The last probe's RTT. */
    lastMs: millis,
    /** Minimum over the window. */
    minMs: millis,
    /** Mean over the window. */
    avgMs: millis,
    /** Maximum over the window. */
    maxMs: millis,
    /** Standard deviation over the window. */
    stddevMs: millis,
  })
  .superRefine((rtt, ctx) => {
    if (!(rtt.minMs <= rtt.avgMs && rtt.avgMs <= rtt.maxMs)) {
      ctx.addIssue({ code: "custom", message: `must satisfy minMs <= avgMs <= maxMs (got ${rtt.minMs}, ${rtt.avgMs}, ${rtt.maxMs})` });
    }
    if (rtt.lastMs < rtt.minMs || rtt.lastMs > rtt.maxMs) {
      ctx.addIssue({ code: "custom", path: ["lastMs"], message: `must lie within [minMs, maxMs] = [${rtt.minMs}, ${rtt.maxMs}]` });
    }
  });
/** RTT statistics (see `rttStatsSchema`). */
export type RttStats = z.output<typeof rttStatsSchema>;

/**
 * What one gateway reports about its tunnel to another cluster: the state, why it is in error,
 * RTT statistics and loss of the health checks, and when the state last changed.
 */
export const connectionStatusSchema = z
  .strictObject({
    /** The reporting cluster. */
    fromCluster: clusterIdSchema,
    /** The reporting gateway's hostname. */
    fromGateway: dnsSubdomainSchema,
    /** The remote cluster. */
    toCluster: clusterIdSchema,
    /** The remote gateway's hostname, when known. */
    toGateway: dnsSubdomainSchema.optional(),
    /** The tunnel's state. */
    status: z.enum(connectionStates),
    /** Why the tunnel is not connected; required when status is "error". */
    reason: z.string().min(1).max(1024).optional(),
    /** Health-check RTT statistics. */
    rtt: rttStatsSchema,
    /** Fraction of health-check probes lost over the window, 0..1. */
    lossRatio: z.number().min(0).max(1).optional(),
    /** When `status` last changed. */
    lastChange: timestampSchema,
  })
  .superRefine((conn, ctx) => {
    if (conn.fromCluster === conn.toCluster) {
      ctx.addIssue({ code: "custom", path: ["toCluster"], message: `must differ from fromCluster ("${conn.fromCluster}")` });
    }
    if (conn.status === "error" && conn.reason === undefined) {
      ctx.addIssue({ code: "custom", path: ["reason"], message: 'is required when status is "error"' });
    }
  });

/** A gateway's view of one tunnel (see `connectionStatusSchema`). */
export type ConnectionStatus = z.output<typeof connectionStatusSchema>;

/** Parses a connection status; throws ModelError "InvalidConnectionStatus" listing every problem. */
export function parseConnectionStatus(input: unknown): ConnectionStatus {
  return parseModel(connectionStatusSchema, input, { code: "InvalidConnectionStatus", what: "connection status" });
}
