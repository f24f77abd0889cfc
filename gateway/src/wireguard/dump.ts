import { formatEndpoint, normalizeAllowedIps, parseEndpoint, type DeviceState, type PeerState } from "./config.js";
import { WireguardError } from "./errors.js";
import { keyFromBase64 } from "./keys.js";

// `wg show <dev> dump` prints tab-separated lines: the device first
// (private-key public-key listen-port fwmark), then one line per peer (public-key preshared-key
// endpoint allowed-ips latest-handshake rx tx keepalive), "(none)" or "off" for empty fields.
// Diagnostics read it; the product itself talks UAPI or netlink, never `wg`.

function malformed(line: number, why: string): never {
  throw new WireguardError("UapiProtocol", `Malformed wg dump line ${line}: ${why}`);
}

function integer(text: string, line: number, what: string): number {
  if (!/^\d+$/.test(text)) malformed(line, `${what} ${JSON.stringify(text)} is not a number`);
  return Number(text);
}

function parsePeerLine(fields: string[], line: number): PeerState {
  const [publicKey, , endpoint, allowed, handshake, rx, tx, keepalive] = fields;
  if (publicKey === undefined || endpoint === undefined || allowed === undefined || handshake === undefined || rx === undefined || tx === undefined || keepalive === undefined) {
    malformed(line, `expected 8 fields, got ${fields.length}`);
  }
  keyFromBase64(publicKey);
  const seconds = integer(handshake, line, "latest handshake");
  const interval = keepalive === "off" ? 0 : integer(keepalive, line, "keepalive");
  return {
    publicKey,
    ...(endpoint === "(none)" ? {} : { endpoint: formatEndpoint(parseEndpoint(endpoint)) }),
    allowedIps: allowed === "(none)" ? [] : normalizeAllowedIps(allowed.split(","), `peer ${publicKey}`, false),
    ...(interval === 0 ? {} : { persistentKeepalive: interval }),
    lastHandshakeMs: seconds === 0 ? undefined : seconds * 1000,
    rxBytes: integer(rx, line, "rx bytes"),
    txBytes: integer(tx, line, "tx bytes"),
  };
}

/**
 * Parses `wg show <dev> dump` into the same DeviceState as the UAPI `get` (handshake times at
 * one-second resolution). Throws WireguardError "UapiProtocol" for malformed text.
 */
export function parseWgShowDump(text: string): DeviceState {
  const lines = text.split("\n").filter((l) => l !== "");
  const device = lines[0]?.split("\t");
  const [privateKey, publicKey, port, fwmark] = device ?? [];
  if (privateKey === undefined || publicKey === undefined || port === undefined || fwmark === undefined) malformed(1, "expected 4 device fields");
  return {
    privateKey: privateKey === "(none)" ? undefined : privateKey,
    publicKey: publicKey === "(none)" ? undefined : publicKey,
    listenPort: integer(port, 1, "listen port"),
    fwmark: fwmark === "off" ? 0 : Number.parseInt(fwmark, 16),
    peers: lines.slice(1).map((l, i) => parsePeerLine(l.split("\t"), i + 2)),
  };
}
