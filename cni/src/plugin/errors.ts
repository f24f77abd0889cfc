import { IsthmusError } from "@isthmus/core/errors";

/**
 * Why a CNI operation failed. The first group maps to the CNI 1.1.0 well-known error codes
 * (SPEC.md "Error"); the second to plugin-specific codes (100 and up) that name IPAM failures.
 */
export type CniErrorCode =
  | "IncompatibleVersion"
  | "UnsupportedField"
  | "UnknownContainer"
  | "InvalidEnvironment"
  | "IoFailure"
  | "DecodingFailure"
  | "InvalidConfig"
  | "TryAgainLater"
  | "NotAvailable"
  | "NotAvailableLimited"
  | "CheckFailed"
  | "AddressOutOfRange"
  | "AddressTaken"
  | "PoolExhausted";

/** The numeric code of each {@link CniErrorCode} in the error object a plugin prints. */
export const cniErrorNumbers: Readonly<Record<CniErrorCode, number>> = Object.freeze({
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironment: 4,
  IoFailure: 5,
  DecodingFailure: 6,
  InvalidConfig: 7,
  TryAgainLater: 11,
  NotAvailable: 50,
  NotAvailableLimited: 51,
  CheckFailed: 100,
  AddressOutOfRange: 101,
  AddressTaken: 102,
  PoolExhausted: 103,
});

/** Every error of the CNI plugin and agent; `details` goes to the error object's `details`. */
export class CniError extends IsthmusError<CniErrorCode> {
  /** Extra context for operators (the failing command's stderr, the offending value). */
  readonly details: string | undefined;

  constructor(code: CniErrorCode, message: string, options: { cause?: unknown; details?: string } = {}) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    this.details = options.details;
  }
}

/** The CNI error object printed on stdout with a non-zero exit status. */
export interface CniErrorObject {
  /** The version of the config the runtime sent, or the newest we speak. */
  readonly cniVersion: string;
  /** Numeric code: 1-99 well-known, 100+ plugin specific. */
  readonly code: number;
  /** What failed and what to fix. */
  readonly msg: string;
  /** Optional context. */
  readonly details?: string;
}

/** Converts anything thrown into the spec's error object; unexpected errors become I/O failures (5). */
export function toCniErrorObject(err: unknown, cniVersion: string): CniErrorObject {
  if (err instanceof CniError) {
    const base = { cniVersion, code: cniErrorNumbers[err.code], msg: err.message };
    return err.details === undefined ? base : { ...base, details: err.details };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { cniVersion, code: cniErrorNumbers.IoFailure, msg: `isthmus-cni failed unexpectedly: ${message}` };
}
