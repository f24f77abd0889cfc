import { Etcd3, type IKeyValue, type Watcher } from "etcd3";
import { recordKey, recordKinds, recordOwner, type BrokerRecord, type RecordKind } from "@isthmus/core/brokerapi";
import { errorMessage } from "@isthmus/core/errors";
import { BrokerError } from "../errors.js";
import type { Logger } from "../logger.js";
import { createEtcdCredentialStore } from "./etcd-credentials.js";
import type { CommitEvent, Store, StoredChange, StoreView, TransactResult, WritePlan } from "./store.js";

// Design notes: several broker replicas share one etcd. Our revision is a key
// (`data/revision`) that every commit compares and bumps in one etcd transaction, so commits
// are serialised across replicas and revisions stay dense and ordered. A commit writes, in
// that transaction, the changed per-(kind, owner) record sets (one key each: a publish is a
// handful of etcd operations however many records it carries), the global blocks it allocates
// or frees, and a log entry `log/<revision>` holding the commit's changes. Every replica keeps the
// whole catalog in memory, loaded at start and then fed by an etcd watch on `log/`: reads,
// snapshots and the views that plan commits come from that cache; a commit that lost the race
// to another replica waits for the cache to catch up and plans again. Watchers resume from
// `log/` entries (kept for `historyRevisions` revisions), exactly as with SQLite. When the
// watch cannot continue (etcd cancels it because its start revision was compacted away, after a
// partition or a long disconnect) or an entry is missing, the replica rebuilds its cache from a
// fresh listing of `data/`, watches again from that listing's revision and tells its listeners
// with one event flagged `rebuilt`, so that they resynchronise from a snapshot: nothing is lost,
// nothing applied twice.

/** Options of `createEtcdStore`. */
export interface EtcdStoreOptions {
  /** etcd client URLs, e.g. ["http://127.0.0.1:2379"]. */
  readonly endpoints: readonly string[];
  /** Key prefix (default "/isthmus/"). */
  readonly prefix?: string;
  readonly historyRevisions?: number;
  readonly logger: Logger;
}

/** Largest answer the broker takes from etcd (the catalog's listing): 512 MiB. */
const maxListingBytes = 512 * 1024 * 1024;

/** The schema version of the etcd layout. */
export const etcdSchemaVersion = 1;

interface LogEntry {
  readonly revision: number;
  readonly changes: readonly { readonly type: "put" | "delete"; readonly kind: RecordKind; readonly key: string; readonly value: unknown }[];
  /** Global blocks recorded by this commit (one object in entries written before blocks could be freed). */
  readonly allocate?: readonly { readonly clusterId: string; readonly cidr: string }[] | { readonly clusterId: string; readonly cidr: string };
  /** The cluster whose global block this commit freed. */
  readonly release?: string;
  readonly compacted?: number;
}

const pad = (n: number): string => String(n).padStart(16, "0");

