import { type Cidr, lastAddress } from "./cidr.js";
import { NetError } from "./errors.js";
import { IpAddress, familyBits, parseIp } from "./ip.js";

/** Options of `allocateAddress`. */
export interface AddressAllocationOptions {
  /** Addresses never handed out besides `taken` (e.g. the gateway); those outside the pool are ignored. */
  readonly reserved?: Iterable<IpAddress>;
  /** Hold back the first (network) address. Default: true, except for IPv4 /31-/32 and IPv6 /127-/128. */
  readonly reserveNetwork?: boolean;
  /** Hold back the last (IPv4 broadcast) address. Default: true for IPv4 up to /30, false for IPv6. */
  readonly reserveBroadcast?: boolean;
  /**
   * Round-robin hint: search starts at the address after this one and wraps around (like CNI
   * host-local's last reserved IP). Outside the usable range: search starts at its beginning.
   * Another family is NetError "FamilyMismatch".
   */
  readonly after?: IpAddress;
}

/** The usable range of `pool` after network/broadcast reservations. */
function usableRange(pool: Cidr, options: AddressAllocationOptions): { low: bigint; high: bigint } {
  const pointToPoint = pool.prefix >= familyBits(pool.family) - 1;
  const reserveNetwork = options.reserveNetwork ?? !pointToPoint;
  const reserveBroadcast = options.reserveBroadcast ?? (pool.family === 4 && !pointToPoint);
  return {
    low: pool.network.value + (reserveNetwork ? 1n : 0n),
    high: lastAddress(pool).value - (reserveBroadcast ? 1n : 0n),
  };
}

/** Values of `addresses` of the pool's family within low..high, as a set; strings are parsed strictly. */
function blockedValues(pool: Cidr, range: { low: bigint; high: bigint }, addresses: Iterable<IpAddress | string>): Set<bigint> {
  const blocked = new Set<bigint>();
  for (const entry of addresses) {
    const ip = typeof entry === "string" ? parseIp(entry) : entry;
    if (ip.family === pool.family && ip.value >= range.low && ip.value <= range.high) blocked.add(ip.value);
  }
  return blocked;
}

/**
 * The next free address of `pool` for IPAM: not in `taken` (addresses or their text; text is
 * parsed, so any valid spelling counts), not reserved, not the network or (IPv4) broadcast
 * address unless told otherwise. Searches from `options.after` round-robin, else from the
 * lowest usable address. Cost is O(taken in pool), never O(pool size). Pure: the caller records
 * the result. Throws NetError "Exhausted" when every usable address is taken or reserved, and
 * "InvalidAddress" for a malformed string in `taken`.
 */
export function allocateAddress(
  pool: Cidr,
  taken: Iterable<IpAddress | string>,
  options: AddressAllocationOptions = {},
): IpAddress {
  const range = usableRange(pool, options);
  if (options.after !== undefined && options.after.family !== pool.family) {
    throw new NetError(
      "FamilyMismatch",
      `Cannot allocate from IPv${pool.family} pool ${pool.toString()} after IPv${options.after.family} address ${options.after.toString()}`,
    );
  }
  const blocked = blockedValues(pool, range, taken);
  for (const value of blockedValues(pool, range, options.reserved ?? [])) blocked.add(value);
  const usable = range.high >= range.low ? range.high - range.low + 1n : 0n;
  if (usable - BigInt(blocked.size) <= 0n) {
    throw new NetError(
      "Exhausted",
      `Cannot allocate an address from pool ${pool.toString()}: all ${usable} usable addresses are taken or reserved`,
    );
  }
  const hint = options.after === undefined ? range.low - 1n : options.after.value;
  let candidate = hint >= range.low - 1n && hint < range.high ? hint + 1n : range.low;
  // At most blocked.size + 1 steps: there is a free address and every step past one skips a blocked value.
  while (blocked.has(candidate)) candidate = candidate === range.high ? range.low : candidate + 1n;
  return new IpAddress(pool.family, candidate);
}
