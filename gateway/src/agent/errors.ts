import { IsthmusError } from "@isthmus/core/errors";

/**
 * Why the gateway or route agent cannot go on:
 * - `InvalidKey`: the WireGuard key file is unreadable or malformed.
 * - `NoNodeAddress`: the node has no InternalIP (or no podCIDR when the tunnel address is derived from it).
 * - `NotIpv4`: an address the route agent needs is not IPv4.
 * - `KubeFailed`: a call to the API server for our own resources failed.
 * - `AgentRunning`: an uninstall found the agent still running on the node.
 * - `CniStateTimedOut`: reading the node's CNI state for `/cni-state` took longer than its bound.
 */
export type AgentErrorCode = "InvalidKey" | "NoNodeAddress" | "NotIpv4" | "KubeFailed" | "AgentRunning" | "CniStateTimedOut";

/** The error of the gateway agents (gateway and route agent). */
export class AgentError extends IsthmusError<AgentErrorCode> {}
