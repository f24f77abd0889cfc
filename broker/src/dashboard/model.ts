import { recordKey, type BrokerRecord } from "@isthmus/core/brokerapi";
import { errorMessage } from "@isthmus/core/errors";
import type { Logger } from "../logger.js";
import type { CommitEvent, Store, StoredChange } from "../store/store.js";
import type { DashboardChange, DashboardDelta, DashboardEvent, DashboardKind, DashboardRecords, DashboardSnapshot } from "./web/types.js";
import { applyChange } from "./web/views.js";

// Design notes: the dashboard follows the store's commits (the same feed the watch hub fans
// out to agents, every replica's commits on etcd) and keeps the catalog in memory, plus a
// bounded ring of events derived from the changes: joins, leaves, failovers (another gateway
// became active), connection status changes, exports appearing and going. Listeners get each
// commit as a delta, synchronously, in revision order; the HTTP layer coalesces them.

/** The dashboard's view of the catalog. */
export interface DashboardModel {
  /** Reads the snapshot and follows commits. Call once. */
  start(): Promise<void>;
  /** The current records. */
  records(): DashboardRecords;
  /** Everything a new page needs, at one revision. */
  snapshot(): DashboardSnapshot;
  /** The events ring, oldest first. */
  events(): readonly DashboardEvent[];
  /**
   * The deltas after `revision` (empty when it is the current one), or undefined when the
   * model no longer holds them all (then a page needs a snapshot).
   */
  deltasSince(revision: number): readonly DashboardDelta[] | undefined;
  /** Calls `listener` after each commit; returns an unsubscribe. */
  onDelta(listener: (delta: DashboardDelta) => void): () => void;
  /** Stops following the store. Idempotent. */
  close(): void;
}

const kinds: readonly DashboardKind[] = ["cluster", "endpoint", "export", "connection"];
/** True for the kinds the dashboard shows (workload sets are not shown: they are bulk data). */
const isShown = (kind: string): kind is DashboardKind => (kinds as readonly string[]).includes(kind);

