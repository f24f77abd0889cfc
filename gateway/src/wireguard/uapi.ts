// The WireGuard cross-platform userspace API (https://www.wireguard.com/xplatform/) as pure
// functions: requests are built from plain data, answers parsed into plain data. Keys are hex on
// the wire and base64 everywhere else.
import { formatEndpoint, normalizeAllowedIps, parseEndpoint, type DeviceState, type PeerState } from "./config.js";
import { WireguardError } from "./errors.js";
import { base64KeyToHex, hexKeyToBase64, publicKeyFromPrivate } from "./keys.js";

/** One peer operation of a `set` request. Absent fields are left as the device has them. */
export interface UapiPeerOperation {
  /** The peer, base64. */
  readonly publicKey: string;
  /** Remove the peer; no other field may be set. */
  readonly remove?: boolean;
  /** Endpoint text `ip:port` / `[ipv6]:port`. */
  readonly endpoint?: string;
  /** Keepalive seconds; 0 turns it off. */
  readonly persistentKeepalive?: number;
  /** Allowed IPs to set; with `replaceAllowedIps` they replace the peer's list, else they are added. */
  readonly allowedIps?: readonly string[];
  /** Replace (not extend) the peer's allowed IPs with `allowedIps`. */
  readonly replaceAllowedIps?: boolean;
}

/** A `set` request: device fields to change (absent = unchanged) and peer operations in order. */
export interface UapiSetRequest {
  /** New private key, base64. */
  readonly privateKey?: string;
  /** New listen port. */
  readonly listenPort?: number;
  /** New fwmark; 0 removes it. */
  readonly fwmark?: number;
  /** Remove every peer before applying `peers`. */
  readonly replacePeers?: boolean;
  /** Peer operations, applied in order. */
  readonly peers: readonly UapiPeerOperation[];
}

/** The `get` request text. */
export const uapiGetRequest = "get=1\n\n";

function peerLines(peer: UapiPeerOperation): string[] {
  const lines = [`public_key=${base64KeyToHex(peer.publicKey)}`];
  if (peer.remove === true) return [...lines, "remove=true"];
  if (peer.endpoint !== undefined) lines.push(`endpoint=${formatEndpoint(parseEndpoint(peer.endpoint))}`);
  if (peer.persistentKeepalive !== undefined) lines.push(`persistent_keepalive_interval=${peer.persistentKeepalive}`);
  if (peer.replaceAllowedIps === true) lines.push("replace_allowed_ips=true");
  for (const ip of peer.allowedIps ?? []) lines.push(`allowed_ip=${ip}`);
  return lines;
}

/** Serialises a `set` request: `set=1`, device lines, peer lines, blank line. */
export function serializeSetRequest(request: UapiSetRequest): string {
  const lines = ["set=1"];
  if (request.privateKey !== undefined) lines.push(`private_key=${base64KeyToHex(request.privateKey)}`);
  if (request.listenPort !== undefined) lines.push(`listen_port=${request.listenPort}`);
  if (request.fwmark !== undefined) lines.push(`fwmark=${request.fwmark}`);
  if (request.replacePeers === true) lines.push("replace_peers=true");
  for (const peer of request.peers) lines.push(...peerLines(peer));
  return `${lines.join("\n")}\n\n`;
}

function protocolError(message: string, cause?: unknown): never {
  throw new WireguardError("UapiProtocol", message, cause === undefined ? undefined : { cause });
}

function splitLines(answer: string): [string, string][] {
  if (!answer.endsWith("\n\n")) protocolError("Malformed UAPI answer: it does not end with a blank line");
  return answer
    .slice(0, -2)
    .split("\n")
    .map((line, index): [string, string] => {
      const eq = line.indexOf("=");
      if (eq <= 0) protocolError(`Malformed UAPI answer: line ${index + 1} ${JSON.stringify(line)} is not key=value`);
      return [line.slice(0, eq), line.slice(eq + 1)];
    });
}

function toInteger(key: string, value: string): number {
  if (!/^-?\d+$/.test(value)) protocolError(`Malformed UAPI answer: ${key}=${JSON.stringify(value)} is not an integer`);
  return Number(value);
}

