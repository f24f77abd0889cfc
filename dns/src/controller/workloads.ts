/*
 * Design notes: sharing pods with the clusterset, for network policies that name pods of other
 * clusters by label (ADR 0406).
 *
 * Out (leader only): every Namespace labelled `isthmus.io/share-pods=true` becomes one
 * WorkloadSet record (its pods' names, IPv4 addresses and labels, and the namespace's labels),
 * published as the cluster's whole KIND_WORKLOAD set, level-based, whenever a pod or namespace
 * changes (the queue coalesces bursts into one publish). Pods without an IPv4 address, on the
 * host network, Succeeded or Failed are left out. Bounds: a namespace with more than
 * `maxWorkloadPods` pods is not shared (its remote peers then match nothing: a policy naming
 * them allows less, never more) and sharing stops at `maxSharedPods` pods in all (namespaces
 * in name order), which keeps one publish near 3 MB, inside the broker's 4 MiB message limit;
 * both are logged.
 *
 * In (every replica keeps the state; the leader writes): the other clusters' sets from the
 * broker watch become cluster-scoped RemotePodSets named `<cluster>.<namespace>`. A pass lists
 * ours (label app.kubernetes.io/managed-by=isthmus-dns) and creates, replaces and deletes so
 * that exactly the broker's sets exist; it waits for the first broker snapshot, so a new
 * leader never deletes sets it has not heard of yet. isthmus-node reads them (its manifest
 * installs the CRD; without it, mirroring is skipped with one warning).
 */
import type { KubernetesObject, V1Namespace, V1Pod } from "@kubernetes/client-node";
import type { BrokerClient, BrokerRecord, RecordChange } from "@isthmus/core/brokerapi";
import { defaults } from "@isthmus/core/constants";
import { KubeError, type ManagedInformer } from "@isthmus/core/kube";
import { maxWorkloadPods, type WorkloadPod, type WorkloadSet } from "@isthmus/core/model";
import { createReconcileQueue, type Backoff, type Logger } from "@isthmus/core/runtime";
import { canonicalJson } from "@isthmus/core/model";

/** Most pods a cluster shares in all (see the design notes). */
export const maxSharedPods = 10_000;

/** The label our RemotePodSets carry (and the value), so a pass lists only ours. */
export const remotePodSetManagedBy = Object.freeze({ key: "app.kubernetes.io/managed-by", value: "isthmus-dns" });

/** A RemotePodSet (isthmus.io/v1alpha1, cluster-scoped) as written and listed. */
export interface RemotePodSetResource extends KubernetesObject {
  readonly spec?: WorkloadSet;
}

/** The RemotePodSet writes; each throws KubeError. */
export interface RemotePodSetApi {
  /** Every RemotePodSet managed by isthmus-dns. */
  list(): Promise<RemotePodSetResource[]>;
  create(body: RemotePodSetResource): Promise<void>;
  /** Replaces one (body carries resourceVersion). */
  replace(body: RemotePodSetResource): Promise<void>;
  /** Deletes one; absent is fine. */
  delete(name: string): Promise<void>;
}

const isIpv4 = (ip: string | undefined): ip is string => ip !== undefined && ip !== "" && !ip.includes(":");

/** The WorkloadSets of the shared namespaces (pure; sorted), and why some were left out. */
export function buildWorkloadSets(clusterId: string, input: { readonly pods: readonly V1Pod[]; readonly namespaces: readonly V1Namespace[] }): { sets: WorkloadSet[]; skipped: string[] } {
  const shared = input.namespaces
    .filter((n) => n.metadata?.labels?.[defaults.sharePodsLabel] === "true" && n.metadata.deletionTimestamp === undefined)
    .sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
  const byNamespace = new Map<string, WorkloadPod[]>(shared.map((n) => [n.metadata?.name ?? "", []]));
  for (const pod of input.pods) {
    const list = byNamespace.get(pod.metadata?.namespace ?? "");
    const phase = pod.status?.phase;
    if (list === undefined || pod.spec?.hostNetwork === true || phase === "Succeeded" || phase === "Failed") continue;
    const ip = (pod.status?.podIPs ?? []).map((p) => p.ip).find(isIpv4) ?? (isIpv4(pod.status?.podIP) ? pod.status.podIP : undefined);
    if (ip === undefined) continue;
    list.push({ name: pod.metadata?.name ?? "", ip, labels: { ...pod.metadata?.labels } });
  }
  const sets: WorkloadSet[] = [];
  const skipped: string[] = [];
  let total = 0;
  for (const ns of shared) {
    const namespace = ns.metadata?.name ?? "";
    const seen = new Set<string>();
    // Two pods reporting one address (a moment of churn): the first by name keeps it.
    const pods = (byNamespace.get(namespace) ?? []).sort((a, b) => a.name.localeCompare(b.name)).filter((p) => !seen.has(p.ip) && Boolean(seen.add(p.ip)));
    if (pods.length > maxWorkloadPods) {
      skipped.push(`namespace ${namespace} has ${String(pods.length)} pods, more than the ${String(maxWorkloadPods)} one namespace may share`);
      continue;
    }
    if (total + pods.length > maxSharedPods) {
      skipped.push(`namespace ${namespace} would take the cluster over ${String(maxSharedPods)} shared pods`);
      continue;
    }
    total += pods.length;
    sets.push({ clusterId, namespace, namespaceLabels: { ...ns.metadata?.labels }, pods });
  }
  return { sets, skipped };
}

