import { Cidr, cidrSize, lastAddress, overlaps } from "./cidr.js";
import { NetError } from "./errors.js";
import { IpAddress, familyBits } from "./ip.js";

interface Interval {
  readonly start: bigint;
  readonly end: bigint;
}

/** The parts of `taken` inside `pool`, clipped to it and sorted by start; other families and outside blocks drop out. */
function takenIntervals(pool: Cidr, taken: Iterable<Cidr>): Interval[] {
  const poolStart = pool.network.value;
  const poolEnd = lastAddress(pool).value;
  const intervals: Interval[] = [];
  for (const block of taken) {
    if (!overlaps(pool, block)) continue;
    const start = block.network.value > poolStart ? block.network.value : poolStart;
    const end = lastAddress(block).value < poolEnd ? lastAddress(block).value : poolEnd;
    intervals.push({ start, end });
  }
  return intervals.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

/** The smallest multiple of `size` that is >= `value`. */
function alignUp(value: bigint, size: bigint): bigint {
  return ((value + size - 1n) / size) * size;
}

/**
 * The lowest aligned /`prefix` block inside `pool` that overlaps no block of `taken` (taken
 * blocks may have any size; those outside the pool or of the other family are ignored). Used
 * for global CIDRs per cluster and pod CIDRs per node. Pure: the caller records the result.
 * Throws NetError "PrefixOutOfRange" when `prefix` is shorter than the pool's or too long for
 * the family, and "Exhausted" when no such block is free.
 */
export function allocateBlock(pool: Cidr, prefix: number, taken: Iterable<Cidr>): Cidr {
  if (!Number.isInteger(prefix) || prefix < pool.prefix || prefix > familyBits(pool.family)) {
    throw new NetError(
      "PrefixOutOfRange",
      `Cannot allocate a /${prefix} block from pool ${pool.toString()}: the prefix must be in ${pool.prefix}..${familyBits(pool.family)}`,
    );
  }
  const size = 1n << BigInt(familyBits(pool.family) - prefix);
  const poolEnd = lastAddress(pool).value;
  let cursor = pool.network.value;
  let covered = 0n;
  // Walk the gaps in address order; the empty sentinel past the pool end closes the last gap.
  for (const { start, end } of [...takenIntervals(pool, taken), { start: poolEnd + 1n, end: poolEnd }]) {
    const candidate = alignUp(cursor, size);
    if (candidate + size - 1n < start) return new Cidr(new IpAddress(pool.family, candidate), prefix);
    if (end >= cursor) {
      covered += end - (start > cursor ? start : cursor) + 1n;
      cursor = end + 1n;
    }
  }
  const free = cidrSize(pool) - covered;
  const why = free === 0n ? "the pool is full" : `${free} of ${cidrSize(pool)} addresses are free, but only in smaller fragments`;
  throw new NetError("Exhausted", `Cannot allocate a /${prefix} block from pool ${pool.toString()}: ${why}`);
}
