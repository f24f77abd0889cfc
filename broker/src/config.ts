import { defaults } from "@isthmus/core/constants";
import { isCidr } from "@isthmus/core/net";
import { z } from "zod";

/** The broker's configuration (flags > env ISTHMUS_BROKER_* > JSON file > these defaults). */
export const brokerConfigSchema = z.strictObject({
  /** Where the SQLite file and the admin credential live. */
  dataDir: z.string().min(1).default("/var/lib/isthmus-broker"),
  /** Address both ports listen on. */
  listen: z.string().min(1).default("0.0.0.0"),
  grpcPort: z.int().min(0).max(65535).default(defaults.brokerGrpcPort),
  httpPort: z.int().min(0).max(65535).default(defaults.brokerHttpPort),
  /** The dashboard and its JSON API: HTTPS with the serving certificate (docs/adr/0204). */
  dashboard: z.boolean().default(true),
  dashboardPort: z.int().min(0).max(65535).default(7444),
  /** The store: "sqlite" (one replica) or "etcd" (several). */
  store: z.enum(["sqlite", "etcd"]).default("sqlite"),
  /** etcd endpoints, e.g. ["http://127.0.0.1:2379"] (store "etcd" only). */
  etcdEndpoints: z.array(z.string().min(1)).default([]),
  /**
   * Every cluster gets a block of the global range. Without it only clusters that ask at join
   * (and members they overlap) get one (docs/adr/0206-global-addresses.md).
   */
  globalnet: z.boolean().default(false),
  /** The global range blocks come from, and the prefix length of a block by default. */
  globalCidrPool: z.string().refine(isCidr, { error: "must be a CIDR" }).default(defaults.globalCidrPool),
  globalCidrPrefix: z.int().min(1).max(128).default(defaults.globalCidrPrefix),
  /** Names and addresses in the serving certificate. */
  tlsDnsNames: z.array(z.string().min(1)).default(["localhost"]),
  tlsIpAddresses: z.array(z.string().min(1)).default(["127.0.0.1", "::1"]),
  /** Validity of cluster certificates issued at Join, days. */
  clientCertDays: z.number().positive().max(3650).default(365),
  heartbeatSeconds: z.number().positive().max(60).default(5),
  /** Largest request accepted; larger ones get INVALID_ARGUMENT. */
  maxMessageBytes: z.int().min(1024).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
  maxRecordsPerPublish: z.int().min(1).default(20_000),
  /** Services one cluster may export (its export publish carries them all); more get RESOURCE_EXHAUSTED. */
  maxExportsPerCluster: z.int().min(1).default(10_000),
  /** Refused Joins per source address per minute before its Joins get RESOURCE_EXHAUSTED. */
  joinFailuresPerMinute: z.int().min(1).default(30),
  /** Revisions kept for resuming watchers. */
  historyRevisions: z.int().min(10).default(10_000),
  /** Events queued per watcher before it is reset to a snapshot. */
  watchQueue: z.int().min(10).default(1_000),
  shutdownGraceSeconds: z.number().min(0).max(300).default(10),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

/** The parsed broker configuration. */
export type BrokerConfig = z.output<typeof brokerConfigSchema>;
