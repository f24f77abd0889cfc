import { IsthmusError } from "../errors.js";

/**
 * Why an address or CIDR operation failed:
 * - `InvalidAddress`: the text is not a canonical-enough IPv4 or IPv6 address.
 * - `InvalidCidr`: the text is not `address/prefix`.
 * - `HostBitsSet`: a strict CIDR has bits set after its prefix (`10.0.0.1/8`).
 * - `PrefixOutOfRange`: a prefix length is outside 0..32 (IPv4) or 0..128 (IPv6), or outside
 *   what the operation allows (a block longer than its pool, a split to a shorter prefix).
 * - `FamilyMismatch`: IPv4 and IPv6 values were mixed where one family is required.
 * - `OutOfRange`: an index or numeric address value lies outside its block or family.
 * - `TooManyBlocks`: a split would produce more blocks than the caller's bound.
 * - `Exhausted`: an allocator found no free block or address.
 */
export type NetErrorCode =
  | "InvalidAddress"
  | "InvalidCidr"
  | "HostBitsSet"
  | "PrefixOutOfRange"
  | "FamilyMismatch"
  | "OutOfRange"
  | "TooManyBlocks"
  | "Exhausted";

/** The error every function in `net/` throws on bad input or exhaustion. */
export class NetError extends IsthmusError<NetErrorCode> {}
