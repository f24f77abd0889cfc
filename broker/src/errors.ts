import { IsthmusError } from "@isthmus/core/errors";

/** Why a broker operation failed; the gRPC layer maps codes to statuses (see grpc-status.ts). */
export type BrokerErrorCode =
  /** A request breaks the contract (INVALID_ARGUMENT). */
  | "InvalidArgument"
  /** No valid credential (UNAUTHENTICATED). */
  | "Unauthenticated"
  /** A valid identity asked for something it may not do (PERMISSION_DENIED). */
  | "PermissionDenied"
  /** The request conflicts with the clusterset's state, e.g. overlapping CIDRs (FAILED_PRECONDITION). */
  | "FailedPrecondition"
  /** Something another party holds was asked for, e.g. a global block (ALREADY_EXISTS). */
  | "AlreadyExists"
  /** A named thing does not exist (NOT_FOUND). */
  | "NotFound"
  /** A pool or limit is used up (RESOURCE_EXHAUSTED). */
  | "Exhausted"
  /** The store failed or holds something it cannot read (INTERNAL/UNAVAILABLE). */
  | "StoreFailed"
  /** The store's schema is newer than this broker understands. */
  | "SchemaTooNew";

/** The error of every broker component. */
export class BrokerError extends IsthmusError<BrokerErrorCode> {}
