import type { KubernetesObject } from "@kubernetes/client-node";
import { type BrokerClient } from "@isthmus/core/brokerapi";
import { objectKey } from "@isthmus/core/kube";
import { createReconcileQueue, type Backoff, type Logger } from "@isthmus/core/runtime";
import { managedByValue, mcsLabels } from "../mcs/index.js";
import type { ClustersetState } from "./clusterset-state.js";
import { createExporter } from "./exporter.js";
import { createImporter } from "./importer.js";
import type { McsInformers } from "./informers.js";
import type { McsKubeApi } from "./kube-api.js";

// What the leader does while it leads, on three keyed queues:
// - exports ("namespace/name"): a ServiceExport, its Service or one of its EndpointSlices
//   changed, or the clusterset's view of it did (conditions) → exporter;
// - publish (one key): the set of local export records changed → send the whole set to the
//   broker (level-based, so a retry or a new leader sends the same thing). Publishing waits
//   until every existing export has been evaluated once, so a new leader never withdraws
//   exports it simply has not looked at yet. The broker's answer names the exports a full
//   global block has no address for: their keys go back to the exports queue (conditions);
// - imports ("namespace/name"): the merged view, the healthy set, or one of our objects
//   changed, or the namespace of an exported service was created here → importer.
// Informer handlers are registered when leading starts and removed when it ends.

/** Options of `createLeaderWork`. */
export interface LeaderWorkOptions {
  readonly clusterId: string;
  readonly informers: McsInformers;
  readonly api: McsKubeApi;
  readonly state: ClustersetState;
  readonly broker: Pick<BrokerClient, "publish">;
  readonly backoff: Backoff;
  readonly resyncMs: number;
  readonly logger: Logger;
}

/** The leader's work for one term. */
export interface LeaderWork {
  /** Runs until `signal` aborts, then stops the queues. */
  run(signal: AbortSignal): Promise<void>;
  /** The merged view of `key` may have changed. */
  serviceChanged(key: string): void;
  /** The healthy set changed: every import's slices may change. */
  healthChanged(): void;
}

const publishKey = "exports";

/** Creates the leader's work (nothing runs until `run`). */
export function createLeaderWork(options: LeaderWorkOptions): LeaderWork {
  const { informers, state } = options;
  const log = options.logger.child({ component: "leader" });
  let publishing = false;

  const exporter = createExporter({
    clusterId: options.clusterId,
    informers,
    api: options.api,
    merged: (ns, name) => state.merged(ns, name),
    onRecordsChanged: () => {
      if (publishing) publishQueue.add(publishKey);
    },
    logger: log,
  });
  const importer = createImporter({ clusterId: options.clusterId, informers, api: options.api, merged: (ns, name) => state.merged(ns, name), healthy: () => state.healthyClusters(), logger: log });
  const importKeys = (): string[] => [...new Set([...state.services().map((s) => `${s.namespace}/${s.name}`), ...importer.keys()])];

  const common = { backoff: options.backoff, resyncMs: options.resyncMs, logger: log };
  const exportQueue = createReconcileQueue<string>({ ...common, concurrency: 2, reconcile: (key) => exporter.reconcile(key), listKeys: () => exporter.keys() });
  const importQueue = createReconcileQueue<string>({ ...common, concurrency: 4, reconcile: (key) => importer.reconcile(key), listKeys: importKeys });
  const publishQueue = createReconcileQueue<string>({
    ...common,
    reconcile: async (_key, signal) => {
      const records = exporter.records();
      const result = await options.broker.publish({ kind: "export", records }, { signal });
      const unaddressed = result.unaddressed ?? [];
      log.info({ records: records.length, revision: result.revision, created: result.created, updated: result.updated, deleted: result.deleted, unaddressed: unaddressed.length }, "published exports");
      for (const u of unaddressed) log.warn({ key: `${u.namespace}/${u.name}`, missing: u.missing }, u.message);
      for (const key of exporter.setUnaddressed(unaddressed)) exportQueue.add(key);
    },
    listKeys: () => (publishing ? [publishKey] : []),
  });

  const handlers = (): (() => void)[] => {
    const onExport = (o: KubernetesObject): void => {
      exportQueue.add(objectKey(o));
    };
    const onService = (o: KubernetesObject): void => {
      exportQueue.add(objectKey(o));
      const derivedFrom = o.metadata?.labels?.[mcsLabels.derivedFrom];
      if (derivedFrom !== undefined) importQueue.add(`${o.metadata?.namespace ?? ""}/${derivedFrom}`);
    };
    const onSlice = (o: KubernetesObject): void => {
      const labels = o.metadata?.labels ?? {};
      const namespace = o.metadata?.namespace ?? "";
      const service = labels[mcsLabels.kubeServiceName];
      if (service !== undefined) exportQueue.add(`${namespace}/${service}`);
      // The local member of an import contributes its own endpoints (see LocalBackends).
      if (service !== undefined && labels[mcsLabels.managedBy] !== managedByValue && state.merged(namespace, service) !== undefined) {
        importQueue.add(`${namespace}/${service}`);
      }
      const imported = labels[mcsLabels.serviceName];
      if (imported !== undefined && labels[mcsLabels.managedBy] === managedByValue) importQueue.add(`${namespace}/${imported}`);
    };
    const onImport = (o: KubernetesObject): void => {
      importQueue.add(objectKey(o));
    };
    // An export whose namespace did not exist here is imported as soon as the namespace is created.
    const onNamespace = (o: KubernetesObject): void => {
      const namespace = o.metadata?.name ?? "";
      for (const service of state.services()) if (service.namespace === namespace) importQueue.add(`${namespace}/${service.name}`);
    };
    const events = ["add", "update", "delete"] as const;
    return [
      ...events.flatMap((e) => [informers.exports.on(e, onExport), informers.services.on(e, onService), informers.slices.on(e, onSlice), informers.imports.on(e, onImport)]),
      informers.namespaces.on("add", onNamespace),
    ];
  };

  return {
    async run(signal) {
      log.info("leading: reconciling exports and imports");
      const unsubscribe = handlers();
      try {
        await Promise.all([exportQueue.start(), importQueue.start(), publishQueue.start()]);
        for (const key of exporter.keys()) exportQueue.add(key);
        await exportQueue.idle();
        publishing = true;
        publishQueue.add(publishKey);
        for (const key of importKeys()) importQueue.add(key);
        await new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          signal.addEventListener("abort", () => {
            resolve();
          });
        });
      } finally {
        for (const off of unsubscribe) off();
        await Promise.all([exportQueue.stop(), importQueue.stop(), publishQueue.stop()]);
        log.info("stopped leading");
      }
    },
    serviceChanged(key) {
      importQueue.add(key);
      if (informers.exports.get(key) !== undefined) exportQueue.add(key);
    },
    healthChanged() {
      for (const key of importKeys()) importQueue.add(key);
    },
  };
}
