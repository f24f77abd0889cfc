import { kindToWire, recordToWire, type RecordKind, type WireWatchEvent } from "@isthmus/core/brokerapi";
import { errorMessage } from "@isthmus/core/errors";
import type { Logger } from "./logger.js";
import type { CommitEvent, Store } from "./store/store.js";

// Design notes: every watcher gets its own queue. A watcher starts (and restarts after falling
// behind) in "syncing": it is already subscribed to commits, buffering them, while the snapshot
// or the replay from the change log is read; then buffered commits newer than what was read
// are appended and it goes "live". Writes stop when the gRPC stream reports backpressure and
// resume on drain. When a queue grows past `maxQueued`, it is dropped and the watcher is reset
// to a fresh snapshot flagged `reset`: a slow watcher costs memory bounded by `maxQueued`
// events and never stalls commits or other watchers. Heartbeats carry the revision up to which
// everything relevant was queued, so a watcher of rarely-changing kinds still resumes late.
// When the store rebuilds its cache (an etcd replica whose watch fell behind compaction), every
// watcher is reset the same way: the changes in between are not known one by one.

/** Where a watcher's events go: a gRPC server stream in production. */
export interface WatchSink {
  /** Writes one event; false means "buffer full, wait for drain" (the event is still taken). */
  write(event: WireWatchEvent): boolean;
  /** Calls `listener` once when the sink can take more. */
  onceDrain(listener: () => void): void;
  /** Ends the stream normally. */
  end(): void;
  /** Ends the stream with an error (e.g. the store failed). */
  fail(err: Error): void;
}

/** A registered watcher. */
export interface Watcher {
  /** Stops delivery and unsubscribes. Idempotent; does not end the sink. */
  close(): void;
}

/** Options of `createWatchHub`. */
export interface WatchHubOptions {
  readonly store: Store;
  readonly logger: Logger;
  /** Heartbeat period, ms (default 5 s). */
  readonly heartbeatMs?: number;
  /** Events queued for one watcher before it is reset to a snapshot (default 1,000). */
  readonly maxQueued?: number;
  /** Records per snapshot chunk (default 500). */
  readonly snapshotChunk?: number;
}

/** Fan-out of commits to watch streams. */
export interface WatchHub {
  /** Starts a watcher: snapshot (since 0, or compacted), else replay after `since`, then live. */
  open(options: { readonly kinds: readonly RecordKind[]; readonly since: number; readonly sink: WatchSink; readonly peer: string }): Watcher;
  /** Number of open watchers. */
  size(): number;
  /** Ends every stream normally (graceful shutdown) and closes the watchers. */
  closeAll(): void;
  /** Watchers reset to a snapshot (they fell behind, or the store rebuilt its cache), since start. */
  resets(): number;
}

