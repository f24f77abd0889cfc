import type { DeviceConfig, DeviceState, PeerConfig, PeerState } from "./config.js";
import type { UapiPeerOperation, UapiSetRequest } from "./uapi.js";

/** What `planDeviceUpdate` decided: the one `set` request to send (if any) and a summary. */
export interface DevicePlan {
  /** The request that turns the current device into the desired one; undefined = nothing to do. */
  readonly request: UapiSetRequest | undefined;
  /** Human-readable changes, e.g. `peer <key>: allowed IPs 10.1.0.0/16 -> 10.1.0.0/16,10.2.0.0/16`. */
  readonly changes: readonly string[];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function planPeer(current: PeerState | undefined, desired: PeerConfig, changes: string[]): UapiPeerOperation | undefined {
  const key = desired.publicKey;
  const keepalive = desired.persistentKeepalive ?? 0;
  if (current === undefined) {
    changes.push(`peer ${key}: add with allowed IPs ${desired.allowedIps.join(",") || "(none)"}`);
    return {
      publicKey: key,
      ...(desired.endpoint === undefined ? {} : { endpoint: desired.endpoint }),
      ...(keepalive === 0 ? {} : { persistentKeepalive: keepalive }),
      replaceAllowedIps: true,
      allowedIps: desired.allowedIps,
    };
  }
  const op: { -readonly [K in keyof UapiPeerOperation]: UapiPeerOperation[K] } = { publicKey: key };
  // A peer's endpoint roams with its packets; we only correct it when we want a specific one.
  if (desired.endpoint !== undefined && desired.endpoint !== current.endpoint) {
    changes.push(`peer ${key}: endpoint ${current.endpoint ?? "(none)"} -> ${desired.endpoint}`);
    op.endpoint = desired.endpoint;
  }
  if (keepalive !== (current.persistentKeepalive ?? 0)) {
    changes.push(`peer ${key}: keepalive ${current.persistentKeepalive ?? 0} -> ${keepalive}`);
    op.persistentKeepalive = keepalive;
  }
  if (!sameList(current.allowedIps, desired.allowedIps)) {
    changes.push(`peer ${key}: allowed IPs ${current.allowedIps.join(",") || "(none)"} -> ${desired.allowedIps.join(",") || "(none)"}`);
    op.replaceAllowedIps = true;
    op.allowedIps = desired.allowedIps;
  }
  return Object.keys(op).length === 1 ? undefined : op;
}

/**
 * The minimal `set` request that turns `current` into `desired` (a normalised config, see
 * `normalizeDeviceConfig`): device fields only when they differ, removal of unwanted peers
 * first (so their allowed IPs are free), then only the changed fields of each wanted peer.
 * Equal inputs give no request, so applying the same config twice changes nothing. Pure.
 */
export function planDeviceUpdate(current: DeviceState, desired: DeviceConfig): DevicePlan {
  const changes: string[] = [];
  const device: { privateKey?: string; listenPort?: number; fwmark?: number } = {};
  if (current.privateKey !== desired.privateKey) {
    changes.push("private key");
    device.privateKey = desired.privateKey;
  }
  if (current.listenPort !== desired.listenPort) {
    changes.push(`listen port ${current.listenPort} -> ${desired.listenPort}`);
    device.listenPort = desired.listenPort;
  }
  if (current.fwmark !== (desired.fwmark ?? 0)) {
    changes.push(`fwmark ${current.fwmark} -> ${desired.fwmark ?? 0}`);
    device.fwmark = desired.fwmark ?? 0;
  }
  const wanted = new Set(desired.peers.map((p) => p.publicKey));
  const byKey = new Map(current.peers.map((p) => [p.publicKey, p]));
  const peers: UapiPeerOperation[] = [];
  for (const peer of current.peers) {
    if (!wanted.has(peer.publicKey)) {
      changes.push(`peer ${peer.publicKey}: remove`);
      peers.push({ publicKey: peer.publicKey, remove: true });
    }
  }
  for (const peer of desired.peers) {
    const op = planPeer(byKey.get(peer.publicKey), peer, changes);
    if (op !== undefined) peers.push(op);
  }
  const request = changes.length === 0 ? undefined : { ...device, peers };
  return { request, changes };
}

/** The config part of a device state (statistics dropped), e.g. to compare or re-apply it. */
export function configOfState(state: DeviceState): Omit<DeviceConfig, "privateKey"> & { readonly privateKey: string | undefined } {
  return {
    privateKey: state.privateKey,
    listenPort: state.listenPort,
    ...(state.fwmark === 0 ? {} : { fwmark: state.fwmark }),
    peers: state.peers.map(({ publicKey, endpoint, allowedIps, persistentKeepalive }) => ({
      publicKey,
      ...(endpoint === undefined ? {} : { endpoint }),
      allowedIps,
      ...(persistentKeepalive === undefined ? {} : { persistentKeepalive }),
    })),
  };
}
