// A fake cable driver for the gateway agent's tests: it keeps the synced peers in memory, lets a
// test decide each peer's status, fails the next call of an operation once on request, and
// offers await helpers with deadlines instead of sleeps.
import type { ConnectionState } from "@isthmus/core/model";
import type { CableConnection, CableDriver, CablePeer, CableSyncResult } from "../driver.js";
import { CableError } from "../errors.js";

/** The operations whose next call can be made to fail. */
export type FakeCableOperation = "init" | "sync" | "status" | "cleanup";

/** The fake driver: a CableDriver plus controls and observations for tests. */
export interface FakeCableDriver extends CableDriver {
  /** Every `sync` input accepted so far, oldest first. */
  readonly syncs: readonly (readonly CablePeer[])[];
  /** The peers of the last accepted `sync` (empty before the first). */
  readonly peers: readonly CablePeer[];
  /** Whether `init` succeeded and `cleanup` has not run since. */
  readonly initialized: boolean;
  /** Makes the next call of `operation` throw `error` (default CableError "Injected"), once. */
  failNext(operation: FakeCableOperation, error?: Error): void;
  /** Sets what `status()` reports for a cluster (default "connecting"). */
  setStatus(clusterId: string, status: ConnectionState, reason?: string): void;
  /** Resolves with the first accepted sync input (past or future) matching `predicate`; rejects after `timeoutMs` (default 5000). */
  waitForSync(predicate: (peers: readonly CablePeer[]) => boolean, timeoutMs?: number): Promise<readonly CablePeer[]>;
  /** Resolves once `sync` has been accepted at least `count` times; rejects after `timeoutMs` (default 5000). */
  waitForSyncCount(count: number, timeoutMs?: number): Promise<void>;
}

interface Waiter {
  readonly check: () => boolean;
  readonly resolve: () => void;
}

/** Creates a {@link FakeCableDriver} registered under `name` (default "fake"). */
export function createFakeCableDriver(name = "fake"): FakeCableDriver {
  const syncs: (readonly CablePeer[])[] = [];
  const failures = new Map<FakeCableOperation, Error>();
  const statuses = new Map<string, { status: ConnectionState; reason?: string }>();
  let waiters: Waiter[] = [];
  let initialized = false;

  const maybeFail = (operation: FakeCableOperation): void => {
    const error = failures.get(operation);
    if (error === undefined) return;
    failures.delete(operation);
    throw error;
  };
  const notify = (): void => {
    const ready = waiters.filter((w) => w.check());
    waiters = waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  };
  const waitUntil = (what: string, check: () => boolean, timeoutMs: number): Promise<void> =>
    new Promise((resolve, reject) => {
      if (check()) {
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        waiters = waiters.filter((w) => w !== waiter);
        reject(new Error(`Fake cable driver: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const waiter: Waiter = { check, resolve: () => { clearTimeout(timer); resolve(); } };
      waiters.push(waiter);
    });
  const current = (): readonly CablePeer[] => syncs.at(-1) ?? [];

  return {
    name,
    get syncs() { return syncs; },
    get peers() { return current(); },
    get initialized() { return initialized; },
    async init() {
      await Promise.resolve();
      maybeFail("init");
      initialized = true;
    },
    async sync(peers) {
      await Promise.resolve();
      maybeFail("sync");
      if (!initialized) throw new CableError("NotInitialized", `Cable driver "${name}": sync before init`);
      const before = new Set(current().map((p) => JSON.stringify(p)));
      const after = new Set(peers.map((p) => JSON.stringify(p)));
      const changes = [...peers.filter((p) => !before.has(JSON.stringify(p))).map((p) => `peer ${p.clusterId}: set`), ...current().filter((p) => !after.has(JSON.stringify(p))).map((p) => `peer ${p.clusterId}: remove`)];
      syncs.push(Object.freeze([...peers]));
      notify();
      const result: CableSyncResult = { changes };
      return result;
    },
    async status() {
      await Promise.resolve();
      maybeFail("status");
      return current().map((p): CableConnection => {
        const s = statuses.get(p.clusterId) ?? { status: "connecting" };
        return { clusterId: p.clusterId, remoteIp: p.remoteIp, status: s.status, ...(s.reason === undefined ? {} : { reason: s.reason }) };
      });
    },
    async release() {
      await Promise.resolve();
      initialized = false;
    },
    async cleanup() {
      await Promise.resolve();
      maybeFail("cleanup");
      initialized = false;
    },
    failNext(operation, error) {
      failures.set(operation, error ?? new CableError("Injected", `Injected failure of ${operation} in fake cable driver "${name}"`));
    },
    setStatus(clusterId, status, reason) {
      statuses.set(clusterId, reason === undefined ? { status } : { status, reason });
    },
    async waitForSync(predicate, timeoutMs = 5000) {
      let match: readonly CablePeer[] | undefined;
      await waitUntil("a matching sync", () => (match = syncs.find(predicate)) !== undefined, timeoutMs);
      return match ?? [];
    },
    waitForSyncCount(count, timeoutMs = 5000) {
      return waitUntil(`${count} syncs`, () => syncs.length >= count, timeoutMs);
    },
  };
}
