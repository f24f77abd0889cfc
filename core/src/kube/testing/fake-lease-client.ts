import { KubeError } from "../errors.js";
import type { LeaseClient, LeaseRecord, LeaseRef, ObservedLease } from "../lease-client.js";

/**
 * In-memory Leases shared by several fake clients (one per simulated process), with the API
 * server's optimistic concurrency: every write bumps a global resourceVersion, and a replace
 * quoting a stale one fails with 409 Conflict.
 */
export interface FakeLeaseStore {
  /** The stored lease, or undefined. */
  read(ref: LeaseRef): ObservedLease | undefined;
  /** Writes `record` unconditionally (another writer, or test setup) and returns it with its new version. */
  write(ref: LeaseRef, record: LeaseRecord): ObservedLease;
  /** Removes the lease. */
  remove(ref: LeaseRef): void;
}

/** A LeaseClient over a {@link FakeLeaseStore} with fault injection for this one client. */
export interface FakeLeaseClient extends LeaseClient {
  /** The store this client reads and writes. */
  readonly store: FakeLeaseStore;
  /** Calls made so far, by operation. */
  readonly calls: Readonly<Record<"get" | "create" | "replace", number>>;
  /** Makes the next `times` calls (of `op`, or of any operation) reject with `err` (one-shot each). */
  failNext(err: Error, options?: { op?: "get" | "create" | "replace"; times?: number }): void;
  /** While on, every call rejects with KubeError "ApiError" (a network partition); no state changes. */
  setPartitioned(on: boolean): void;
}

const keyOf = (ref: LeaseRef): string => `${ref.namespace}/${ref.name}`;

/** Creates an empty {@link FakeLeaseStore}. */
export function createFakeLeaseStore(): FakeLeaseStore {
  const leases = new Map<string, ObservedLease>();
  let version = 0;
  return {
    read: (ref) => leases.get(keyOf(ref)),
    write(ref, record) {
      version += 1;
      const stored: ObservedLease = Object.freeze({ ...copy(record), resourceVersion: String(version) });
      leases.set(keyOf(ref), stored);
      return stored;
    },
    remove(ref) {
      leases.delete(keyOf(ref));
    },
  };
}

function copy(record: LeaseRecord): LeaseRecord {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: record.acquireTime === undefined ? undefined : new Date(record.acquireTime.getTime()),
    renewTime: record.renewTime === undefined ? undefined : new Date(record.renewTime.getTime()),
    leaseTransitions: record.leaseTransitions,
  };
}

/** Creates a {@link FakeLeaseClient} on `store` (a fresh store when not given). */
export function createFakeLeaseClient(options: { store?: FakeLeaseStore } = {}): FakeLeaseClient {
  const store = options.store ?? createFakeLeaseStore();
  const calls = { get: 0, create: 0, replace: 0 };
  const failures: { err: Error; op: "get" | "create" | "replace" | undefined }[] = [];
  let partitioned = false;

  const enter = async (op: "get" | "create" | "replace", ref: LeaseRef): Promise<void> => {
    calls[op] += 1;
    await Promise.resolve();
    if (partitioned) {
      throw new KubeError("ApiError", `Cannot ${op} Lease ${keyOf(ref)}: connect ECONNREFUSED (fake partition)`);
    }
    const index = failures.findIndex((f) => f.op === undefined || f.op === op);
    const failure = index === -1 ? undefined : failures.splice(index, 1)[0];
    if (failure !== undefined) {
      throw failure.err;
    }
  };

  return {
    store,
    calls,
    failNext(err, failOptions = {}) {
      for (let i = 0; i < (failOptions.times ?? 1); i++) failures.push({ err, op: failOptions.op });
    },
    setPartitioned(on) {
      partitioned = on;
    },
    async get(ref) {
      await enter("get", ref);
      return store.read(ref);
    },
    async create(ref, record) {
      await enter("create", ref);
      if (store.read(ref) !== undefined) {
        throw new KubeError("Conflict", `Cannot create Lease ${keyOf(ref)}: HTTP 409 leases "${ref.name}" already exists`, { status: 409 });
      }
      return store.write(ref, record);
    },
    async replace(ref, record) {
      await enter("replace", ref);
      const current = store.read(ref);
      if (current === undefined) {
        throw new KubeError("NotFound", `Cannot replace Lease ${keyOf(ref)}: HTTP 404 not found`, { status: 404 });
      }
      if (current.resourceVersion !== record.resourceVersion) {
        throw new KubeError(
          "Conflict",
          `Cannot replace Lease ${keyOf(ref)}: HTTP 409 the object has been modified (have ${record.resourceVersion}, server ${current.resourceVersion})`,
          { status: 409 },
        );
      }
      return store.write(ref, record);
    },
  };
}
