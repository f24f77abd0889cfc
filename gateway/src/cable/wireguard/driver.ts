// Design notes — the `wireguard` cable.
// One WireGuard device per gateway (default `isthmus-wg`, UDP 51820) carries every remote
// cluster. Each remote cluster is exactly one peer, keyed by its gateway's public key; its
// allowed IPs are the cluster's pod and service CIDRs plus the remote gateway's tunnel address
// (cryptokey routing then picks the peer per destination), and peers behind NAT get a persistent
// keepalive so the mapping stays open. The kernel routes those same destinations into the device
// (`proto 149`, `src` = our tunnel address so probes from the gateway itself carry it); WireGuard
// does the rest. A sync validates the whole set, applies the device in one call (the minimal UAPI
// or netlink change: nothing when nothing differs) and then reconciles routes, so re-running it
// is free. The device is created by the backend (kernel module when present, else a supervised
// wireguard-go); a restarted gateway adopts the running device and its peers, and a restarted
// wireguard-go (which comes back empty) is re-programmed from the last sync. The MTU defaults to
// 1420 (1500 minus the 80 bytes of IPv6+UDP+WireGuard overhead) and TCP MSS is clamped to it.
import { defaults } from "@isthmus/core/constants";
import { errorMessage } from "@isthmus/core/errors";
import { formatIp, parseIp } from "@isthmus/core/net";
import type { Logger } from "pino";
import { z } from "zod";
import { createIpTool, type IpTool } from "../../system/ip.js";
import type { WireguardBackend } from "../../wireguard/backend.js";
import { formatEndpoint, type PeerConfig } from "../../wireguard/config.js";
import { isBase64Key } from "../../wireguard/keys.js";
import { configOfState } from "../../wireguard/plan.js";
import { createWireguardBackend } from "../../wireguard/select.js";
import type { CableConnection, CableDriver, CablePeer } from "../driver.js";
import { CableError } from "../errors.js";
import { applyMssClamp, removeMssClamp } from "../mss-clamp.js";
import { deviceNameSchema, ipSchema, mtuSchema, parseDriverConfig, portSchema } from "../options.js";
import { ensureLinkSettings } from "../link.js";
import { checkPeers, peerDestinations, routedDestinations } from "../peers.js";
import type { CableDriverContext } from "../registry.js";
import { syncRoutes } from "../routes.js";

/** Options of the `wireguard` cable (the gateway config's `cable.wireguard` section). */
export const wireguardCableConfigSchema = z.strictObject({
  /** Interface name. */
  device: deviceNameSchema.default(defaults.wireguardDevice),
  /** UDP port the device listens on. */
  listenPort: portSchema.default(defaults.wireguardPort),
  /** This gateway's private key, base64 (from a Secret or a 0600 file; never logged). */
  privateKey: z.string().refine(isBase64Key, { error: "must be a base64 WireGuard key" }),
  /** This gateway's address inside the tunnel (health checks), assigned to the device as a host address. */
  tunnelIp: ipSchema,
  /** Device MTU. */
  mtu: mtuSchema.default(1420),
  /** Keepalive seconds for peers behind NAT. */
  keepaliveSeconds: z.number().int().min(1).max(65535).default(25),
  /** "auto" = kernel module when loaded, else wireguard-go. */
  backend: z.enum(["auto", "kernel", "userspace"]).default("auto"),
  /** The wireguard-go binary for the userspace backend. */
  wireguardGo: z.string().min(1).default("wireguard-go"),
});

/** Parsed options of the `wireguard` cable. */
export type WireguardCableConfig = z.output<typeof wireguardCableConfigSchema>;

/** A handshake older than this (WireGuard's REJECT_AFTER_TIME, 180 s) means the session is gone. */
export const handshakeStaleMs = 180_000;

/** Test seams of {@link createWireguardCable}. */
export interface WireguardCableDeps {
  /** Use this backend instead of creating one from the config. */
  readonly backend?: WireguardBackend;
  /** Wall clock in ms since the epoch (handshake ages); default Date.now. */
  readonly now?: () => number;
}

