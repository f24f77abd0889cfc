import { Cidr, cidrContaining } from "./cidr.js";
import { NetError } from "./errors.js";
import { IpAddress, familyBits } from "./ip.js";

/** Options of `split`. */
export interface SplitOptions {
  /** The most blocks the caller accepts; more is NetError "TooManyBlocks". Default 65536. */
  readonly limit?: number;
}

/** The default bound of `split`: a /16 into /32s, or a /48 into /64s. */
export const defaultSplitLimit = 65536;

function checkSplitPrefix(cidr: Cidr, newPrefix: number): void {
  if (!Number.isInteger(newPrefix) || newPrefix < cidr.prefix || newPrefix > familyBits(cidr.family)) {
    throw new NetError(
      "PrefixOutOfRange",
      `Cannot split ${cidr.toString()} into /${newPrefix} blocks: the prefix must be in ${cidr.prefix}..${familyBits(cidr.family)}`,
    );
  }
}

/** The number of /`newPrefix` blocks in `cidr`; NetError "PrefixOutOfRange" when shorter than its prefix. */
export function subnetCount(cidr: Cidr, newPrefix: number): bigint {
  checkSplitPrefix(cidr, newPrefix);
  return 1n << BigInt(newPrefix - cidr.prefix);
}

/**
 * Lazily yields the /`newPrefix` blocks of `cidr` in address order. Unbounded (a /64 has 2^64
 * /128s): the caller decides how many to take. The prefix is checked when iteration starts.
 */
export function* subnets(cidr: Cidr, newPrefix: number): Generator<Cidr, void, undefined> {
  const count = subnetCount(cidr, newPrefix);
  const step = 1n << BigInt(familyBits(cidr.family) - newPrefix);
  for (let i = 0n; i < count; i++) {
    yield new Cidr(new IpAddress(cidr.family, cidr.network.value + i * step), newPrefix);
  }
}

/**
 * All /`newPrefix` blocks of `cidr`, in address order. Throws NetError "PrefixOutOfRange" when
 * `newPrefix` is shorter than the block's or too long for the family, and "TooManyBlocks" when
 * there would be more than `limit` blocks.
 */
export function split(cidr: Cidr, newPrefix: number, options: SplitOptions = {}): Cidr[] {
  const limit = options.limit ?? defaultSplitLimit;
  const count = subnetCount(cidr, newPrefix);
  if (count > BigInt(limit)) {
    throw new NetError(
      "TooManyBlocks",
      `Cannot split ${cidr.toString()} into /${newPrefix} blocks: that is ${count} blocks, more than the limit of ${limit}`,
    );
  }
  return Array.from(subnets(cidr, newPrefix));
}

/** The block of length `prefix` (<= the block's) that contains `cidr`, e.g. 10.1.2.0/24 at /16 -> 10.1.0.0/16. */
export function supernet(cidr: Cidr, prefix: number): Cidr {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > cidr.prefix) {
    throw new NetError("PrefixOutOfRange", `Cannot widen ${cidr.toString()} to /${prefix}: the prefix must be in 0..${cidr.prefix}`);
  }
  return cidrContaining(cidr.network, prefix);
}