/** Creates the watch hub. */
export function createWatchHub(options: WatchHubOptions): WatchHub {
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const maxQueued = options.maxQueued ?? 1_000;
  const chunk = options.snapshotChunk ?? 500;
  const watchers = new Map<Watcher, WatchSink>();
  let resets = 0;

  const open: WatchHub["open"] = ({ kinds, since, sink, peer }) => {
    const wanted = new Set(kinds);
    const log = options.logger.child({ peer });
    let state: "syncing" | "live" | "closed" = "syncing";
    let buffered: CommitEvent[] = [];
    // A rebuild seen while syncing: the sync may have read the cache before it; sync again after.
    let rebuiltWhileSyncing = false;
    let queue: WireWatchEvent[] = [];
    let waitingDrain = false;
    let queuedUpTo = 0;
    const isClosed = (): boolean => state === "closed";

    const pump = (): void => {
      while (!waitingDrain && queue.length > 0 && state !== "closed") {
        const event = queue.shift();
        if (event !== undefined && !sink.write(event)) {
          waitingDrain = true;
          sink.onceDrain(() => {
            waitingDrain = false;
            pump();
          });
        }
      }
    };
    const enqueue = (event: WireWatchEvent): void => {
      queue.push(event);
      pump();
    };
    const toBatch = (commit: CommitEvent): WireWatchEvent | undefined => {
      const changes = commit.changes
        .filter((c) => wanted.size === 0 || wanted.has(c.record.kind))
        .map((c) => ({
          type: c.type === "put" ? ("CHANGE_TYPE_PUT" as const) : ("CHANGE_TYPE_DELETE" as const),
          kind: kindToWire(c.record.kind),
          key: c.key,
          record: recordToWire(c.record),
        }));
      return changes.length === 0 ? undefined : { changes: { revision: commit.revision, changes } };
    };
    const deliver = (commit: CommitEvent): void => {
      if (commit.revision <= queuedUpTo) return;
      const batch = toBatch(commit);
      queuedUpTo = commit.revision;
      if (batch !== undefined) enqueue(batch);
    };
    const sync = async (mode: { since: number; reset: boolean }): Promise<void> => {
      state = "syncing";
      buffered = [];
      // A revision newer than the store's (a broker restored from an older backup) cannot be
      // resumed from: the watcher gets a snapshot flagged compacted, as for a compacted one.
      const unknown = mode.since > options.store.revision();
      const replay = mode.since > 0 && !mode.reset ? (unknown ? "compacted" : await options.store.changesSince(mode.since)) : "snapshot";
      if (isClosed()) return;
      if (replay === "snapshot" || replay === "compacted") {
        const snap = await options.store.snapshot(kinds);
        if (isClosed()) return;
        const compacted = replay === "compacted";
        for (let i = 0; i === 0 || i < snap.records.length; i += chunk) {
          const records = snap.records.slice(i, i + chunk).map(recordToWire);
          const last = i + chunk >= snap.records.length;
          enqueue({ snapshot: { revision: snap.revision, records, last, compacted, reset: mode.reset } });
        }
        queuedUpTo = snap.revision;
      } else {
        queuedUpTo = mode.since;
        for (const commit of replay) deliver(commit);
      }
      const pending = buffered;
      buffered = [];
      if (rebuiltWhileSyncing) {
        rebuiltWhileSyncing = false;
        await sync({ since: 0, reset: true });
        return;
      }
      state = "live";
      for (const commit of pending) deliver(commit);
    };
    const start = (mode: { since: number; reset: boolean }): void => {
      sync(mode).catch((err: unknown) => {
        log.warn({ err }, "watch sync failed; ending the stream so the agent reconnects");
        close();
        sink.fail(new Error(`Watch failed: ${errorMessage(err)}`));
      });
    };
    const unsubscribe = options.store.subscribe((commit) => {
      if (state === "syncing") {
        if (commit.rebuilt === true) rebuiltWhileSyncing = true;
        else buffered.push(commit);
        return;
      }
      if (state !== "live") return;
      if (commit.rebuilt === true || queue.length >= maxQueued) {
        resets++;
        if (commit.rebuilt === true) log.warn({ revision: commit.revision }, "the store rebuilt its cache; resetting the watcher to a snapshot");
        else log.warn({ queued: queue.length, revision: commit.revision }, "watcher fell behind; resetting it to a snapshot");
        queue = [];
        start({ since: 0, reset: true });
        if (commit.rebuilt !== true) buffered.push(commit);
        return;
      }
      deliver(commit);
    });
    const heartbeat = setInterval(() => {
      if (state === "live" && queue.length === 0) {
        enqueue({ heartbeat: { revision: queuedUpTo, serverTime: new Date().toISOString() } });
      }
    }, heartbeatMs);
    heartbeat.unref();
    const close = (): void => {
      if (state === "closed") return;
      state = "closed";
      clearInterval(heartbeat);
      unsubscribe();
      queue = [];
      watchers.delete(watcher);
    };
    const watcher: Watcher = { close };
    watchers.set(watcher, sink);
    start({ since, reset: false });
    return watcher;
  };

  return {
    open,
    size: () => watchers.size,
    resets: () => resets,
    closeAll() {
      for (const [watcher, sink] of [...watchers]) {
        watcher.close();
        sink.end();
      }
    },
  };
}
