import type { ConnectionState } from "@isthmus/core/model";

/**
 * One remote cluster as the cable driver needs it. The caller (the gateway agent) resolves which
 * address to dial (private when reachable, else public) before handing it over.
 */
export interface CablePeer {
  /** The remote cluster; a driver keeps exactly one tunnel peer per cluster. */
  readonly clusterId: string;
  /** Underlay address of the remote active gateway that tunnel packets go to. */
  readonly remoteIp: string;
  /** UDP port of the remote tunnel endpoint. */
  readonly port: number;
  /** The remote cluster's pod and service CIDRs: routed into the tunnel towards this peer. */
  readonly cidrs: readonly string[];
  /** The remote gateway's address inside the tunnel (health checks); routed to this peer too. */
  readonly tunnelIp: string;
  /** The remote gateway's WireGuard public key, base64 (required by the `wireguard` driver). */
  readonly publicKey?: string;
  /** True when NAT sits between the two gateways: the driver keeps the NAT mapping open. */
  readonly behindNat: boolean;
  /**
   * False on a passive (standby) gateway: the tunnel peer is programmed and accepts traffic, but
   * only the route to the peer's tunnel address is installed, not its CIDRs (the active gateway
   * carries those). Default true.
   */
  readonly routed?: boolean;
}

/** The data-plane view of one peer, as `status()` reports it. */
export interface CableConnection {
  /** The remote cluster. */
  readonly clusterId: string;
  /** The underlay address the tunnel sends to. */
  readonly remoteIp: string;
  /** What the tunnel itself knows: `connected` only when the driver has evidence (a handshake). */
  readonly status: ConnectionState;
  /** Why the status is not `connected`, in words. */
  readonly reason?: string;
  /** Bytes received from / sent to the peer, when the driver counts them. */
  readonly rxBytes?: number;
  readonly txBytes?: number;
  /** Time of the last handshake (ms since the epoch), when the driver has handshakes. */
  readonly lastHandshakeMs?: number;
}

/** What one `sync` changed, for logs and tests. */
export interface CableSyncResult {
  /** Human-readable changes (empty when the data plane already matched). */
  readonly changes: readonly string[];
}

/**
 * A tunnel implementation between this cluster's active gateway and the remote ones. Drivers
 * are level-based: `sync` is given the whole desired set each time. Methods throw CableError;
 * drivers log what they change (child logger) but never the errors they throw (the caller does).
 */
export interface CableDriver {
  /** The registry name of the driver, e.g. "wireguard". */
  readonly name: string;
  /**
   * Creates (or adopts) the tunnel device, its address and the MSS clamp. Idempotent; must be
   * called before `sync`. A restarted gateway adopts what is there without dropping traffic.
   */
  init(signal?: AbortSignal): Promise<void>;
  /**
   * Makes the data plane carry exactly `peers`: adds and updates tunnel peers and their routes,
   * removes those no longer wanted. Idempotent (same input, no change). Validates the whole set
   * first and throws CableError "InvalidPeer" without changing anything when it is inconsistent.
   */
  sync(peers: readonly CablePeer[], signal?: AbortSignal): Promise<CableSyncResult>;
  /** The state of each synced peer, read from the data plane. Read-only. */
  status(): Promise<readonly CableConnection[]>;
  /**
   * Stops the driver's background work (e.g. supervising wireguard-go) and leaves the data plane
   * as it is, so traffic keeps flowing while the gateway restarts and the next `init` adopts it.
   * Idempotent; after it, only `init` is allowed.
   */
  release(): Promise<void>;
  /** Removes every device, route, neighbour, FDB entry and nft table the driver made. Idempotent. */
  cleanup(): Promise<void>;
}
