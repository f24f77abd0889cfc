import type { Cluster } from "@isthmus/core/model";
import { allocateBlock, contains, familyBits, overlaps, parseCidr, type Cidr } from "@isthmus/core/net";
import { BrokerError } from "./errors.js";

// Design notes (docs/adr/0206-global-addresses.md): global addressing is per cluster. A cluster
// that asks for it (or, with `everyCluster`, every cluster) holds one block of the global range
// until it is removed; a later publish that says nothing keeps it. Two clusters' real CIDRs may
// overlap only when both hold blocks, because other clusters reach them through their blocks
// alone: so a cluster that asks for global addressing and overlaps a member without a block
// gives that member a block too, in the same commit. Blocks never overlap each other nor any
// member's real CIDRs. This file plans; the catalog writes the plan in one transaction.

/** The broker's global range: where blocks come from, their default size, who gets one. */
export interface GlobalRange {
  readonly pool: Cidr;
  /** Prefix length of a block when the cluster asks for no size. */
  readonly prefix: number;
  /** Every cluster gets a block (the broker's --globalnet), not only those that ask. */
  readonly everyCluster?: boolean;
}

/** What a cluster asks for in its publish (ClusterSpec's global fields). */
export interface GlobalRequest {
  readonly global?: boolean;
  readonly globalCidr?: string;
  readonly globalPrefix?: number;
}

/** The outcome: the publisher's block (if any) and every block to record in the commit. */
export interface GlobalPlan {
  readonly globalCidr: string | undefined;
  /** New allocations, the publisher's first, then members given a block because they overlap it. */
  readonly allocate: readonly { readonly clusterId: string; readonly cidr: string }[];
}

interface Named {
  readonly text: string;
  readonly cidr: Cidr;
  readonly what: string;
}

const realCidrs = (c: { readonly podCidrs: readonly string[]; readonly serviceCidrs: readonly string[] }): Named[] => [
  ...c.podCidrs.map((text) => ({ text, cidr: parseCidr(text), what: "pod" })),
  ...c.serviceCidrs.map((text) => ({ text, cidr: parseCidr(text), what: "service" })),
];

/** The first pair of `mine` × `theirs` that overlaps. */
const firstClash = (mine: readonly Named[], theirs: readonly Named[]): [Named, Named] | undefined => {
  for (const m of mine) for (const t of theirs) if (overlaps(m.cidr, t.cidr)) return [m, t];
  return undefined;
};

/**
 * Plans the global block of `owner` publishing `mine` with `request`, against the other
 * `members` and the current `allocations` (cluster id → block). Throws BrokerError:
 * "InvalidArgument" for a block or size the range cannot hold, "FailedPrecondition" for real
 * CIDRs that clash (without global addressing, or with another cluster's block) and for a held
 * block the request contradicts, "AlreadyExists" for a block another cluster holds, "Exhausted"
 * when the range has no room. Pure.
 */
export function planGlobalBlocks(input: {
  readonly owner: string;
  readonly mine: { readonly podCidrs: readonly string[]; readonly serviceCidrs: readonly string[] };
  readonly request: GlobalRequest;
  readonly members: readonly Cluster[];
  readonly allocations: ReadonlyMap<string, string>;
  readonly range: GlobalRange | undefined;
}): GlobalPlan {
  const { owner, request, range, allocations } = input;
  const mine = realCidrs(input.mine);
  const others = input.members.filter((m) => m.id !== owner);
  const held = allocations.get(owner);
  const asks = request.global === true || request.globalCidr !== undefined || request.globalPrefix !== undefined;
  if (range === undefined && asks) {
    throw new BrokerError("FailedPrecondition", `Cluster "${owner}" asks for global addressing, but this broker has no global range`);
  }
  const wants = range !== undefined && (asks || range.everyCluster === true || held !== undefined);
  if (range !== undefined) checkRequest(owner, request, range, held);

  for (const [id, block] of allocations) {
    if (id === owner) continue;
    const clash = firstClash(mine, [{ text: block, cidr: parseCidr(block), what: "global" }]);
    if (clash !== undefined) {
      throw new BrokerError("FailedPrecondition", `CIDR ${clash[0].text} of cluster "${owner}" overlaps the global block ${block} of cluster "${id}"`);
    }
  }
  const clashing = others.flatMap((o) => {
    const clash = firstClash(mine, realCidrs(o));
    return clash === undefined ? [] : [{ cluster: o, clash }];
  });
  const first = clashing[0];
  if (!wants) {
    if (first !== undefined) {
      const [m, t] = first.clash;
      throw new BrokerError(
        "FailedPrecondition",
        `CIDR ${m.text} of cluster "${owner}" overlaps ${t.what} CIDR ${t.text} of cluster "${first.cluster.id}"; ` +
          "use non-overlapping CIDRs or join with global addressing (isthmus join --global-cidr)",
      );
    }
    return { globalCidr: undefined, allocate: [] };
  }

  const taken: Cidr[] = [...[...allocations.values()].map(parseCidr), ...mine.map((m) => m.cidr), ...others.flatMap((o) => realCidrs(o).map((n) => n.cidr))];
  const allocate: { clusterId: string; cidr: string }[] = [];
  const give = (clusterId: string, prefix: number): string => {
    let block: Cidr;
    try {
      block = allocateBlock(range.pool, prefix, taken);
    } catch (err) {
      throw new BrokerError("Exhausted", `Cannot give cluster "${clusterId}" a global block: ${(err as Error).message}`, { cause: err });
    }
    taken.push(block);
    allocate.push({ clusterId, cidr: block.toString() });
    return block.toString();
  };
  let globalCidr = held;
  if (held === undefined) {
    if (request.globalCidr === undefined) globalCidr = give(owner, request.globalPrefix ?? range.prefix);
    else {
      globalCidr = claim(owner, request.globalCidr, { allocations, mine, others });
      taken.push(parseCidr(globalCidr));
      allocate.push({ clusterId: owner, cidr: globalCidr });
    }
  }
  for (const { cluster } of clashing) {
    if (!allocations.has(cluster.id)) give(cluster.id, range.prefix);
  }
  return { globalCidr, allocate };
}