/**
 * The errno of an answer (its last line, `errno=N`); wireguard-go answers a bad `set` with a
 * negative errno (`errno=-22`). Throws WireguardError "UapiProtocol" when there is none.
 */
export function parseUapiErrno(answer: string): number {
  const last = splitLines(answer).at(-1);
  if (last?.[0] !== "errno") protocolError("Malformed UAPI answer: it does not end with errno=N");
  return toInteger("errno", last[1]);
}

/** Throws WireguardError "UapiErrno" when the answer's errno is not 0. */
export function checkUapiErrno(answer: string, what: string): void {
  const errno = parseUapiErrno(answer);
  if (errno !== 0) throw new WireguardError("UapiErrno", `${what} failed: the device answered errno=${errno}`);
}

interface PeerDraft {
  publicKey: string;
  endpoint?: string;
  allowedIps: string[];
  persistentKeepalive: number;
  handshakeSec: number;
  handshakeNsec: number;
  rxBytes: number;
  txBytes: number;
}

function finishPeer(draft: PeerDraft): PeerState {
  const lastHandshakeMs = draft.handshakeSec === 0 && draft.handshakeNsec === 0 ? undefined : draft.handshakeSec * 1000 + Math.floor(draft.handshakeNsec / 1e6);
  return {
    publicKey: draft.publicKey,
    ...(draft.endpoint === undefined ? {} : { endpoint: draft.endpoint }),
    allowedIps: normalizeAllowedIps(draft.allowedIps, `peer ${draft.publicKey}`, false),
    ...(draft.persistentKeepalive === 0 ? {} : { persistentKeepalive: draft.persistentKeepalive }),
    lastHandshakeMs,
    rxBytes: draft.rxBytes,
    txBytes: draft.txBytes,
  };
}

function applyPeerLine(peer: PeerDraft, key: string, value: string): void {
  switch (key) {
    case "endpoint": peer.endpoint = formatEndpoint(parseEndpoint(value)); break;
    case "allowed_ip": peer.allowedIps.push(value); break;
    case "persistent_keepalive_interval": peer.persistentKeepalive = toInteger(key, value); break;
    case "last_handshake_time_sec": peer.handshakeSec = toInteger(key, value); break;
    case "last_handshake_time_nsec": peer.handshakeNsec = toInteger(key, value); break;
    case "rx_bytes": peer.rxBytes = toInteger(key, value); break;
    case "tx_bytes": peer.txBytes = toInteger(key, value); break;
    // preshared_key, protocol_version and keys added by later versions carry nothing we model.
    default: break;
  }
}

/**
 * Parses the answer to `get=1` into a DeviceState. Throws WireguardError "UapiErrno" when the
 * device reported an error and "UapiProtocol" for malformed text. Unknown keys are ignored, as
 * the protocol asks of clients, so newer daemons stay readable.
 */
export function parseGetResponse(answer: string): DeviceState {
  checkUapiErrno(answer, "UAPI get");
  let privateKey: string | undefined;
  let listenPort = 0;
  let fwmark = 0;
  const peers: PeerState[] = [];
  let peer: PeerDraft | undefined;
  for (const [key, value] of splitLines(answer).slice(0, -1)) {
    if (key === "public_key") {
      if (peer !== undefined) peers.push(finishPeer(peer));
      peer = { publicKey: hexKeyToBase64(value), allowedIps: [], persistentKeepalive: 0, handshakeSec: 0, handshakeNsec: 0, rxBytes: 0, txBytes: 0 };
    } else if (peer !== undefined) {
      applyPeerLine(peer, key, value);
    } else if (key === "private_key") {
      privateKey = hexKeyToBase64(value);
    } else if (key === "listen_port") {
      listenPort = toInteger(key, value);
    } else if (key === "fwmark") {
      fwmark = toInteger(key, value);
    }
  }
  if (peer !== undefined) peers.push(finishPeer(peer));
  const publicKey = privateKey === undefined ? undefined : publicKeyFromPrivate(privateKey);
  return { privateKey, publicKey, listenPort, fwmark, peers };
}
