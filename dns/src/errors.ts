import { IsthmusError } from "@isthmus/core/errors";

/**
 * Why a DNS or MCS operation failed:
 * - `Truncated`: a packet ends before a field it announces.
 * - `BadPointer`: a compression pointer points forward, at itself, or into the header.
 * - `BadLabel`: a label uses a reserved type (0x40/0x80) or is longer than 63 octets.
 * - `NameTooLong`: a name is longer than 255 octets on the wire.
 * - `BadRecord`: a record's data does not match its type (wrong length, misplaced OPT).
 * - `TrailingBytes`: bytes follow the last announced record.
 * - `InvalidName`: a name given to the encoder is not valid presentation text.
 * - `InvalidMessage`: a message given to the encoder cannot be encoded (e.g. rcode > 15 without EDNS).
 * - `InvalidConfig`: a server or controller option is out of range.
 * - `InvalidManifest`: a Kubernetes object does not have the shape the MCS logic needs.
 */
export type DnsErrorCode =
  | "Truncated"
  | "BadPointer"
  | "BadLabel"
  | "NameTooLong"
  | "BadRecord"
  | "TrailingBytes"
  | "InvalidName"
  | "InvalidMessage"
  | "InvalidConfig"
  | "InvalidManifest";

/** The error every function in `@isthmus/dns` throws on bad input. */
export class DnsError extends IsthmusError<DnsErrorCode> {}
