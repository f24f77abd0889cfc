import { recordKey, recordKinds, recordOwner, type BrokerRecord, type PublishInput, type RecordKind } from "@isthmus/core/brokerapi";
import { errorMessage } from "@isthmus/core/errors";
import { parseConnectionStatus, parseGatewayEndpoint, parseServiceExport, parseWorkloadSet, type Cluster } from "@isthmus/core/model";
import { BrokerError } from "./errors.js";
import { planGlobalBlocks, type GlobalRange } from "./global-blocks.js";
import { heldGlobalIps, withGlobalIps } from "./global-ips.js";
import type { Store, StoredChange, StoreView } from "./store/store.js";

/** Counts of what a publish changed. */
export interface PublishOutcome {
  readonly revision: number;
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  /** The publisher's global block, when it uses global addressing (kind "cluster"). */
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
   * an unchanged republish of 1,000 records costs a comparison, not 1,000 validations. A
   * cluster publish also plans global blocks (see global-blocks.ts: the publisher's, and those
   * of members it overlaps) and throws what that planning throws, nothing written.
   */
  publish(owner: string, input: CatalogInput): Promise<PublishOutcome>;
  /** Deletes every record `clusterId` owns (watchers see deletions) and frees its global block. */
  evict(clusterId: string): Promise<{ readonly revision: number; readonly deleted: number }>;
}

/** Options of `createCatalog`. */
export interface CatalogOptions {
  readonly store: Store;
  /** The global range; without one no cluster gets global addressing and overlaps are refused. */
  readonly globalRange?: GlobalRange;
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
    const { global, globalCidr: requested, globalPrefix } = input.spec;
    const plan = planGlobalBlocks({
      owner,
      mine: input.spec,
      request: { ...(global === undefined ? {} : { global }), ...(requested === undefined ? {} : { globalCidr: requested }), ...(globalPrefix === undefined ? {} : { globalPrefix }) },
      members: view.list("cluster").map((r) => r.value as Cluster),
      allocations: view.globalCidrs(),
      range: options.globalRange,
    });
    const globalCidr = plan.globalCidr;
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
    // Members that overlap this cluster and had no block get one (their agents see it in the watch).
    const promoted = plan.allocate.filter((a) => a.clusterId !== owner).flatMap((a) => {
      const member = view.list("cluster", a.clusterId)[0]?.value as Cluster | undefined;
      return member === undefined ? [] : [{ kind: "cluster" as const, value: { ...member, globalCidr: a.cidr } }];
    });
    // A cluster that got its block in this commit gets global IPs for the exports it has.
    const addressed = plan.allocate.flatMap((a) => exportsWithIps(a.clusterId, a.cidr, view));
    return { records: [{ kind: "cluster", value: cluster } as BrokerRecord, ...promoted, ...addressed], allocate: plan.allocate, globalCidr };
  };

  return {
    async publish(owner, input) {
      let before = new Set<string>();
      let globalCidr: string | undefined;
      const out = await options.store.transact((view) => {
        const current = view.list(input.kind, owner);
        before = new Set(current.map(recordKey));
        let puts: BrokerRecord[];
        let allocate: readonly { clusterId: string; cidr: string }[] = [];
        if (input.kind === "cluster") {
          const made = clusterRecord(owner, input, view);
          puts = made.records;
          allocate = made.allocate;
          globalCidr = made.globalCidr;
        } else {
          const records = input.kind === "export" ? exportInputsWithIps(owner, input.records, { current, view }) : input.records;
          puts = reuseOrValidate(input.kind, records, current);
        }
        const keep = new Set(puts.map(recordKey));
        const deletes = [...before].filter((k) => !keep.has(k)).map((key) => ({ kind: input.kind, key }));
        return { puts, deletes, result: undefined, allocate };
      });
      const own = out.changes.filter((c) => recordOwner(c.record) === owner && c.record.kind === input.kind);
      return { revision: out.revision, ...count(own, before), ...(globalCidr === undefined ? {} : { globalCidr }) };
    },
    async evict(clusterId) {
      const out = await options.store.transact((view) => {
        const deletes = recordKinds.flatMap((kind: RecordKind) => view.list(kind, clusterId).map((r) => ({ kind, key: recordKey(r) })));
        return { puts: [], deletes, result: undefined, release: clusterId };
      });
      return { revision: out.revision, deleted: out.changes.length };
    },
  };
}

const exportKey = (value: unknown): string => recordKey({ kind: "export", value } as BrokerRecord);
const heldIps = (current: readonly BrokerRecord[]): Map<string, string> =>
  new Map(current.flatMap((r) => (r.kind === "export" ? heldGlobalIps(recordKey(r), r.value) : [])));

/** An export publish's inputs with the global IPs the broker gives them (global-ips.ts). */
function exportInputsWithIps(owner: string, inputs: readonly unknown[], context: { current: readonly BrokerRecord[]; view: StoreView }): Record<string, unknown>[] {
  const block = (context.view.list("cluster", owner)[0]?.value as Cluster | undefined)?.globalCidr;
  return withGlobalIps(owner, inputs as Record<string, unknown>[], { block, held: heldIps(context.current), keyOf: exportKey });
}

/** The stored exports of a cluster that just got `block`, with global IPs (they are valid records already). */
function exportsWithIps(clusterId: string, block: string, view: StoreView): BrokerRecord[] {
  const current = view.list("export", clusterId);
  const values = withGlobalIps(clusterId, current.map((r) => r.value as unknown as Record<string, unknown>), { block, held: heldIps(current), keyOf: exportKey });
  return values.map((value) => ({ kind: "export", value }) as BrokerRecord);
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
      case "workload":
        return parseWorkloadSet(raw);
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