/** Checks the request's block or size against the range and against a block already held. */
function checkRequest(owner: string, request: GlobalRequest, range: GlobalRange, held: string | undefined): void {
  const bits = familyBits(range.pool.family);
  const asked = request.globalCidr === undefined ? undefined : parseCidr(request.globalCidr);
  const prefix = asked?.prefix ?? request.globalPrefix;
  if (prefix !== undefined && (!Number.isInteger(prefix) || prefix < range.pool.prefix)) {
    throw new BrokerError(
      "InvalidArgument",
      `The global range ${range.pool.toString()} is too small for the /${prefix} block cluster "${owner}" asks for: the prefix must be in ${range.pool.prefix}..${bits - 2}`,
    );
  }
  // A block holds its network address, the egress address and at least one service.
  if (prefix !== undefined && prefix > bits - 2) {
    throw new BrokerError("InvalidArgument", `A /${prefix} global block is too small for cluster "${owner}": the prefix must be in ${range.pool.prefix}..${bits - 2}`);
  }
  if (asked !== undefined && request.globalPrefix !== undefined && request.globalPrefix !== asked.prefix) {
    throw new BrokerError("InvalidArgument", `Cluster "${owner}" asks for the block ${asked.toString()} and a /${request.globalPrefix} block at once`);
  }
  if (asked !== undefined && (asked.family !== range.pool.family || !contains(range.pool, asked))) {
    throw new BrokerError("InvalidArgument", `The block ${asked.toString()} cluster "${owner}" asks for is outside the global range ${range.pool.toString()}`);
  }
  if (held === undefined) return;
  const heldCidr = parseCidr(held);
  if ((asked !== undefined && asked.toString() !== held) || (asked === undefined && prefix !== undefined && prefix !== heldCidr.prefix)) {
    throw new BrokerError(
      "FailedPrecondition",
      `Cluster "${owner}" holds the global block ${held} and keeps it until it is removed (isthmus broker remove-cluster ${owner}); it cannot change to ${asked?.toString() ?? `a /${String(prefix)}`}`,
    );
  }
}

/** Checks that a specifically requested block is free; returns it as text. */
function claim(owner: string, text: string, context: { allocations: ReadonlyMap<string, string>; mine: readonly Named[]; others: readonly Cluster[] }): string {
  const block = parseCidr(text);
  for (const [id, other] of context.allocations) {
    if (overlaps(block, parseCidr(other))) {
      const how = other === block.toString() ? "is held by" : `overlaps ${other}, held by`;
      throw new BrokerError("AlreadyExists", `Cluster "${owner}" cannot have the global block ${block.toString()}: it ${how} cluster "${id}"`);
    }
  }
  const candidates = [{ id: owner, cidrs: context.mine }, ...context.others.map((o) => ({ id: o.id, cidrs: realCidrs(o) }))];
  for (const { id, cidrs } of candidates) {
    const clash = firstClash([{ text, cidr: block, what: "global" }], cidrs);
    if (clash !== undefined) {
      throw new BrokerError("FailedPrecondition", `Cluster "${owner}" cannot have the global block ${block.toString()}: it overlaps ${clash[1].what} CIDR ${clash[1].text} of cluster "${id}"`);
    }
  }
  return block.toString();
}
