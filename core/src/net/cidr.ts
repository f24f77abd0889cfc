import { NetError } from "./errors.js";
import { IpAddress, type IpFamily, familyBits, maxIpValue, parseIp } from "./ip.js";

/** The netmask value of `prefix` bits in `family` (e.g. 0xffffff00 for IPv4 /24). */
function maskValue(family: IpFamily, prefix: number): bigint {
  const hostBits = BigInt(familyBits(family) - prefix);
  return maxIpValue(family) ^ ((1n << hostBits) - 1n);
}

function checkPrefix(family: IpFamily, prefix: number, what: string): void {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > familyBits(family)) {
    throw new NetError("PrefixOutOfRange", `${what}: prefix /${prefix} is not in 0..${familyBits(family)} for IPv${family}`);
  }
}

/**
 * An immutable, canonical CIDR block: a network address with no host bits set and a prefix
 * length. `toString()`/`toJSON()` give `network/prefix` in canonical address form.
 */
export class Cidr {
  /** 4 or 6, the family of `network`. */
  readonly family: IpFamily;
  /** The first address of the block; its host bits are all zero. */
  readonly network: IpAddress;
  /** Prefix length: 0..32 (IPv4) or 0..128 (IPv6). */
  readonly prefix: number;

  /** Throws NetError "PrefixOutOfRange" for a bad prefix and "HostBitsSet" when `network` has host bits. */
  constructor(network: IpAddress, prefix: number) {
    checkPrefix(network.family, prefix, `Cannot make a CIDR of ${network.toString()}`);
    if ((network.value & ~maskValue(network.family, prefix)) !== 0n) {
      throw new NetError(
        "HostBitsSet",
        `Cannot make CIDR ${network.toString()}/${prefix}: host bits are set (the network is ${cidrContaining(network, prefix).toString()})`,
      );
    }
    this.family = network.family;
    this.network = network;
    this.prefix = prefix;
    Object.freeze(this);
  }

  /** Canonical `network/prefix`. */
  toString(): string {
    return `${this.network.toString()}/${this.prefix}`;
  }

  /** Canonical `network/prefix`, so that JSON and pino print blocks readably. */
  toJSON(): string {
    return this.toString();
  }

  /** True when `other` is the same block. */
  equals(other: Cidr): boolean {
    return this.prefix === other.prefix && this.network.equals(other.network);
  }
}

/** The block of length `prefix` that contains `ip` (host bits masked off), e.g. 10.1.2.3 /16 -> 10.1.0.0/16. */
export function cidrContaining(ip: IpAddress, prefix: number): Cidr {
  checkPrefix(ip.family, prefix, `Cannot find the /${prefix} block of ${ip.toString()}`);
  return new Cidr(new IpAddress(ip.family, ip.value & maskValue(ip.family, prefix)), prefix);
}

function splitCidrText(text: string): { address: IpAddress; prefix: number } {
  const fail = (reason: string, cause?: NetError): never => {
    throw new NetError("InvalidCidr", `Cannot parse CIDR ${JSON.stringify(text)}: ${reason}`, { cause });
  };
  const parts = text.split("/");
  if (parts.length !== 2) fail(parts.length === 1 ? "missing '/prefix'" : "more than one '/'");
  const [addressText = "", prefixText = ""] = parts;
  if (addressText === "") fail("missing address before '/'");
  if (prefixText === "") fail("missing prefix after '/'");
  if (!/^(0|[1-9][0-9]*)$/.test(prefixText)) {
    fail(`prefix ${JSON.stringify(prefixText)} is not a decimal number without leading zeros`);
  }
  let address: IpAddress;
  try {
    address = parseIp(addressText);
  } catch (err) {
    if (!(err instanceof NetError)) throw err;
    return fail(err.message, err);
  }
  const prefix = Number(prefixText);
  checkPrefix(address.family, prefix, `Cannot parse CIDR ${JSON.stringify(text)}`);
  return { address, prefix };
}

/**
 * Parses `address/prefix` strictly: throws NetError "InvalidCidr" for malformed text,
 * "PrefixOutOfRange" for a prefix too long for the family and "HostBitsSet" for `10.0.0.1/8`.
 */
export function parseCidr(text: string): Cidr {
  const { address, prefix } = splitCidrText(text);
  return new Cidr(address, prefix);
}

/**
 * Parses `address/prefix` and masks off host bits (`10.1.2.3/16` -> `10.1.0.0/16`): for
 * interface addresses and kernel route output, never for user-supplied cluster CIDRs.
 */
export function parseCidrLoose(text: string): Cidr {
  const { address, prefix } = splitCidrText(text);
  return cidrContaining(address, prefix);
}

/** True when `text` is a CIDR `parseCidr` accepts (strict: no host bits). */
export function isCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch (err) {
    if (err instanceof NetError) return false;
    throw err;
  }
}

/** The number of addresses in `cidr` (2^(bits - prefix)), including network and broadcast. */
export function cidrSize(cidr: Cidr): bigint {
  return 1n << BigInt(familyBits(cidr.family) - cidr.prefix);
}

/** The first address of `cidr` (its network address). */
export function firstAddress(cidr: Cidr): IpAddress {
  return cidr.network;
}

/** The last address of `cidr` (the IPv4 broadcast address). */
export function lastAddress(cidr: Cidr): IpAddress {
  return new IpAddress(cidr.family, cidr.network.value + cidrSize(cidr) - 1n);
}

/** The address at offset `index` (0-based) in `cidr`; NetError "OutOfRange" outside 0..size-1. */
export function nthAddress(cidr: Cidr, index: bigint | number): IpAddress {
  const offset = BigInt(index);
  if (offset < 0n || offset >= cidrSize(cidr)) {
    throw new NetError("OutOfRange", `Cannot take address #${offset} of ${cidr.toString()}: it has ${cidrSize(cidr)} addresses`);
  }
  return new IpAddress(cidr.family, cidr.network.value + offset);
}

/** True when `inner` (an address or a block) lies wholly inside `outer`; false across families. */
export function contains(outer: Cidr, inner: Cidr | IpAddress): boolean {
  if (outer.family !== inner.family) return false;
  if (!("prefix" in inner)) return (inner.value & maskValue(outer.family, outer.prefix)) === outer.network.value;
  return inner.prefix >= outer.prefix && contains(outer, inner.network);
}

/**
 * True when `address` is on-link for a host whose interface holds addresses in `subnets` (their
 * prefixes, as `ip addr` shows them): inside one of those prefixes, a /32 (or /128) never
 * counting. Decided from the addresses alone, never from the kernel's routes, so a default or a
 * policy route cannot make a routed neighbour look on-link (the `cross-subnet` rule, ADR 0405).
 */
export function isOnLink(address: IpAddress, subnets: readonly Cidr[]): boolean {
  return subnets.some((s) => s.prefix < (s.family === 4 ? 32 : 128) && contains(s, address));
}

/** True when the blocks share at least one address; false across families. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b) || contains(b, a);
}

/** Orders IPv4 before IPv6, then by network address, then shorter prefix first; for sort(). */
export function compareCidr(a: Cidr, b: Cidr): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.network.value !== b.network.value) return a.network.value < b.network.value ? -1 : 1;
  return a.prefix - b.prefix;
}