/** Creates the `wireguard` cable driver; throws CableError "InvalidOptions" for a bad config. */
export function createWireguardCable(config: unknown, context: CableDriverContext, deps: WireguardCableDeps = {}): CableDriver {
  const options = parseDriverConfig(wireguardCableConfigSchema, config, "wireguard");
  const { device } = options;
  const log: Logger = context.logger.child({ component: "cable-wireguard", device });
  const tool: IpTool = createIpTool(context.netns);
  const now = deps.now ?? Date.now;
  const tunnelIp = formatIp(parseIp(options.tunnelIp));
  const hostPrefix = tunnelIp.includes(":") ? 128 : 32;
  let peers: readonly CablePeer[] | undefined;
  let ready = false;

  const backend: WireguardBackend =
    deps.backend ??
    createWireguardBackend({
      choice: options.backend,
      device,
      binary: options.wireguardGo,
      ...(context.netns === undefined ? {} : { netns: context.netns }),
      logger: log,
      onRestart: () => {
        log.warn("WireGuard device came back empty; re-programming it");
        void reprogram();
      },
    });

  const peerConfig = (peer: CablePeer): PeerConfig => {
    if (peer.publicKey === undefined || !isBase64Key(peer.publicKey)) {
      throw new CableError("InvalidPeer", `Cannot sync wireguard peer "${peer.clusterId}": it has no valid WireGuard public key`);
    }
    return {
      publicKey: peer.publicKey,
      endpoint: formatEndpoint({ ip: parseIp(peer.remoteIp), port: peer.port }),
      allowedIps: peerDestinations(peer),
      ...(peer.behindNat ? { persistentKeepalive: options.keepaliveSeconds } : {}),
    };
  };

  const setupLink = async (): Promise<void> => {
    await ensureLinkSettings(tool, device, { mtu: options.mtu, address: `${tunnelIp}/${hostPrefix}` });
    await applyMssClamp(tool, device);
  };

  const programmingFailed = (what: string, err: unknown): CableError =>
    err instanceof CableError ? err : new CableError("ProgrammingFailed", `Cannot ${what} on WireGuard device ${device}: ${errorMessage(err)}`, { cause: err });

  const apply = async (wanted: readonly CablePeer[]): Promise<string[]> => {
    const configs = wanted.map(peerConfig);
    const plan = await backend.applyDevice({ privateKey: options.privateKey, listenPort: options.listenPort, peers: configs });
    const changes = [...plan.changes];
    const routes = wanted.flatMap(routedDestinations).map((dst) => ({ dst, ...(dst.includes(":") === tunnelIp.includes(":") ? { src: tunnelIp } : {}) }));
    await syncRoutes(tool, device, routes, changes);
    return changes;
  };

  async function reprogram(): Promise<void> {
    try {
      await setupLink();
      if (peers !== undefined) await apply(peers);
      log.info("re-programmed the WireGuard device");
    } catch (err) {
      log.error({ err }, "re-programming the WireGuard device failed; the next sync retries");
    }
  }

  return {
    name: "wireguard",
    async init(signal) {
      try {
        await backend.start(signal);
        // Adopt: keep whatever peers the device has until the first sync says otherwise.
        const existing = configOfState(await backend.getDevice());
        await backend.applyDevice({ privateKey: options.privateKey, listenPort: options.listenPort, peers: existing.peers });
        await setupLink();
        ready = true;
        log.info({ peers: existing.peers.length }, "WireGuard cable ready");
      } catch (err) {
        throw programmingFailed("initialise", err);
      }
    },
    async sync(wanted) {
      if (!ready) throw new CableError("NotInitialized", `Cable driver "wireguard": sync before init on ${device}`);
      checkPeers(wanted, "wireguard");
      wanted.forEach(peerConfig);
      try {
        const changes = await apply(wanted);
        peers = wanted;
        if (changes.length > 0) log.info({ changes }, "synced WireGuard peers");
        return { changes };
      } catch (err) {
        throw programmingFailed("sync peers", err);
      }
    },
    async status() {
      if (!ready) throw new CableError("NotInitialized", `Cable driver "wireguard": status before init on ${device}`);
      const state = await backend.getDevice();
      const byKey = new Map(state.peers.map((p) => [p.publicKey, p]));
      return (peers ?? []).map((peer): CableConnection => {
        const base = { clusterId: peer.clusterId, remoteIp: peer.remoteIp };
        const live = peer.publicKey === undefined ? undefined : byKey.get(peer.publicKey);
        if (live === undefined) return { ...base, status: "error", reason: "the peer is missing from the device" };
        const counters = { rxBytes: live.rxBytes, txBytes: live.txBytes };
        if (live.lastHandshakeMs === undefined) return { ...base, ...counters, status: "connecting", reason: "no handshake yet" };
        const age = now() - live.lastHandshakeMs;
        return age > handshakeStaleMs
          ? { ...base, ...counters, lastHandshakeMs: live.lastHandshakeMs, status: "error", reason: `last handshake ${Math.round(age / 1000)} s ago` }
          : { ...base, ...counters, lastHandshakeMs: live.lastHandshakeMs, status: "connected" };
      });
    },
    async release() {
      ready = false;
      await backend.stop();
      log.info("released the WireGuard cable; the device keeps running");
    },
    async cleanup() {
      ready = false;
      peers = undefined;
      try {
        await removeMssClamp(tool, device);
        await backend.destroy();
        await backend.stop();
        log.info("WireGuard cable removed");
      } catch (err) {
        throw programmingFailed("clean up", err);
      }
    },
  };
}
