import { recordKey, recordKinds, type BrokerRecord, type PublishInput, type RecordKind } from "@isthmus/core/brokerapi";
import { errorMessage } from "@isthmus/core/errors";
import { parseConnectionStatus, parseGatewayEndpoint, parseServiceExport, type Cluster } from "@isthmus/core/model";
import { allocateBlock, overlaps, parseCidr, type Cidr } from "@isthmus/core/net";
import { BrokerError } from "./errors.js";
import type { Store, StoredChange, StoreView } from "./store/store.js";

/** Globalnet: the pool global CIDRs come from and the prefix length each cluster gets. */
export interface GlobalPool {
  readonly pool: Cidr;
  readonly prefix: number;
}

/** Counts of what a publish changed. */
export interface PublishOutcome {
  readonly revision: number;
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  readonly globalCidr?: string;
}

/**
 * What the catalog accepts: a cluster spec, or the full set of one kind as plain model inputs
 * (validated records or not-yet-validated ones decoded from the wire; see `publish`).
 */
export type CatalogInput =
  | Extract<PublishInput, { kind: "cluster" }>
  | { readonly kind: Exclude<RecordKind, "cluster">; readonly records: readonly unknown[] };

/** The catalog: level-based writes of one cluster's records, CIDR checks and allocation. */
export interface Catalog {
  /**
   * Replaces `owner`'s records of one kind. The caller has checked that `owner` owns each
   * record and that keys are unique. Records equal to the stored ones are kept as they are;
   * the others are validated with the model schemas ("InvalidArgument", nothing written), so
   * an unchanged republish of 1,000 records costs a comparison, not 1,000 validations. Throws
   * "FailedPrecondition" for CIDRs that overlap another cluster's (without a global pool) and
   * "Exhausted" when the pool is full.
   */
  publish(owner: string, input: CatalogInput): Promise<PublishOutcome>;
  /** Deletes every record `clusterId` owns (watchers see deletions); its global CIDR stays reserved. */
  evict(clusterId: string): Promise<{ readonly revision: number; readonly deleted: number }>;
}

/** Options of `createCatalog`. */
export interface CatalogOptions {
  readonly store: Store;
  readonly globalPool?: GlobalPool;
  /** The current time (injectable for tests). */
  readonly now?: () => Date;
  /** A cluster's lastSeen is refreshed by an unchanged publish at most this often (default 60 s). */
  readonly lastSeenIntervalMs?: number;
}