/** The RemotePodSet object that mirrors `set`. */
export function remotePodSetObject(set: WorkloadSet): RemotePodSetResource {
  return {
    apiVersion: `${defaults.apiGroup}/${defaults.apiVersion}`,
    kind: "RemotePodSet",
    metadata: { name: `${set.clusterId}.${set.namespace}`, labels: { [remotePodSetManagedBy.key]: remotePodSetManagedBy.value, [defaults.clusterLabel]: set.clusterId } },
    spec: set,
  };
}

/** Options of `createWorkloadSharing`. */
export interface WorkloadSharingOptions {
  readonly clusterId: string;
  readonly informers: { readonly pods: ManagedInformer<V1Pod>; readonly namespaces: ManagedInformer<V1Namespace> };
  readonly api: RemotePodSetApi;
  readonly broker: Pick<BrokerClient, "publish">;
  readonly backoff: Backoff;
  readonly resyncMs: number;
  readonly logger: Logger;
}

/** Pod sharing of one replica: remote state always, writes while leading. */
export interface WorkloadSharing {
  /** Replaces the remote sets with those of a broker snapshot (other kinds and our own sets are ignored). */
  applySnapshot(records: readonly BrokerRecord[]): void;
  /** Applies watch changes (other kinds and our own sets are ignored). */
  applyChanges(changes: readonly RecordChange[]): void;
  /** Publishes and mirrors until `signal` aborts (the leader's term). */
  run(signal: AbortSignal): Promise<void>;
}

type Key = "publish" | "mirror";

/** Creates the sharing component. */
export function createWorkloadSharing(options: WorkloadSharingOptions): WorkloadSharing {
  const log = options.logger.child({ component: "workloads" });
  const remote = new Map<string, WorkloadSet>();
  let snapshotSeen = false;
  let leading = false;
  let warned = "";
  let crdMissingLogged = false;
  let published: { readonly json: string; readonly at: number } | undefined;

  const publish = async (signal: AbortSignal): Promise<void> => {
    const { sets, skipped } = buildWorkloadSets(options.clusterId, { pods: options.informers.pods.list(), namespaces: options.informers.namespaces.list() });
    if (skipped.join("\n") !== warned) for (const reason of skipped) log.warn({ reason }, "namespace not shared with the clusterset");
    warned = skipped.join("\n");
    // Pods change often and most changes (status, other namespaces) change no set: publish only a
    // different set, and the same one again once per resync period (in case the broker lost it).
    const json = JSON.stringify(sets);
    if (published?.json === json && Date.now() - published.at < options.resyncMs) return;
    const result = await options.broker.publish({ kind: "workload", records: sets }, { signal });
    published = { json, at: Date.now() };
    if (result.created + result.updated + result.deleted > 0) {
      log.info({ namespaces: sets.length, pods: sets.reduce((n, s) => n + s.pods.length, 0), revision: result.revision }, "published shared pods");
    }
  };

  const mirror = async (): Promise<void> => {
    if (!snapshotSeen) return;
    const wanted = new Map([...remote.values()].map((set) => [`${set.clusterId}.${set.namespace}`, set]));
    let existing: RemotePodSetResource[];
    try {
      existing = await options.api.list();
    } catch (err) {
      // No CRD: the cluster runs no isthmus-node, so nothing here would read the sets.
      if (!(err instanceof KubeError) || err.code !== "NotFound") throw err;
      if (!crdMissingLogged) log.warn({ err }, "the RemotePodSet CRD is not installed (no isthmus-node here): other clusters' pods are not mirrored");
      crdMissingLogged = true;
      return;
    }
    for (const obj of existing) {
      const name = obj.metadata?.name ?? "";
      const set = wanted.get(name);
      wanted.delete(name);
      if (set === undefined) await options.api.delete(name);
      // The API server returns keys sorted: compare canonical forms, or every pass would replace.
      else if (canonicalJson(obj.spec) !== canonicalJson(set)) {
        const body = remotePodSetObject(set);
        await options.api.replace({ ...body, metadata: { name, labels: body.metadata?.labels ?? {}, resourceVersion: obj.metadata?.resourceVersion ?? "" } });
      }
    }
    for (const set of wanted.values()) await options.api.create(remotePodSetObject(set));
  };

  const queue = createReconcileQueue<Key>({
    reconcile: (key, signal) => (key === "publish" ? publish(signal) : mirror()),
    backoff: options.backoff,
    resyncMs: options.resyncMs,
    listKeys: () => (leading ? ["publish", "mirror"] : []),
    logger: log,
  });

  const isRemote = (record: BrokerRecord): record is Extract<BrokerRecord, { kind: "workload" }> => record.kind === "workload" && record.value.clusterId !== options.clusterId;
  const changed = (): void => {
    if (leading) queue.add("mirror");
  };

  return {
    applySnapshot(records) {
      remote.clear();
      for (const r of records) if (isRemote(r)) remote.set(`${r.value.clusterId}/${r.value.namespace}`, r.value);
      snapshotSeen = true;
      changed();
    },
    applyChanges(changes) {
      let touched = false;
      for (const c of changes) {
        if (!isRemote(c.record)) continue;
        touched = true;
        if (c.type === "delete") remote.delete(c.key);
        else remote.set(c.key, c.record.value);
      }
      if (touched) changed();
    },
    async run(signal) {
      const onChange = (): void => {
        queue.add("publish");
      };
      const events = ["add", "update", "delete"] as const;
      const off = events.flatMap((e) => [options.informers.pods.on(e, onChange), options.informers.namespaces.on(e, onChange)]);
      leading = true;
      published = undefined;
      try {
        await queue.start();
        queue.add("publish");
        queue.add("mirror");
        await new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          signal.addEventListener("abort", () => {
            resolve();
          });
        });
      } finally {
        leading = false;
        for (const unsubscribe of off) unsubscribe();
        await queue.stop();
      }
    },
  };
}
