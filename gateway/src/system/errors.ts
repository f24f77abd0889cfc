import { IsthmusError } from "@isthmus/core/errors";

/**
 * Why a system operation of the gateway failed:
 * - `CommandFailed`: a command (ip, bridge, nft) exited non-zero or could not start.
 * - `CommandTimedOut`: a command did not finish within its deadline.
 * - `UnexpectedOutput`: a command's JSON output did not have the expected shape.
 */
export type SystemErrorCode = "CommandFailed" | "CommandTimedOut" | "UnexpectedOutput";

/** The error the gateway's system helpers throw. */
export class SystemError extends IsthmusError<SystemErrorCode> {}