/** Creates the catalog over a store. */
export function createCatalog(options: CatalogOptions): Catalog {
  const now = options.now ?? (() => new Date());
  const lastSeenIntervalMs = options.lastSeenIntervalMs ?? 60_000;

  const clusterRecord = (owner: string, input: Extract<PublishInput, { kind: "cluster" }>, view: StoreView) => {
    const existing = view.list("cluster", owner)[0]?.value as Cluster | undefined;
    const mine = [...input.spec.podCidrs, ...input.spec.serviceCidrs].map((text) => ({ text, cidr: parseCidr(text) }));
    let allocate: { clusterId: string; cidr: string } | undefined;
    let globalCidr: string | undefined;
    if (options.globalPool === undefined) {
      checkOverlaps(owner, mine, view);
    } else {
      const allocations = view.globalCidrs();
      globalCidr = allocations.get(owner);
      if (globalCidr === undefined) {
        const taken = [...allocations.values()].map(parseCidr);
        try {
          globalCidr = allocateBlock(options.globalPool.pool, options.globalPool.prefix, taken).toString();
        } catch (err) {
          throw new BrokerError("Exhausted", `Cannot give cluster "${owner}" a global CIDR: ${(err as Error).message}`, { cause: err });
        }
        allocate = { clusterId: owner, cidr: globalCidr };
      }
    }
    const t = now();
    const spec = { podCidrs: [...input.spec.podCidrs], serviceCidrs: [...input.spec.serviceCidrs], labels: { ...input.spec.labels } };
    const unchanged =
      existing !== undefined &&
      JSON.stringify([existing.podCidrs, existing.serviceCidrs, existing.labels, existing.globalCidr]) ===
        JSON.stringify([spec.podCidrs, spec.serviceCidrs, spec.labels, globalCidr]);
    const fresh = existing !== undefined && t.getTime() - Date.parse(existing.lastSeen) < lastSeenIntervalMs;
    const cluster: Cluster = {
      id: owner,
      ...spec,
      ...(globalCidr === undefined ? {} : { globalCidr }),
      joinedAt: existing?.joinedAt ?? t.toISOString(),
      lastSeen: unchanged && fresh ? existing.lastSeen : t.toISOString(),
    };
    return { record: { kind: "cluster", value: cluster } as BrokerRecord, allocate, globalCidr };
  };

  return {
    async publish(owner, input) {
      let before = new Set<string>();
      let globalCidr: string | undefined;
      const out = await options.store.transact((view) => {
        const current = view.list(input.kind, owner);
        before = new Set(current.map(recordKey));
        let puts: BrokerRecord[];
        let allocate: { clusterId: string; cidr: string } | undefined;
        if (input.kind === "cluster") {
          const made = clusterRecord(owner, input, view);
          puts = [made.record];
          allocate = made.allocate;
          globalCidr = made.globalCidr;
        } else {
          puts = reuseOrValidate(input.kind, input.records, current);
        }
        const keep = new Set(puts.map(recordKey));
        const deletes = [...before].filter((k) => !keep.has(k)).map((key) => ({ kind: input.kind, key }));
        return { puts, deletes, result: undefined, ...(allocate === undefined ? {} : { allocate }) };
      });
      return { revision: out.revision, ...count(out.changes, before), ...(globalCidr === undefined ? {} : { globalCidr }) };
    },
    async evict(clusterId) {
      const out = await options.store.transact((view) => {
        const deletes = recordKinds.flatMap((kind: RecordKind) => view.list(kind, clusterId).map((r) => ({ kind, key: recordKey(r) })));
        return { puts: [], deletes, result: undefined };
      });
      return { revision: out.revision, deleted: out.changes.length };
    },
  };
}

/** Each incoming record: the stored one when equal (canonical JSON), else the validated input. */
function reuseOrValidate(kind: Exclude<RecordKind, "cluster">, inputs: readonly unknown[], current: readonly BrokerRecord[]): BrokerRecord[] {
  const stored = new Map(current.map((r) => [recordKey(r), r]));
  return inputs.map((raw) => {
    const candidate = { kind, value: raw } as BrokerRecord;
    const old = stored.get(recordKey(candidate));
    if (old !== undefined && canonicalJson(old.value) === canonicalJson(raw)) return old;
    return { kind, value: validateRecord(kind, raw) } as BrokerRecord;
  });
}

function validateRecord(kind: Exclude<RecordKind, "cluster">, raw: unknown): unknown {
  try {
    switch (kind) {
      case "endpoint":
        return parseGatewayEndpoint(raw);
      case "export":
        return parseServiceExport(raw);
      case "connection":
        return parseConnectionStatus(raw);
    }
  } catch (err) {
    throw new BrokerError("InvalidArgument", errorMessage(err), { cause: err });
  }
}

/** JSON with object keys sorted at every level (undefined properties dropped), for equality. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function checkOverlaps(owner: string, mine: readonly { text: string; cidr: Cidr }[], view: StoreView): void {
  for (const other of view.list("cluster")) {
    const cluster = other.value as Cluster;
    if (cluster.id === owner) continue;
    const theirs = [
      ...cluster.podCidrs.map((text) => ({ text, what: "pod" })),
      ...cluster.serviceCidrs.map((text) => ({ text, what: "service" })),
    ];
    for (const m of mine) {
      for (const t of theirs) {
        if (overlaps(m.cidr, parseCidr(t.text))) {
          throw new BrokerError(
            "FailedPrecondition",
            `CIDR ${m.text} of cluster "${owner}" overlaps ${t.what} CIDR ${t.text} of cluster "${cluster.id}"; ` +
              "use non-overlapping CIDRs or run the clusterset with a global CIDR pool",
          );
        }
      }
    }
  }
}

function count(changes: readonly StoredChange[], before: ReadonlySet<string>): { created: number; updated: number; deleted: number } {
  let created = 0;
  let updated = 0;
  let deleted = 0;
  for (const c of changes) {
    if (c.type === "delete") deleted++;
    else if (before.has(c.key)) updated++;
    else created++;
  }
  return { created, updated, deleted };
}
