import type { BrokerRecord, RecordChange } from "@isthmus/core/brokerapi";
import type { ServiceExport } from "@isthmus/core/model";
import type { ServiceIndex } from "../index/index.js";
import { asReachedFrom, mergeExports, toImportedService, type MergedService } from "../mcs/index.js";

// The clusterset as the broker's watch shows it, kept in memory and pushed into the DNS index:
// every cluster's exports grouped by (namespace, name) and merged (KEP-1645; a remote headless
// export's endpoints at their per-pod global IPs, see asReachedFrom), and the set of healthy
// clusters — the local one plus every remote cluster the local gateway reports "connected". A
// cluster whose tunnel goes down drops out of DNS and of the imported EndpointSlices until it
// comes back. Level-based: a snapshot replaces everything; the
// `onServiceChanged` / `onHealthChanged` callbacks tell the Kubernetes writer what to reconcile.

/** Options of `createClustersetState`. */
export interface ClustersetStateOptions {
  readonly localClusterId: string;
  readonly index: ServiceIndex;
  /** Told the (namespace, name) of every service whose merged view may have changed; must not throw. */
  readonly onServiceChanged?: (namespace: string, name: string) => void;
  /** Told when the healthy set changes (every import's slices may change); must not throw. */
  readonly onHealthChanged?: (healthy: ReadonlySet<string>) => void;
}

/** The broker-fed clusterset state. */
export interface ClustersetState {
  /** Replaces all state with a watch snapshot. */
  applySnapshot(records: readonly BrokerRecord[]): void;
  /** Applies one batch of watch changes, in order. */
  applyChanges(changes: readonly RecordChange[]): void;
  /** Sets the clusterset IPs of an import (the derived Service's cluster IPs); idempotent. */
  setImportIps(namespace: string, name: string, ips: readonly string[]): void;
  /** The merged view of a service, when some cluster exports it. */
  merged(namespace: string, name: string): MergedService | undefined;
  /** Every (namespace, name) some cluster exports. */
  services(): { namespace: string; name: string }[];
  /** The clusters whose connection is healthy, the local one included. */
  healthyClusters(): ReadonlySet<string>;
}

const serviceKey = (namespace: string, name: string): string => `${namespace}/${name}`;

/** Creates an empty state bound to `options.index`. */
export function createClustersetState(options: ClustersetStateOptions): ClustersetState {
  const exports = new Map<string, Map<string, ServiceExport>>();
  const connected = new Set<string>();
  const ips = new Map<string, readonly string[]>();
  let healthy: ReadonlySet<string> = new Set([options.localClusterId]);

  const publish = (namespace: string, name: string): void => {
    const key = serviceKey(namespace, name);
    const merged = mergeExports([...(exports.get(key)?.values() ?? [])]);
    if (merged === undefined) options.index.remove(namespace, name);
    else options.index.upsert(toImportedService(merged, ips.get(key) ?? []));
    options.onServiceChanged?.(namespace, name);
  };

  const refreshHealth = (): void => {
    const next = new Set([options.localClusterId, ...connected]);
    if (next.size === healthy.size && [...next].every((c) => healthy.has(c))) return;
    healthy = next;
    options.index.setHealthyClusters(healthy);
    options.onHealthChanged?.(healthy);
  };

  const apply = (type: "put" | "delete", record: BrokerRecord): string | undefined => {
    if (record.kind === "export") {
      const r = record.value;
      const key = serviceKey(r.namespace, r.name);
      const byCluster = exports.get(key) ?? new Map<string, ServiceExport>();
      if (type === "put") byCluster.set(r.clusterId, asReachedFrom(options.localClusterId, r));
      else byCluster.delete(r.clusterId);
      if (byCluster.size === 0) exports.delete(key);
      else exports.set(key, byCluster);
      return key;
    }
    if (record.kind === "connection" && record.value.fromCluster === options.localClusterId) {
      if (type === "put" && record.value.status === "connected") connected.add(record.value.toCluster);
      else connected.delete(record.value.toCluster);
    }
    return undefined;
  };

  const republish = (keys: Iterable<string>): void => {
    for (const key of new Set(keys)) {
      const [namespace = "", name = ""] = key.split("/");
      publish(namespace, name);
    }
  };

  options.index.setHealthyClusters(healthy);
  return {
    applySnapshot(records) {
      const before = [...exports.keys()];
      exports.clear();
      connected.clear();
      const touched = records.map((r) => apply("put", r)).filter((k) => k !== undefined);
      refreshHealth();
      republish([...before, ...touched]);
    },
    applyChanges(changes) {
      const touched = changes.map((c) => apply(c.type, c.record)).filter((k) => k !== undefined);
      refreshHealth();
      republish(touched);
    },
    setImportIps(namespace, name, addresses) {
      const key = serviceKey(namespace, name);
      const previous = ips.get(key) ?? [];
      if (previous.length === addresses.length && previous.every((a, i) => a === addresses[i])) return;
      ips.set(key, [...addresses]);
      if (exports.has(key)) publish(namespace, name);
    },
    merged(namespace, name) {
      return mergeExports([...(exports.get(serviceKey(namespace, name))?.values() ?? [])]);
    },
    services() {
      return [...exports.keys()].map((key) => {
        const [namespace = "", name = ""] = key.split("/");
        return { namespace, name };
      });
    },
    healthyClusters: () => healthy,
  };
}
