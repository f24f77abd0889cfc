import { type IpAddress, NetError, parseCidr, parseCidrLoose, parseIp } from "@isthmus/core/net";
import { WireguardError } from "./errors.js";
import { isBase64Key } from "./keys.js";

/** One peer of a device, as plain data (what the device should have). */
export interface PeerConfig {
  /** The peer's public key, base64; identifies the peer. */
  readonly publicKey: string;
  /** Where to send packets, `ip:port` or `[ipv6]:port`; absent = wait for the peer to connect. */
  readonly endpoint?: string;
  /** Source addresses accepted from and routed to this peer: canonical CIDRs. */
  readonly allowedIps: readonly string[];
  /** Seconds between keepalives (1..65535), for peers behind NAT; absent or 0 = off. */
  readonly persistentKeepalive?: number;
}

/** A WireGuard device as plain data, applied in one call (`applyDevice`). */
export interface DeviceConfig {
  /** The device's private key, base64. Never logged. */
  readonly privateKey: string;
  /** UDP port the device listens on (1..65535). */
  readonly listenPort: number;
  /** Firewall mark on outgoing tunnel packets; absent or 0 = none. */
  readonly fwmark?: number;
  /** Every peer the device should have; others are removed. */
  readonly peers: readonly PeerConfig[];
}

/** A peer as the device reports it: its config plus runtime statistics. */
export interface PeerState extends PeerConfig {
  /** Time of the last completed handshake in ms since the epoch; undefined when none yet. */
  readonly lastHandshakeMs: number | undefined;
  /** Bytes received from and sent to this peer since the device started. */
  readonly rxBytes: number;
  readonly txBytes: number;
}

/** A device as it reports itself (`getDevice`): config, public key and per-peer statistics. */
export interface DeviceState {
  /** Private key, base64; undefined when the device has none yet. Never logged. */
  readonly privateKey: string | undefined;
  /** Public key derived by the device, base64; undefined when it has no private key. */
  readonly publicKey: string | undefined;
  /** Listen port; 0 when not yet bound. */
  readonly listenPort: number;
  /** Firewall mark; 0 = none. */
  readonly fwmark: number;
  /** Peers in the order the device reports them. */
  readonly peers: readonly PeerState[];
}

/** An endpoint split into address and port. */
export interface Endpoint {
  readonly ip: IpAddress;
  readonly port: number;
}

function invalid(message: string, cause?: unknown): never {
  throw new WireguardError("InvalidConfig", message, cause === undefined ? undefined : { cause });
}

/** True when `port` is an integer in 1..65535. */
export function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** Parses `ip:port` or `[ipv6]:port`; throws WireguardError "InvalidConfig". */
export function parseEndpoint(text: string): Endpoint {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (match === null || host === undefined || !isPort(port)) invalid(`Invalid endpoint ${JSON.stringify(text)}: expected ip:port or [ipv6]:port`);
  if (match[1] !== undefined && !host.includes(":")) invalid(`Invalid endpoint ${JSON.stringify(text)}: brackets are for IPv6 only`);
  try {
    return { ip: parseIp(host), port };
  } catch (err) {
    if (err instanceof NetError) invalid(`Invalid endpoint ${JSON.stringify(text)}: ${err.message}`, err);
    throw err;
  }
}

/** Canonical `ip:port` / `[ipv6]:port` text of an endpoint. */
export function formatEndpoint(endpoint: Endpoint): string {
  const host = endpoint.ip.family === 6 ? `[${endpoint.ip.toString()}]` : endpoint.ip.toString();
  return `${host}:${endpoint.port}`;
}

function normalizeAllowedIp(text: string, where: string, strict: boolean): string {
  try {
    return (strict ? parseCidr(text) : parseCidrLoose(text)).toString();
  } catch (err) {
    if (err instanceof NetError) invalid(`Invalid allowed IP ${JSON.stringify(text)} of ${where}: ${err.message}`, err);
    throw err;
  }
}

/** Sorted, de-duplicated canonical allowed IPs (strict: host bits are an error). */
export function normalizeAllowedIps(list: readonly string[], where: string, strict = true): string[] {
  return [...new Set(list.map((text) => normalizeAllowedIp(text, where, strict)))].sort();
}

function normalizePeer(peer: PeerConfig, index: number): PeerConfig {
  const where = `peer ${index} (${peer.publicKey})`;
  if (!isBase64Key(peer.publicKey)) invalid(`Invalid public key of peer ${index}: expected base64 of 32 bytes`);
  const keepalive = peer.persistentKeepalive ?? 0;
  if (!Number.isInteger(keepalive) || keepalive < 0 || keepalive > 65535) {
    invalid(`Invalid persistent keepalive ${keepalive} of ${where}: expected seconds in 0..65535`);
  }
  return {
    publicKey: peer.publicKey,
    ...(peer.endpoint === undefined ? {} : { endpoint: formatEndpoint(parseEndpoint(peer.endpoint)) }),
    allowedIps: normalizeAllowedIps(peer.allowedIps, where),
    ...(keepalive === 0 ? {} : { persistentKeepalive: keepalive }),
  };
}

/**
 * Validates a device config and returns it in canonical form (endpoints and CIDRs canonical,
 * allowed IPs sorted and de-duplicated, keepalive 0 dropped, fwmark 0 dropped). Throws
 * WireguardError "InvalidConfig" (or "InvalidKey") naming the first problem; the same allowed IP
 * on two peers is an error, because the device would silently move it to the last one.
 */
export function normalizeDeviceConfig(config: DeviceConfig): DeviceConfig {
  if (!isBase64Key(config.privateKey)) invalid("Invalid private key: expected base64 of 32 bytes");
  if (!isPort(config.listenPort)) invalid(`Invalid listen port ${config.listenPort}: expected 1..65535`);
  const fwmark = config.fwmark ?? 0;
  if (!Number.isInteger(fwmark) || fwmark < 0 || fwmark > 0xffffffff) invalid(`Invalid fwmark ${fwmark}: expected a 32-bit unsigned integer`);
  const peers = config.peers.map(normalizePeer);
  const keys = new Set(peers.map((p) => p.publicKey));
  if (keys.size !== peers.length) invalid("Duplicate peer: every public key may appear once");
  const owners = new Map<string, string>();
  for (const peer of peers) {
    for (const ip of peer.allowedIps) {
      const owner = owners.get(ip);
      if (owner !== undefined) invalid(`Allowed IP ${ip} is claimed by peers ${owner} and ${peer.publicKey}`);
      owners.set(ip, peer.publicKey);
    }
  }
  return { privateKey: config.privateKey, listenPort: config.listenPort, ...(fwmark === 0 ? {} : { fwmark }), peers };
}
