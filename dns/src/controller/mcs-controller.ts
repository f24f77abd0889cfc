import { type BrokerClient, type WatchHandle } from "@isthmus/core/brokerapi";
import { createKubeLeaseClient, createLeaderElector, type KubeClient, type LeaderElector } from "@isthmus/core/kube";
import { type Backoff, type Logger } from "@isthmus/core/runtime";
import type { ServiceIndex } from "../index/index.js";
import { mcsLabels } from "../mcs/index.js";
import { clusterIpsOf } from "./canonical.js";
import { createClustersetState, type ClustersetState } from "./clusterset-state.js";
import { createMcsInformers, type McsInformers } from "./informers.js";
import { createMcsKubeApi, createRemotePodSetApi, type McsKubeApi } from "./kube-api.js";
import { createLeaderWork } from "./leader-work.js";
import { createWorkloadSharing, type RemotePodSetApi } from "./workloads.js";

// The MCS controller of one isthmus-dns replica. Every replica runs the informers and the
// broker watch, so every replica's DNS index holds the merged clusterset (with the clusterset
// IPs read from the derived Services). One replica, elected by the Lease, also writes: it
// publishes the cluster's exports and keeps ServiceImports, their slices and derived Services
// current (leader-work.ts); it also publishes the pods of shared namespaces and mirrors the
// other clusters' into RemotePodSets for network policy (workloads.ts). Start order: informers (synced), broker watch, leader election;
// stop in reverse.

/** Options of `createMcsController`. */
export interface McsControllerOptions {
  readonly clusterId: string;
  readonly kube: KubeClient;
  readonly broker: BrokerClient;
  readonly index: ServiceIndex;
  readonly logger: Logger;
  /** This replica's identity in the Lease (the pod name). */
  readonly identity: string;
  /** The Lease, e.g. `{ namespace: "isthmus-system", name: "isthmus-dns" }`. */
  readonly lease: { readonly namespace: string; readonly name: string };
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  /** Every key is reconciled again this often (level-based safety net). */
  readonly resyncMs: number;
  /** How long the informers may take to sync at start. */
  readonly syncTimeoutMs: number;
  /** Retry delays of failed reconciles; default 200 ms doubling to 30 s. */
  readonly backoff?: Backoff;
  /** Injectable for tests; default informers and API over `kube`. */
  readonly informers?: McsInformers;
  readonly api?: McsKubeApi;
  readonly remotePodSets?: RemotePodSetApi;
}

/** A running MCS controller (a lifecycle component). */
export interface McsController {
  readonly name: string;
  /** True once the informers synced and the first broker snapshot was applied. */
  ready(): boolean;
  /** True while this replica writes. */
  readonly isLeader: boolean;
  /** The broker-fed state (for tests and diagnostics). */
  readonly state: ClustersetState;
  /** Rejects when the controller cannot go on (the broker refused the watch); never resolves otherwise. */
  readonly failed: Promise<never>;
  start(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

const defaultBackoff: Backoff = Object.freeze({ baseMs: 200, maxMs: 30_000, jitter: 0.2 });

/** Creates the controller; nothing runs until `start`. */
export function createMcsController(options: McsControllerOptions): McsController {
  const log = options.logger.child({ component: "mcs-controller", clusterId: options.clusterId });
  const informers = options.informers ?? createMcsInformers(options.kube, log);
  const api = options.api ?? createMcsKubeApi(options.kube);
  const backoff = options.backoff ?? defaultBackoff;
  const sharing = createWorkloadSharing({
    clusterId: options.clusterId,
    informers,
    api: options.remotePodSets ?? createRemotePodSetApi(options.kube),
    broker: options.broker,
    backoff,
    resyncMs: options.resyncMs,
    logger: log,
  });
  let leaderWork: ReturnType<typeof createLeaderWork> | undefined;
  let snapshotApplied = false;
  let watch: WatchHandle | undefined;
  let elector: LeaderElector | undefined;
  let fail: (err: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);

  const state = createClustersetState({
    localClusterId: options.clusterId,
    index: options.index,
    onServiceChanged: (namespace, name) => leaderWork?.serviceChanged(`${namespace}/${name}`),
    onHealthChanged: (healthy) => {
      log.info({ healthy: [...healthy].sort() }, "healthy clusters changed");
      leaderWork?.healthChanged();
    },
  });

  // Every replica: the derived Services' cluster IPs are the clusterset IPs DNS answers with.
  const onDerived = (deleted: boolean) => (service: Parameters<typeof clusterIpsOf>[0]) => {
    const importName = service.metadata?.labels?.[mcsLabels.derivedFrom];
    if (importName === undefined) return;
    state.setImportIps(service.metadata?.namespace ?? "", importName, deleted ? [] : clusterIpsOf(service));
  };
  informers.services.on("add", onDerived(false));
  informers.services.on("update", onDerived(false));
  informers.services.on("delete", onDerived(true));

  const makeLeaderWork = (): ReturnType<typeof createLeaderWork> =>
    createLeaderWork({ clusterId: options.clusterId, informers, api, state, broker: options.broker, backoff, resyncMs: options.resyncMs, logger: log });

  return {
    name: "mcs-controller",
    ready: () => snapshotApplied && informers.all.every((i) => i.ready),
    get isLeader() {
      return elector?.isLeader === true;
    },
    state,
    failed,
    async start(signal) {
      for (const informer of informers.all) await informer.start(signal);
      for (const informer of informers.all) await informer.waitForReady(signal, options.syncTimeoutMs);
      log.info({ keys: informers.all.map((i) => `${i.name}=${String(i.list().length)}`) }, "informers synced");
      watch = options.broker.watch({
        kinds: ["export", "connection", "workload"],
        onSnapshot: (snapshot) => {
          state.applySnapshot(snapshot.records);
          sharing.applySnapshot(snapshot.records);
          snapshotApplied = true;
          log.info({ revision: snapshot.revision, records: snapshot.records.length }, "broker snapshot applied");
        },
        onChanges: (batch) => {
          state.applyChanges(batch.changes);
          sharing.applyChanges(batch.changes);
        },
        onConnectionChange: (connected, err) => {
          if (connected) log.info("broker watch connected");
          else log.warn({ err }, "broker watch disconnected; DNS keeps serving the last state");
        },
      });
      watch.done.catch((err: unknown) => {
        log.error({ err }, "broker watch ended");
        fail(err);
      });
      elector = createLeaderElector({
        lease: options.lease,
        identity: options.identity,
        leaseDurationMs: options.leaseDurationMs,
        renewDeadlineMs: options.renewDeadlineMs,
        retryPeriodMs: options.retryPeriodMs,
        leaseClient: createKubeLeaseClient(options.kube.coordination),
        logger: log,
        onStartedLeading: async (leading) => {
          const work = makeLeaderWork();
          leaderWork = work;
          try {
            await Promise.all([work.run(leading), sharing.run(leading)]);
          } finally {
            leaderWork = undefined;
          }
        },
        onStoppedLeading: () => undefined,
      });
      await elector.start(signal);
    },
    async stop() {
      await elector?.stop();
      await watch?.stop();
      for (const informer of [...informers.all].reverse()) await informer.stop();
    },
  };
}
