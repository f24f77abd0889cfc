import { IsthmusError } from "@isthmus/core/errors";

/** Why a lab operation failed. */
export type LabErrorCode =
  | "InvalidOptions"
  | "CommandFailed"
  | "Timeout"
  | "ComponentFailed"
  | "NotUp"
  | "NotFound"
  | "ApiError"
  | "NotRoot"
  | "CleanupFailed"
  | "Conflict";

/** The error of every lab operation (topology, control plane, nodes, verbs). */
export class LabError extends IsthmusError<LabErrorCode> {}
