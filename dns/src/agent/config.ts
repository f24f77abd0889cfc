import { defaults } from "@isthmus/core/constants";
import { z } from "zod";

/** The configuration of isthmus-dns (flags > env ISTHMUS_DNS_* > JSON file > these defaults). */
export const dnsConfigSchema = z
  .strictObject({
    /** Address and port of the DNS listeners (UDP and TCP). 5353: the pod runs on the host network. */
    dnsHost: z.string().min(1).default("0.0.0.0"),
    dnsPort: z.int().min(0).max(65535).default(5353),
    /** Address and port of `/metrics`, `/healthz`, `/readyz`. */
    httpHost: z.string().min(1).default("0.0.0.0"),
    httpPort: z.int().min(0).max(65535).default(9154),
    /** The zone served and the TTL of every answer. */
    zone: z.string().min(1).default(defaults.dnsZone),
    ttlSeconds: z.int().min(0).max(3600).default(defaults.dnsTtlSeconds),
    /** Namespace of the broker Secrets and of the Lease. */
    namespace: z.string().min(1).default(defaults.namespace),
    /** The Lease electing the replica that writes. */
    leaseName: z.string().min(1).default("isthmus-dns"),
    /** This replica's identity in the Lease; main.ts defaults it to POD_NAME or the hostname. */
    identity: z.string().min(1),
    /** A kubeconfig file instead of the in-cluster service account. */
    kubeconfig: z.string().min(1).optional(),
    leaseDurationMs: z.int().min(1000).max(120_000).default(15_000),
    renewDeadlineMs: z.int().min(500).max(60_000).default(10_000),
    retryPeriodMs: z.int().min(100).max(30_000).default(2_000),
    /** Every export and import is reconciled again this often. */
    resyncMs: z.int().min(1000).max(3_600_000).default(60_000),
    /** How long the informers may take to sync at start. */
    syncTimeoutMs: z.int().min(1000).max(600_000).default(120_000),
    logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  })
  .refine((c) => c.renewDeadlineMs < c.leaseDurationMs && c.retryPeriodMs < c.renewDeadlineMs, {
    error: "timings must satisfy retryPeriodMs < renewDeadlineMs < leaseDurationMs",
  });

/** The parsed configuration of isthmus-dns. */
export type DnsConfig = z.output<typeof dnsConfigSchema>;
