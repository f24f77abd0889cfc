import { recordKey, type BrokerRecord, type WatchChangeBatch, type WatchSnapshot } from "@isthmus/core/brokerapi";
import { type Cluster, type GatewayEndpoint, type ServiceExport } from "@isthmus/core/model";

/** The broker records a gateway acts on, kept current from one watch. */
export interface BrokerState {
  /** Replaces everything with a snapshot. */
  applySnapshot(snapshot: WatchSnapshot): void;
  /** Applies a batch of changes. */
  applyChanges(batch: WatchChangeBatch): void;
  clusters(): Cluster[];
  endpoints(): GatewayEndpoint[];
  /** The exports (a cluster with a global block: their global IPs, docs/adr/0206). */
  exports(): ServiceExport[];
}

/** Creates an empty {@link BrokerState}. */
export function createBrokerState(): BrokerState {
  const records = new Map<string, BrokerRecord>();
  const keyOf = (r: BrokerRecord): string => `${r.kind}:${recordKey(r)}`;
  return {
    applySnapshot(snapshot) {
      records.clear();
      for (const r of snapshot.records) records.set(keyOf(r), r);
    },
    applyChanges(batch) {
      for (const change of batch.changes) {
        const key = `${change.kind}:${change.key}`;
        if (change.type === "delete") records.delete(key);
        else records.set(key, change.record);
      }
    },
    clusters: () => [...records.values()].flatMap((r) => (r.kind === "cluster" ? [r.value] : [])),
    endpoints: () => [...records.values()].flatMap((r) => (r.kind === "endpoint" ? [r.value] : [])),
    exports: () => [...records.values()].flatMap((r) => (r.kind === "export" ? [r.value] : [])),
  };
}
