// The kernel backend's messages as pure functions: our plain data <-> the generic-netlink
// WireGuard family's Device/Peer/AllowedIp attributes (include/uapi/linux/wireguard.h), as typed
// by npm `netlink`'s `wg` structs. Endpoints are struct sockaddr_in/sockaddr_in6 (family in host
// order, port in network order), handshake times struct __kernel_timespec.
import { ipFromBytes, ipToBytes, parseCidr } from "@isthmus/core/net";
import type { wg } from "netlink";
import { formatEndpoint, normalizeAllowedIps, parseEndpoint, type DeviceState, type PeerState } from "./config.js";
import { WireguardError } from "./errors.js";
import { keyFromBase64, keyToBase64, publicKeyFromPrivate } from "./keys.js";
import type { UapiPeerOperation, UapiSetRequest } from "./uapi.js";

/** AF_INET and AF_INET6 on Linux. */
export const afInet = 2;
export const afInet6 = 10;

function malformed(message: string): never {
  throw new WireguardError("NetlinkProtocol", message);
}

/** Encodes an endpoint as the kernel's struct sockaddr_in (16 bytes) or sockaddr_in6 (28 bytes). */
export function encodeSockaddr(endpoint: string): Buffer {
  const { ip, port } = parseEndpoint(endpoint);
  const v4 = ip.family === 4;
  const buf = Buffer.alloc(v4 ? 16 : 28);
  buf.writeUInt16LE(v4 ? afInet : afInet6, 0);
  buf.writeUInt16BE(port, 2);
  Buffer.from(ipToBytes(ip)).copy(buf, v4 ? 4 : 8);
  return buf;
}

/** Decodes a struct sockaddr_in/sockaddr_in6 into `ip:port` text; undefined for an all-zero (unset) one. */
export function decodeSockaddr(buf: Buffer): string | undefined {
  if (buf.length < 2 || buf.every((b) => b === 0)) return undefined;
  const family = buf.readUInt16LE(0);
  if (family === afInet && buf.length >= 8) return formatEndpoint({ ip: ipFromBytes(buf.subarray(4, 8)), port: buf.readUInt16BE(2) });
  if (family === afInet6 && buf.length >= 24) return formatEndpoint({ ip: ipFromBytes(buf.subarray(8, 24)), port: buf.readUInt16BE(2) });
  return malformed(`Unsupported sockaddr: family ${family}, ${buf.length} bytes`);
}

function encodeAllowedIp(text: string): wg.AllowedIp {
  const cidr = parseCidr(text);
  return { family: cidr.family === 4 ? afInet : afInet6, ipaddr: Buffer.from(ipToBytes(cidr.network)), cidrMask: cidr.prefix };
}

function decodeAllowedIp(ip: wg.AllowedIp): string {
  const { ipaddr, cidrMask } = ip;
  if (ipaddr === undefined || cidrMask === undefined) malformed("Allowed IP without address or mask");
  return `${ipFromBytes(ipaddr).toString()}/${cidrMask}`;
}

function encodePeer(op: UapiPeerOperation): wg.Peer {
  const peer: wg.Peer = { publicKey: keyFromBase64(op.publicKey) };
  if (op.remove === true) return { ...peer, flags: { removeMe: true } };
  if (op.replaceAllowedIps === true) peer.flags = { replaceAllowedIps: true };
  if (op.endpoint !== undefined) peer.endpoint = encodeSockaddr(op.endpoint);
  if (op.persistentKeepalive !== undefined) peer.persistentKeepaliveInterval = op.persistentKeepalive;
  if (op.allowedIps !== undefined) peer.allowedIps = op.allowedIps.map(encodeAllowedIp);
  return peer;
}

/** The SET_DEVICE message for `device` that performs the same change as the UAPI `request`. */
export function encodeSetDevice(device: string, request: UapiSetRequest): wg.Device {
  const msg: wg.Device = { ifname: device };
  if (request.privateKey !== undefined) msg.privateKey = keyFromBase64(request.privateKey);
  if (request.listenPort !== undefined) msg.listenPort = request.listenPort;
  if (request.fwmark !== undefined) msg.fwmark = request.fwmark;
  if (request.replacePeers === true) msg.flags = { replacePeers: true };
  if (request.peers.length > 0) msg.peers = request.peers.map(encodePeer);
  return msg;
}

function decodeHandshake(buf: Buffer | undefined): number | undefined {
  if (buf === undefined || buf.length < 16) return undefined;
  const ms = Number(buf.readBigInt64LE(0)) * 1000 + Math.floor(Number(buf.readBigInt64LE(8)) / 1e6);
  return ms === 0 ? undefined : ms;
}

interface PeerDraft {
  state: Omit<PeerState, "allowedIps">;
  allowedIps: string[];
}

function decodePeer(peer: wg.Peer): PeerDraft {
  if (peer.publicKey === undefined) malformed("Peer without public key in GET_DEVICE answer");
  const endpoint = peer.endpoint === undefined ? undefined : decodeSockaddr(peer.endpoint);
  const keepalive = peer.persistentKeepaliveInterval ?? 0;
  return {
    state: {
      publicKey: keyToBase64(peer.publicKey),
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(keepalive === 0 ? {} : { persistentKeepalive: keepalive }),
      lastHandshakeMs: decodeHandshake(peer.lastHandshakeTime),
      rxBytes: Number(peer.rxBytes ?? 0n),
      txBytes: Number(peer.txBytes ?? 0n),
    },
    allowedIps: (peer.allowedIps ?? []).map(decodeAllowedIp),
  };
}

/**
 * Decodes the GET_DEVICE answer (one or more messages: the kernel splits large devices, and a
 * peer whose allowed IPs did not fit continues, same public key, at the start of the next
 * message) into a DeviceState.
 */
export function decodeGetDevice(messages: readonly wg.Device[]): DeviceState {
  const [first] = messages;
  if (first === undefined) malformed("Empty GET_DEVICE answer");
  const drafts: PeerDraft[] = [];
  for (const msg of messages) {
    for (const peer of (msg.peers ?? []).map(decodePeer)) {
      const last = drafts.at(-1);
      if (last?.state.publicKey === peer.state.publicKey) last.allowedIps.push(...peer.allowedIps);
      else drafts.push(peer);
    }
  }
  const key = first.privateKey;
  const privateKey = key === undefined || key.every((b) => b === 0) ? undefined : keyToBase64(key);
  return {
    privateKey,
    publicKey: privateKey === undefined ? undefined : publicKeyFromPrivate(privateKey),
    listenPort: first.listenPort ?? 0,
    fwmark: first.fwmark ?? 0,
    peers: drafts.map((d) => ({ ...d.state, allowedIps: normalizeAllowedIps(d.allowedIps, `peer ${d.state.publicKey}`, false) })),
  };
}
