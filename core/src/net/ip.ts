import { NetError } from "./errors.js";

/** An address family: 4 (IPv4, 32 bits) or 6 (IPv6, 128 bits). */
export type IpFamily = 4 | 6;

/** The number of bits in an address of `family`: 32 or 128. */
export function familyBits(family: IpFamily): 32 | 128 {
  return family === 4 ? 32 : 128;
}

/** The largest address value of `family` (all bits set). */
export function maxIpValue(family: IpFamily): bigint {
  return (1n << BigInt(familyBits(family))) - 1n;
}

/**
 * An immutable IP address: its family and its value as an unsigned integer. `toString()` and
 * `toJSON()` give the canonical text (dotted quad, RFC 5952 for IPv6), so it logs and
 * serialises as a string, never as a bigint.
 */
export class IpAddress {
  /** 4 or 6. */
  readonly family: IpFamily;
  /** The address as an unsigned integer: 0 .. 2^32-1 or 0 .. 2^128-1. */
  readonly value: bigint;

  /** Throws NetError "OutOfRange" when `value` does not fit `family`. */
  constructor(family: IpFamily, value: bigint) {
    if (value < 0n || value > maxIpValue(family)) {
      throw new NetError("OutOfRange", `Cannot make an IPv${family} address of ${value}: not in 0..${maxIpValue(family)}`);
    }
    this.family = family;
    this.value = value;
    Object.freeze(this);
  }

  /** Canonical text: dotted quad or RFC 5952. */
  toString(): string {
    return formatIp(this);
  }

  /** Canonical text, so that JSON and pino print addresses readably. */
  toJSON(): string {
    return formatIp(this);
  }

  /** True when `other` has the same family and value. */
  equals(other: IpAddress): boolean {
    return this.family === other.family && this.value === other.value;
  }
}

function invalid(text: string, reason: string): never {
  throw new NetError("InvalidAddress", `Cannot parse IP address ${JSON.stringify(text)}: ${reason}`);
}

/**
 * Parses an IPv4 dotted quad or an IPv6 address (RFC 4291 text, with an optional trailing
 * dotted quad). Strict: no whitespace, no zone id, no leading zeros in IPv4 octets (they are
 * ambiguous octal); throws NetError "InvalidAddress" saying what is wrong.
 */
export function parseIp(text: string): IpAddress {
  if (text === "") invalid(text, "empty string");
  if (/\s/.test(text)) invalid(text, "contains whitespace");
  if (text.includes(":")) return new IpAddress(6, parseIpv6Value(text));
  return new IpAddress(4, parseIpv4Value(text, text));
}

/** True when `text` is an address `parseIp` accepts. */
export function isIp(text: string): boolean {
  try {
    parseIp(text);
    return true;
  } catch (err) {
    if (err instanceof NetError) return false;
    throw err;
  }
}

function parseIpv4Value(part: string, whole: string): bigint {
  const octets = part.split(".");
  if (octets.length !== 4) invalid(whole, `expected 4 dot-separated octets, found ${octets.length}`);
  let value = 0n;
  for (const octet of octets) {
    if (octet === "") invalid(whole, "empty octet");
    if (!/^[0-9]+$/.test(octet)) invalid(whole, `octet ${JSON.stringify(octet)} is not a decimal number`);
    if (octet.length > 1 && octet.startsWith("0")) {
      invalid(whole, `octet ${JSON.stringify(octet)} has a leading zero (ambiguous octal)`);
    }
    const n = Number(octet);
    if (n > 255) invalid(whole, `octet ${octet} is greater than 255`);
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6Value(text: string): bigint {
  if (text.includes("%")) invalid(text, "zone identifiers (%...) are not supported");
  const halves = text.split("::");
  if (halves.length > 2) invalid(text, "more than one '::'");
  const head = parseGroups(halves[0] ?? "", text);
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? "", text) : undefined;
  const groups = tail === undefined ? head : [...head, ...tail];
  if (tail === undefined && groups.length !== 8) invalid(text, `expected 8 groups, found ${groups.length}`);
  if (tail !== undefined && groups.length > 7) invalid(text, "'::' must stand for at least one zero group");
  const zeros = 8 - groups.length;
  const full = tail === undefined ? head : [...head, ...new Array<number>(zeros).fill(0), ...tail];
  return full.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n);
}

/** Splits one side of "::" into 16-bit groups; a trailing dotted quad counts as two groups. */
function parseGroups(side: string, whole: string): number[] {
  if (side === "") return [];
  const parts = side.split(":");
  const groups: number[] = [];
  parts.forEach((part, i) => {
    if (part.includes(".")) {
      if (i !== parts.length - 1 || !whole.endsWith(part)) invalid(whole, "an embedded IPv4 address must come last");
      const v4 = Number(parseIpv4Value(part, whole));
      groups.push(v4 >>> 16, v4 & 0xffff);
      return;
    }
    if (part === "") invalid(whole, "empty group (stray ':')");
    if (!/^[0-9a-fA-F]{1,4}$/.test(part)) invalid(whole, `group ${JSON.stringify(part)} is not 1-4 hex digits`);
    groups.push(parseInt(part, 16));
  });
  return groups;
}

/** Canonical text of `ip`: dotted quad for IPv4, RFC 5952 for IPv6. */
export function formatIp(ip: IpAddress): string {
  return ip.family === 4 ? formatIpv4(ip.value) : formatIpv6(ip.value);
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
}

/** RFC 5952: lowercase, no leading zeros, the longest run (>= 2) of zero groups as "::", first on ties. */
function formatIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  let runStart = -1;
  groups.forEach((group, i) => {
    if (group !== 0) {
      runStart = -1;
      return;
    }
    if (runStart < 0) runStart = i;
    if (i - runStart + 1 > bestLength) {
      bestStart = runStart;
      bestLength = i - runStart + 1;
    }
  });
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/** Orders IPv4 before IPv6, then by numeric value; for `Array.prototype.sort`. */
export function compareIp(a: IpAddress, b: IpAddress): number {
  if (a.family !== b.family) return a.family - b.family;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/** True when both values (addresses or CIDRs) have the same family. */
export function isSameFamily(a: { readonly family: IpFamily }, b: { readonly family: IpFamily }): boolean {
  return a.family === b.family;
}

/** The address in network byte order: 4 or 16 bytes (for DNS records and netlink). */
export function ipToBytes(ip: IpAddress): Uint8Array {
  const length = familyBits(ip.family) / 8;
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Number((ip.value >> BigInt(8 * (length - 1 - i))) & 0xffn);
  return bytes;
}

/** The address of 4 (IPv4) or 16 (IPv6) bytes in network byte order; else NetError "InvalidAddress". */
export function ipFromBytes(bytes: Uint8Array): IpAddress {
  if (bytes.length !== 4 && bytes.length !== 16) {
    throw new NetError("InvalidAddress", `Cannot read an IP address from ${bytes.length} bytes: expected 4 or 16`);
  }
  const value = bytes.reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
  return new IpAddress(bytes.length === 4 ? 4 : 6, value);
}