/** Connects to etcd, loads the catalog and starts following commits. */
export async function createEtcdStore(options: EtcdStoreOptions): Promise<Store> {
  const p = options.prefix ?? "/isthmus/";
  const history = options.historyRevisions ?? 10_000;
  const log = options.logger;
  // The whole catalog comes back in one listing at start and after a rebuild: 100 clusters x
  // 1,000 exports is about 21 MB, over grpc-js's default 4 MiB limit on what a client receives.
  const client = new Etcd3({ hosts: [...options.endpoints], dialTimeout: 3_000, grpcOptions: { "grpc.max_receive_message_length": maxListingBytes } });
  const k = {
    revision: `${p}data/revision`,
    compacted: `${p}data/compacted`,
    set: (kind: string, owner: string) => `${p}data/set/${kind}/${owner}`,
    alloc: (cluster: string) => `${p}data/alloc/${cluster}`,
    log: (rev: number) => `${p}log/${pad(rev)}`,
    schema: `${p}schema`,
  };
  const wrap = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof BrokerError) throw err;
      throw new BrokerError("StoreFailed", `etcd ${what} failed: ${errorMessage(err)}`, { cause: err });
    }
  };

  let closed = false;
  // Catalog cache: kind → owner → key → record.
  const sets = new Map<RecordKind, Map<string, Map<string, BrokerRecord>>>();
  const allocations = new Map<string, string>();
  let revision = 0;
  let compacted = 0;
  const listeners = new Set<(event: CommitEvent) => void>();
  const waiters = new Set<() => void>();
  const ownerSets = (kind: RecordKind) => {
    let m = sets.get(kind);
    if (m === undefined) {
      m = new Map();
      sets.set(kind, m);
    }
    return m;
  };

  await wrap("init", async () => {
    await client
      .if(k.schema, "Create", "==", 0)
      .then(client.put(k.schema).value(String(etcdSchemaVersion)), client.put(k.revision).value("0"), client.put(k.compacted).value("0"))
      .commit();
    const existing = Number((await client.get(k.schema).string()) ?? "0");
    if (existing > etcdSchemaVersion) {
      throw new BrokerError("SchemaTooNew", `etcd schema version ${existing} is newer than this broker's ${etcdSchemaVersion}: upgrade the broker`);
    }
  });
  const loaded = await wrap("load", () => client.getAll().prefix(`${p}data/`).exec());
  for (const kv of loaded.kvs) loadKey(kv);

  function loadKey(kv: IKeyValue): void {
    const key = kv.key.toString();
    const value = kv.value.toString();
    if (key === k.revision) revision = Number(value);
    else if (key === k.compacted) compacted = Number(value);
    else if (key.startsWith(`${p}data/alloc/`)) allocations.set(key.slice(`${p}data/alloc/`.length), value);
    else if (key.startsWith(`${p}data/set/`)) {
      const [kind, owner] = key.slice(`${p}data/set/`.length).split("/") as [RecordKind, string];
      const entries = JSON.parse(value) as [string, unknown][];
      ownerSets(kind).set(owner, new Map(entries.map(([rk, v]) => [rk, { kind, value: v } as BrokerRecord])));
    }
  }

  function apply(entry: LogEntry): void {
    if (entry.revision <= revision) return;
    if (entry.revision !== revision + 1) {
      void resync(`the etcd log jumped from revision ${revision} to ${entry.revision}`);
      return;
    }
    const changes: StoredChange[] = entry.changes.map((c) => {
      const record = { kind: c.kind, value: c.value } as BrokerRecord;
      const owner = recordOwner(record);
      const bucket = ownerSets(c.kind);
      let set = bucket.get(owner);
      if (set === undefined) {
        set = new Map();
        bucket.set(owner, set);
      }
      if (c.type === "put") set.set(c.key, record);
      else set.delete(c.key);
      if (set.size === 0) bucket.delete(owner);
      return { type: c.type, key: c.key, record };
    });
    if (entry.release !== undefined) allocations.delete(entry.release);
    for (const a of [entry.allocate ?? []].flat()) allocations.set(a.clusterId, a.cidr);
    if (entry.compacted !== undefined) compacted = entry.compacted;
    revision = entry.revision;
    const event: CommitEvent = { revision, changes };
    for (const l of listeners) l(event);
    for (const w of [...waiters]) w();
  }

  let watching = true;
  let generation = 0;
  /** Follows `log/` from `startRevision`; events of a watcher that is no longer current are ignored. */
  const follow = async (startRevision: number): Promise<Watcher> => {
    const mine = ++generation;
    const w = await client.watch().prefix(`${p}log/`).startRevision(String(startRevision)).create();
    w.on("put", (kv) => {
      if (mine !== generation) return;
      try {
        apply(JSON.parse(kv.value.toString()) as LogEntry);
      } catch (err) {
        log.error({ err }, "cannot apply an etcd log entry");
      }
    });
    w.on("connected", () => {
      watching = true;
    });
    w.on("disconnected", (err) => {
      watching = false;
      log.warn({ err }, "etcd watch disconnected; the client reconnects");
    });
    // The client reconnects a disconnected watch by itself, but a watch etcd cancels (its start
    // revision was compacted) ends here for good: only a fresh listing gets the replica back.
    w.on("error", (err) => {
      if (mine === generation) void resync(`etcd cancelled the watch (${errorMessage(err)})`);
    });
    return w;
  };
  let watcher: Watcher = await wrap("watch", () => follow(Number(loaded.header.revision) + 1));

  let rebuilding: Promise<void> | undefined;
  let rebuilds = 0;
  /**
   * Rebuilds the cache from a listing of `data/` and follows the log from that listing's
   * revision, retrying with backoff while etcd is unavailable; then tells the listeners with one
   * event flagged `rebuilt`. Concurrent calls share one rebuild.
   */
  function resync(why: string): Promise<void> {
    rebuilding ??= (async () => {
      generation++;
      watching = false;
      log.warn({ why, revision }, "rebuilding the catalog cache from a fresh etcd listing");
      // A watch etcd cancelled is already detached (cancelling it again would wait forever); one
      // that is still open is cancelled, but never waited for long: its events are ignored now.
      const cancelled = watcher.cancel().catch((err: unknown) => {
        log.warn({ err }, "cancelling the old etcd watch failed; it is ignored from now on");
      });
      await Promise.race([cancelled, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
      for (let attempt = 1; !closed; attempt++) {
        try {
          const listed = await client.getAll().prefix(`${p}data/`).exec();
          sets.clear();
          allocations.clear();
          for (const kv of listed.kvs) loadKey(kv);
          watcher = await follow(Number(listed.header.revision) + 1);
          watching = true;
          rebuilds++;
          log.info({ revision, rebuilds }, "catalog cache rebuilt; watchers resynchronise from a snapshot");
          const event: CommitEvent = { revision, changes: [], rebuilt: true };
          for (const l of listeners) l(event);
          for (const w of [...waiters]) w();
          return;
        } catch (err) {
          log.warn({ err, attempt }, "rebuilding the catalog cache failed; trying again");
          await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** attempt)));
        }
      }
    })().finally(() => {
      rebuilding = undefined;
    });
    return rebuilding;
  }

  /** Resolves when the cache reaches `target` or after `ms`. */
  const waitFor = (target: number, ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (revision >= target) {
        resolve();
        return;
      }
      const done = (): void => {
        if (revision < target) return;
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(done);
        resolve();
      }, ms);
      waiters.add(done);
    });

  const view: StoreView = {
    list(kind, owner) {
      const bucket = sets.get(kind);
      if (bucket === undefined) return [];
      const owners = owner === undefined ? [...bucket.values()] : [bucket.get(owner) ?? new Map<string, BrokerRecord>()];
      return owners.flatMap((s) => [...s.entries()]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
    },
    globalCidrs: () => new Map(allocations),
  };

  const tryCommit = async <T>(plan: (view: StoreView) => WritePlan<T>): Promise<TransactResult<T> | undefined> => {
    const base = revision;
    const { puts, deletes, allocate, release, result } = plan(view);
    const next = base + 1;
    const changes: StoredChange[] = [];
    const touched = new Map<string, { kind: RecordKind; owner: string; set: Map<string, BrokerRecord> }>();
    const setOf = (kind: RecordKind, owner: string) => {
      const id = `${kind}/${owner}`;
      let t = touched.get(id);
      if (t === undefined) {
        t = { kind, owner, set: new Map(sets.get(kind)?.get(owner) ?? []) };
        touched.set(id, t);
      }
      return t.set;
    };
    for (const record of puts) {
      const key = recordKey(record);
      const set = setOf(record.kind, recordOwner(record));
      const old = set.get(key);
      if (old !== undefined && JSON.stringify(old.value) === JSON.stringify(record.value)) continue;
      set.set(key, record);
      changes.push({ type: "put", key, record });
    }
    for (const { kind, key } of deletes) {
      const owner = key.split("/")[0] ?? "";
      const set = setOf(kind, owner);
      const old = set.get(key);
      if (old === undefined) continue;
      set.delete(key);
      changes.push({ type: "delete", key, record: old });
    }
    if (changes.length === 0) return { result, revision: base, changes };
    const horizon = next - history;
    const compact = horizon > compacted && next % 100 === 0 ? horizon : undefined;
    const entry: LogEntry = {
      revision: next,
      changes: changes.map((c) => ({ type: c.type, kind: c.record.kind, key: c.key, value: c.record.value })),
      ...(allocate === undefined || allocate.length === 0 ? {} : { allocate }),
      ...(release === undefined ? {} : { release }),
      ...(compact === undefined ? {} : { compacted: compact }),
    };
    const ops = [client.put(k.revision).value(String(next)), client.put(k.log(next)).value(JSON.stringify(entry))];
    for (const t of touched.values()) {
      ops.push(t.set.size === 0 ? client.put(k.set(t.kind, t.owner)).value("[]") : client.put(k.set(t.kind, t.owner)).value(JSON.stringify([...t.set].map(([rk, r]) => [rk, r.value]))));
    }
    for (const a of allocate ?? []) ops.push(client.put(k.alloc(a.clusterId)).value(a.cidr));
    const compaction = compact === undefined ? [] : [client.delete().inRange({ start: k.log(0), end: k.log(compact + 1) }), client.put(k.compacted).value(String(compact))];
    const freed = release === undefined ? [] : [client.delete().key(k.alloc(release))];
    // One then() call: a second one would replace the first list of operations.
    const res = await client
      .if(k.revision, "Value", "==", String(base))
      .then(...ops, ...freed, ...compaction)
      .commit();
    if (!res.succeeded) return undefined;
    await waitFor(next, 10_000);
    return { result, revision: next, changes };
  };

  const { stopFeeds, ...credentials } = createEtcdCredentialStore(client, {
    prefix: p,
    wrap,
    onFeedError: (err) => {
      log.warn({ err }, "the etcd watch of revocations failed; revocations from other replicas now arrive with the periodic reread");
    },
  });
  return {
    name: "etcd",
    ready: () => !closed && watching,
    revision: () => revision,
    compactedRevision: () => compacted,
    async transact(plan) {
      for (let attempt = 0; attempt < 200; attempt++) {
        const seen = revision;
        const out = await wrap("commit", () => tryCommit(plan)).catch((err: unknown) => {
          // Validation errors pass through; an etcd failure here means no majority answered.
          if (!(err instanceof BrokerError) || err.code !== "StoreFailed") throw err;
          throw new BrokerError(
            "StoreFailed",
            `${err.message}. The etcd cluster has no quorum or cannot be reached: writes are refused until a majority of its members answers; this replica keeps serving reads from its cache, which may be stale`,
            { cause: err },
          );
        });
        if (out !== undefined) return out;
        await waitFor(seen + 1, 200);
      }
      throw new BrokerError("StoreFailed", "etcd commit kept losing races to other replicas; giving up after 200 attempts");
    },
    snapshot(kinds) {
      const wanted: readonly RecordKind[] = kinds.length === 0 ? recordKinds : kinds;
      return Promise.resolve({ revision, records: wanted.flatMap((kind) => view.list(kind)) });
    },
    async changesSince(since) {
      if (since < compacted) return "compacted";
      const upTo = revision;
      if (since >= upTo) return [];
      const res = await wrap("read log", () => client.getAll().inRange({ start: k.log(since + 1), end: k.log(upTo + 1) }).sort("Key", "Ascend").exec());
      return res.kvs.map((kv) => {
        const entry = JSON.parse(kv.value.toString()) as LogEntry;
        return { revision: entry.revision, changes: entry.changes.map((c) => ({ type: c.type, key: c.key, record: { kind: c.kind, value: c.value } as BrokerRecord })) };
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ...credentials,
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      await watcher.cancel().catch((err: unknown) => {
        log.warn({ err }, "cancelling the etcd watch failed; closing the client anyway");
      });
      await stopFeeds().catch((err: unknown) => {
        log.warn({ err }, "cancelling the etcd watch of revocations failed; closing the client anyway");
      });
      client.close();
    },
  };
}
