import { IsthmusError } from "../errors.js";

/** Why a broker API operation failed, on either side of the wire. */
export type BrokerApiErrorCode =
  /** A message does not satisfy the contract (the broker answers INVALID_ARGUMENT). */
  | "InvalidMessage"
  /** The broker refused the call; `grpcCode` says why (e.g. PERMISSION_DENIED). */
  | "Rejected"
  /** The broker could not be reached or the stream broke. */
  | "Unavailable"
  /** The client was closed. */
  | "Closed";

/** The error of the broker API (client, conversions). `grpcCode` is the gRPC status when known. */
export class BrokerApiError extends IsthmusError<BrokerApiErrorCode> {
  /** The gRPC status code behind the error, when it came from a call. */
  readonly grpcCode: number | undefined;

  constructor(code: BrokerApiErrorCode, message: string, options?: { cause?: unknown; grpcCode?: number }) {
    super(code, message, options);
    this.grpcCode = options?.grpcCode;
  }
}
