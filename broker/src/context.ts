import type { Catalog } from "./catalog.js";
import type { BrokerPki } from "./broker-pki.js";
import type { RevocationList } from "./identity.js";
import type { JoinLimiter } from "./join-limiter.js";
import type { Logger } from "./logger.js";
import type { BrokerMetrics } from "./metrics.js";
import type { Store } from "./store/store.js";
import type { WatchHub } from "./watch-hub.js";

/** Everything the gRPC services share; built once by the server. */
export interface BrokerContext {
  readonly store: Store;
  readonly catalog: Catalog;
  readonly hub: WatchHub;
  readonly pki: BrokerPki;
  readonly revoked: RevocationList;
  readonly metrics: BrokerMetrics;
  readonly logger: Logger;
  /** Counts refused Joins per source address. */
  readonly joinLimiter: JoinLimiter;
  /** Most records one publish may carry. */
  readonly maxRecordsPerPublish: number;
  readonly maxExportsPerCluster: number;
  /** The global range clusters' blocks come from, as text. */
  readonly globalPool: string;
  readonly startedAt: Date;
  readonly version: string;
  /** Open watch streams by cluster id, so that evicting a cluster can end them. */
  readonly streams: Map<string, Set<(reason: string) => void>>;
}
