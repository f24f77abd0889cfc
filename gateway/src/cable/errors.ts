import { IsthmusError } from "@isthmus/core/errors";

/**
 * Why a cable operation failed:
 * - `UnknownDriver`: no driver is registered under the name (the message lists the valid ones).
 * - `DuplicateDriver`: a driver name was registered twice.
 * - `InvalidOptions`: a driver's options are malformed.
 * - `InvalidPeer`: a desired peer is malformed or conflicts with another (same cluster, overlapping CIDRs).
 * - `NotInitialized`: `sync` or `status` was called before `init`.
 * - `ProgrammingFailed`: the kernel refused a device, address, route, neighbour, FDB or nft change.
 * - `Injected`: an error injected by the fake driver (tests).
 */
export type CableErrorCode = "UnknownDriver" | "DuplicateDriver" | "InvalidOptions" | "InvalidPeer" | "NotInitialized" | "ProgrammingFailed" | "Injected";

/** The error every cable driver and the registry throw on purpose. */
export class CableError extends IsthmusError<CableErrorCode> {}
