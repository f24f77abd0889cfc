import { IsthmusError } from "@isthmus/core/errors";

/**
 * Why a WireGuard operation failed:
 * - `InvalidKey`: a key is not 32 bytes of base64 (or 64 hex characters in UAPI).
 * - `InvalidConfig`: a device config is malformed (port, endpoint, allowed IP, duplicate peer).
 * - `UapiProtocol`: a UAPI answer could not be parsed.
 * - `UapiErrno`: the device answered a request with a non-zero `errno=`.
 * - `UapiUnavailable`: the UAPI socket could not be reached (device not running).
 * - `UapiTimeout`: the device did not answer within the deadline.
 * - `BackendStartFailed`: the userspace daemon did not become ready.
 * - `BackendStopped`: an operation was attempted on a stopped backend.
 * - `NetlinkProtocol`: a generic-netlink WireGuard message could not be encoded or decoded.
 */
export type WireguardErrorCode =
  | "InvalidKey"
  | "InvalidConfig"
  | "UapiProtocol"
  | "UapiErrno"
  | "UapiUnavailable"
  | "UapiTimeout"
  | "BackendStartFailed"
  | "BackendStopped"
  | "NetlinkProtocol";

/** The error every function in `wireguard/` throws on purpose. */
export class WireguardError extends IsthmusError<WireguardErrorCode> {}