/** Creates the model; `ringSize` bounds the events kept (default 500). */
export function createDashboardModel(options: { readonly store: Store; readonly logger: Logger; readonly ringSize?: number; readonly now?: () => Date }): DashboardModel {
  const { store, logger } = options;
  const ringSize = options.ringSize ?? 500;
  const historySize = 1000;
  const now = options.now ?? (() => new Date());
  const maps: { [K in DashboardKind]: Map<string, DashboardRecords[K] extends ReadonlyMap<string, infer V> ? V : never> } = {
    cluster: new Map(),
    endpoint: new Map(),
    export: new Map(),
    connection: new Map(),
  };
  const ring: DashboardEvent[] = [];
  const listeners = new Set<(delta: DashboardDelta) => void>();
  let revision = 0;
  let seq = 0;
  // Recent deltas, for pages that resume from a revision; complete after `floor`.
  const history: DashboardDelta[] = [];
  let floor = 0;
  let unsubscribe: (() => void) | undefined;

  const record = (type: DashboardEvent["type"], clusterId: string, text: string, out: DashboardEvent[]): void => {
    const event: DashboardEvent = { seq: ++seq, at: now().toISOString(), type, clusterId, text };
    ring.push(event);
    if (ring.length > ringSize) ring.splice(0, ring.length - ringSize);
    out.push(event);
  };

  /** The events one change means, judged against the records before it is applied. */
  const derive = (c: DashboardChange, out: DashboardEvent[]): void => {
    switch (c.kind) {
      case "cluster":
        if (c.type === "delete") record("leave", c.key, `Cluster ${c.key} left the clusterset`, out);
        else if (!maps.cluster.has(c.key)) record("join", c.key, `Cluster ${c.key} joined the clusterset`, out);
        return;
      case "endpoint": {
        const e = maps.endpoint.get(c.key);
        const v = c.value as typeof e;
        if (c.type === "put" && v?.role === "active" && e?.role !== "active") {
          const before = [...maps.endpoint.values()].find((x) => x.clusterId === v.clusterId && x.role === "active" && x.hostname !== v.hostname);
          if (before !== undefined) record("failover", v.clusterId, `Cluster ${v.clusterId}: gateway ${v.hostname} took over from ${before.hostname}`, out);
        }
        return;
      }
      case "connection": {
        const old = maps.connection.get(c.key);
        const v = c.value as NonNullable<typeof old>;
        // A new tunnel that reports "connected" at once is not news; every other change of state is.
        if (c.type === "put" && old?.status !== v.status && (old !== undefined || v.status !== "connected")) {
          const why = v.reason === undefined ? "" : ` (${v.reason})`;
          record("status", v.fromCluster, `${v.fromCluster} → ${v.toCluster}: ${old?.status ?? "new"} → ${v.status}${why}`, out);
        }
        return;
      }
      case "export": {
        const v = c.value as { clusterId: string; namespace: string; name: string };
        if (c.type === "delete") record("unexport", v.clusterId, `${v.clusterId} stopped exporting ${v.namespace}/${v.name}`, out);
        else if (!maps.export.has(c.key)) record("export", v.clusterId, `${v.clusterId} exports ${v.namespace}/${v.name}`, out);
        return;
      }
    }
  };

  const apply = (event: CommitEvent, emit: boolean): void => {
    if (event.revision <= revision) return;
    revision = event.revision;
    const changes: DashboardChange[] = [];
    const events: DashboardEvent[] = [];
    for (const ch of event.changes) {
      if (!isShown(ch.record.kind)) continue;
      const change = { type: ch.type, kind: ch.record.kind, key: ch.key, value: ch.record.value } as DashboardChange;
      if (emit) derive(change, events);
      applyChange(maps, change);
      changes.push(change);
    }
    if (!emit) return;
    const delta: DashboardDelta = { revision, changes, events };
    history.push(delta);
    if (history.length > historySize) floor = history.splice(0, history.length - historySize).at(-1)?.revision ?? floor;
    for (const l of listeners) {
      try {
        l(delta);
      } catch (err) {
        logger.warn({ err: errorMessage(err) }, "a dashboard listener failed; it keeps its subscription");
      }
    }
  };

  /**
   * After the store rebuilt its cache (an etcd replica that fell behind compaction), the changes
   * in between are not known one by one: the difference between what the page shows and a fresh
   * snapshot becomes one delta, so open pages catch up without a reload.
   */
  const catchUp = async (): Promise<void> => {
    const snap = await store.snapshot([...kinds]);
    const fresh = new Map(snap.records.map((r) => [`${r.kind}\u0000${recordKey(r)}`, r]));
    const changes: StoredChange[] = [];
    for (const kind of kinds) {
      for (const [key, value] of maps[kind]) {
        const now = fresh.get(`${kind}\u0000${key}`);
        if (now === undefined) changes.push({ type: "delete", key, record: { kind, value } as BrokerRecord });
        else if (JSON.stringify(now.value) !== JSON.stringify(value)) changes.push({ type: "put", key, record: now });
        fresh.delete(`${kind}\u0000${key}`);
      }
    }
    for (const r of fresh.values()) changes.push({ type: "put", key: recordKey(r), record: r });
    apply({ revision: snap.revision, changes }, true);
  };
  const catchUpLogged = (): void => {
    catchUp().catch((err: unknown) => {
      logger.warn({ err: errorMessage(err) }, "the dashboard could not catch up after the store rebuilt its cache; pages show the last known state");
    });
  };

  return {
    async start() {
      const buffered: CommitEvent[] = [];
      let live = false;
      unsubscribe = store.subscribe((e) => {
        if (!live) buffered.push(e);
        else if (e.rebuilt === true) catchUpLogged();
        else apply(e, true);
      });
      const snap = await store.snapshot([...kinds]);
      for (const r of snap.records) if (isShown(r.kind)) applyChange(maps, { type: "put", kind: r.kind, key: recordKey(r), value: r.value });
      revision = snap.revision;
      floor = snap.revision;
      for (const e of buffered) {
        if (e.rebuilt !== true) apply(e, true);
        else if (e.revision > revision) catchUpLogged();
      }
      live = true;
    },
    records: () => maps,
    snapshot: () => ({
      revision,
      records: { cluster: [...maps.cluster], endpoint: [...maps.endpoint], export: [...maps.export], connection: [...maps.connection] },
      events: [...ring],
    }),
    events: () => ring,
    deltasSince: (since) => (since < floor || since > revision ? undefined : history.filter((d) => d.revision > since)),
    onDelta(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      unsubscribe?.();
      unsubscribe = undefined;
      listeners.clear();
    },
  };
}

