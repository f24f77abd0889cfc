import { recordKey, recordKinds, recordOwner, type BrokerRecord, type PublishInput, type RecordKind } from "@isthmus/core/brokerapi";
import { errorMessage } from "@isthmus/core/errors";
import { canonicalJson, parseConnectionStatus, parseGatewayEndpoint, parseServiceExport, parseWorkloadSet, type Cluster } from "@isthmus/core/model";
import { BrokerError } from "./errors.js";
import { planGlobalBlocks, type GlobalRange } from "./global-blocks.js";
import { heldEgressIps, heldGlobalIps, withGlobalEgressIps, withGlobalIps, type AddressedExports, type Unaddressed } from "./global-ips.js";
import type { Store, StoredChange, StoreView } from "./store/store.js";

/** Counts of what a publish changed. */
export interface PublishOutcome {
  readonly revision: number;
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  /** The publisher's global block, when it uses global addressing (kind "cluster"). */
  readonly globalCidr?: string;
  /** Exports that got no (or, Headless, not every) global IP because the block is full (kind "export"); the rest are stored. */
  readonly unaddressed?: UnaddressedExport[];
}

/** An export (by namespace and name) short of `missing` global IPs, and why (see global-ips.ts). */
export type UnaddressedExport = Omit<Unaddressed, "input">;

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
   * of members it overlaps) and throws what that planning throws, nothing written. An export
   * publish of a cluster with a block stores the exports with their global IPs; what a full
   * block has no address for is left out and returned in `unaddressed` (global-ips.ts).
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
    // A cluster that got its block in this commit gets global IPs for the exports it has, then
    // its GlobalEgressIPs get theirs, around those of its exports.
    const addressed = new Map(plan.allocate.map((a) => [a.clusterId, exportsWithIps(a.clusterId, a.cidr, view)] as const));
    const exportIpsOf = (clusterId: string): Set<string> => new Set(heldIps(addressed.get(clusterId)?.puts ?? view.list("export", clusterId)).values());
    const globalEgress = withGlobalEgressIps(input.spec.globalEgress ?? [], { block: globalCidr, held: heldEgressIps(existing), taken: exportIpsOf(owner) });
    const t = now();
    const spec = { podCidrs: [...input.spec.podCidrs], serviceCidrs: [...input.spec.serviceCidrs], labels: { ...input.spec.labels }, ...(globalEgress.length === 0 ? {} : { globalEgress }) };
    const unchanged =
      existing !== undefined &&
      JSON.stringify([existing.podCidrs, existing.serviceCidrs, existing.labels, existing.globalCidr, existing.globalEgress ?? []]) ===
        JSON.stringify([spec.podCidrs, spec.serviceCidrs, spec.labels, globalCidr, globalEgress]);
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
      if (member === undefined) return [];
      const egress = withGlobalEgressIps(member.globalEgress ?? [], { block: a.cidr, held: new Map(), taken: exportIpsOf(a.clusterId) });
      return [{ kind: "cluster" as const, value: { ...member, globalCidr: a.cidr, ...(egress.length === 0 ? {} : { globalEgress: egress }) } }];
    });
    // Exports a too small block has no room for are withdrawn (its isthmus-dns learns why at its next publish).
    const withdrawn = [...addressed.values()].flatMap((x) => x.deletes);
    return { records: [{ kind: "cluster", value: cluster } as BrokerRecord, ...promoted, ...[...addressed.values()].flatMap((x) => x.puts)], withdrawn, allocate: plan.allocate, globalCidr };
  };

  return {
    async publish(owner, input) {
      let before = new Set<string>();
      let globalCidr: string | undefined;
      let unaddressed: Unaddressed[] = [];
      const out = await options.store.transact((view) => {
        const current = view.list(input.kind, owner);
        before = new Set(current.map(recordKey));
        let puts: BrokerRecord[];
        let allocate: readonly { clusterId: string; cidr: string }[] = [];
        let withdrawn: { kind: RecordKind; key: string }[] = [];
        if (input.kind === "cluster") {
          const made = clusterRecord(owner, input, view);
          puts = made.records;
          withdrawn = made.withdrawn;
          allocate = made.allocate;
          globalCidr = made.globalCidr;
        } else if (input.kind === "export") {
          const addressed = exportInputsWithIps(owner, input.records, { current, view });
          // What is left out is checked all the same: a bad record is refused, not hidden.
          for (const u of addressed.unaddressed) validateRecord("export", u.input);
          unaddressed = addressed.unaddressed;
          puts = reuseOrValidate(input.kind, addressed.records, current);
        } else {
          puts = reuseOrValidate(input.kind, input.records, current);
        }
        const keep = new Set(puts.map(recordKey));
        const deletes = [...[...before].filter((k) => !keep.has(k)).map((key) => ({ kind: input.kind, key })), ...withdrawn];
        return { puts, deletes, result: undefined, allocate };
      });
      const own = out.changes.filter((c) => recordOwner(c.record) === owner && c.record.kind === input.kind);
      return {
        revision: out.revision,
        ...count(own, before),
        ...(globalCidr === undefined ? {} : { globalCidr }),
        ...(input.kind === "export" ? { unaddressed: unaddressed.map(({ input: _input, ...rest }) => rest) } : {}),
      };
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
function exportInputsWithIps(owner: string, inputs: readonly unknown[], context: { current: readonly BrokerRecord[]; view: StoreView }): AddressedExports {
  const cluster = context.view.list("cluster", owner)[0]?.value as Cluster | undefined;
  const reserved = [...heldEgressIps(cluster).values()];
  return withGlobalIps(owner, inputs as Record<string, unknown>[], { block: cluster?.globalCidr, held: heldIps(context.current), keyOf: exportKey, reserved });
}

/**
 * The stored exports of a cluster that just got `block`, with global IPs (they are valid records
 * already): the records to put, and the keys of ClusterSetIP exports the block has no room for.
 */
function exportsWithIps(clusterId: string, block: string, view: StoreView): { puts: BrokerRecord[]; deletes: { kind: RecordKind; key: string }[] } {
  const current = view.list("export", clusterId);
  const { records } = withGlobalIps(clusterId, current.map((r) => r.value as unknown as Record<string, unknown>), { block, held: heldIps(current), keyOf: exportKey });
  const puts = records.map((value) => ({ kind: "export", value }) as BrokerRecord);
  const kept = new Set(puts.map(recordKey));
  return { puts, deletes: current.filter((r) => !kept.has(recordKey(r))).map((r) => ({ kind: "export" as const, key: recordKey(r) })) };
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
