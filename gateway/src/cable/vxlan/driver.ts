// Design notes — the `vxlan` cable (unencrypted; for trusted networks).
// One VXLAN device per gateway (default `isthmus-vxlan`, UDP 4790) with learning off: nothing is
// flooded or learned, every remote gateway is programmed explicitly, as flannel's vxlan backend
// does for nodes. Each gateway has a tunnel address (its health-check IP) and a VTEP MAC derived
// from it (0e:1a:<IPv4 bytes>), so no MAC needs to be exchanged through the broker. Per remote
// gateway we keep one set: a permanent neighbour entry (its tunnel IP → its VTEP MAC), one FDB
// entry (that MAC → its underlay IP and port), a host route to its tunnel IP and one route per
// remote CIDR via that tunnel IP (onlink, `proto 149`). A sync validates the whole set, then adds
// missing entries and deletes stale ones, so re-running it changes nothing. A device whose VNI,
// port or local address differ from the config is recreated. Without a handshake, VXLAN cannot
// tell whether the far side is alive: status() reports what is programmed, and liveness comes
// from the health prober. MTU = underlay − 50; TCP MSS is clamped to it.
import { defaults } from "@isthmus/core/constants";
import { errorMessage } from "@isthmus/core/errors";
import { ipToBytes, parseIp } from "@isthmus/core/net";
import type { Logger } from "pino";
import { z } from "zod";
import { gatewayDefaults } from "../../constants.js";
import { createIpTool, type IpTool } from "../../system/ip.js";
import type { CableConnection, CableDriver, CablePeer } from "../driver.js";
import { CableError } from "../errors.js";
import { applyMssClamp, removeMssClamp } from "../mss-clamp.js";
import { deviceNameSchema, ipSchema, mtuSchema, parseDriverConfig, portSchema } from "../options.js";
import { ensureLinkSettings } from "../link.js";
import { checkPeers, routedDestinations } from "../peers.js";
import type { CableDriverContext } from "../registry.js";
import { syncRoutes, type DesiredRoute } from "../routes.js";

/** Options of the `vxlan` cable (the gateway config's `cable.vxlan` section). */
export const vxlanCableConfigSchema = z.strictObject({
  /** Interface name. */
  device: deviceNameSchema.default(gatewayDefaults.vxlanCableDevice),
  /** VXLAN network identifier; the same in every cluster of the clusterset. */
  vni: z.number().int().min(1).max(16_777_215).default(gatewayDefaults.vxlanCableVni),
  /** UDP port. */
  port: portSchema.default(defaults.vxlanCablePort),
  /** This gateway's underlay address (source of tunnel packets). */
  localIp: ipSchema,
  /** This gateway's IPv4 address inside the tunnel (health checks). */
  tunnelIp: ipSchema,
  /** Device MTU: underlay MTU minus 50. */
  mtu: mtuSchema.default(1500 - defaults.vxlanOverhead),
  /** Underlay interface to bind to, when the route to peers is ambiguous. */
  underlayDevice: deviceNameSchema.optional(),
});

/** Parsed options of the `vxlan` cable. */
export type VxlanCableConfig = z.output<typeof vxlanCableConfigSchema>;

/** The VTEP MAC of a gateway: locally administered, unicast, `0e:1a:` + its IPv4 tunnel address. */
export function vtepMac(tunnelIp: string): string {
  const ip = parseIp(tunnelIp);
  if (ip.family !== 4) throw new CableError("InvalidPeer", `VXLAN cable: tunnel IP ${tunnelIp} must be IPv4`);
  return ["0e", "1a", ...[...ipToBytes(ip)].map((b) => b.toString(16).padStart(2, "0"))].join(":");
}

const vxlanInfoSchema = z.looseObject({
  linkinfo: z.looseObject({ info_kind: z.string(), info_data: z.looseObject({ id: z.number(), port: z.number(), local: z.string().optional() }) }),
});

/** Creates the `vxlan` cable driver; throws CableError "InvalidOptions" for a bad config. */
export function createVxlanCable(config: unknown, context: CableDriverContext): CableDriver {
  const options = parseDriverConfig(vxlanCableConfigSchema, config, "vxlan");
  const { device } = options;
  const log: Logger = context.logger.child({ component: "cable-vxlan", device });
  const tool: IpTool = createIpTool(context.netns);
  const localMac = vtepMac(options.tunnelIp);
  let peers: readonly CablePeer[] | undefined;
  let ready = false;

  const fail = (what: string, err: unknown): CableError =>
    err instanceof CableError ? err : new CableError("ProgrammingFailed", `Cannot ${what} on VXLAN device ${device}: ${errorMessage(err)}`, { cause: err });

  const matchesConfig = async (): Promise<boolean | undefined> => {
    if ((await tool.getLink(device)) === undefined) return undefined;
    const [info] = z.array(vxlanInfoSchema).parse(JSON.parse(await tool.ip(["-j", "-d", "link", "show", "dev", device])));
    const data = info?.linkinfo.info_data;
    return info?.linkinfo.info_kind === "vxlan" && data?.id === options.vni && data.port === options.port && data.local === options.localIp;
  };

  const ensureDevice = async (): Promise<void> => {
    const matches = await matchesConfig();
    if (matches === false) {
      log.warn("VXLAN device differs from the config; recreating it");
      await tool.ip(["link", "del", "dev", device]);
    }
    if (matches !== true) {
      const args = ["link", "add", device, "address", localMac, "type", "vxlan", "id", String(options.vni), "dstport", String(options.port), "local", options.localIp, "nolearning"];
      if (options.underlayDevice !== undefined) args.push("dev", options.underlayDevice);
      await tool.ip(args);
    }
    await ensureLinkSettings(tool, device, { mtu: options.mtu, mac: localMac, address: `${options.tunnelIp}/32` });
    await applyMssClamp(tool, device);
  };

  const syncNeighbours = async (wanted: readonly CablePeer[], changes: string[]): Promise<void> => {
    const want = new Map(wanted.map((p) => [p.tunnelIp, vtepMac(p.tunnelIp)]));
    const have = await tool.listNeighbours(device);
    for (const entry of have) {
      if (!want.has(entry.dst) && entry.lladdr?.startsWith("0e:1a:") === true) {
        await tool.ip(["neigh", "del", entry.dst, "dev", device]);
        changes.push(`neighbour ${entry.dst}: remove`);
      }
    }
    for (const [ip, mac] of want) {
      if (have.some((e) => e.dst === ip && e.lladdr === mac)) continue;
      await tool.ip(["neigh", "replace", ip, "lladdr", mac, "dev", device, "nud", "permanent"]);
      changes.push(`neighbour ${ip} -> ${mac}`);
    }
  };

  const syncFdb = async (wanted: readonly CablePeer[], changes: string[]): Promise<void> => {
    const want = new Map(wanted.map((p) => [vtepMac(p.tunnelIp), p]));
    const have = await tool.listFdb(device);
    for (const entry of have) {
      const peer = want.get(entry.mac);
      if (peer !== undefined && entry.dst === peer.remoteIp) continue;
      await tool.bridge(["fdb", "del", entry.mac, "dev", device, "dst", entry.dst ?? "", "self"]);
      changes.push(`fdb ${entry.mac} -> ${entry.dst ?? "?"}: remove`);
    }
    for (const [mac, peer] of want) {
      if (have.some((e) => e.mac === mac && e.dst === peer.remoteIp && (e.port ?? options.port) === peer.port)) continue;
      await tool.bridge(["fdb", "replace", mac, "dev", device, "dst", peer.remoteIp, "port", String(peer.port), "self", "permanent"]);
      changes.push(`fdb ${mac} -> ${peer.remoteIp}:${peer.port}`);
    }
  };

  const routesOf = (peer: CablePeer): DesiredRoute[] =>
    routedDestinations(peer).map((dst) => (dst === `${peer.tunnelIp}/32` ? { dst, src: options.tunnelIp } : { dst, via: peer.tunnelIp, src: options.tunnelIp }));

  return {
    name: "vxlan",
    async init() {
      try {
        await ensureDevice();
        ready = true;
        log.info("VXLAN cable ready");
      } catch (err) {
        throw fail("initialise", err);
      }
    },
    async sync(wanted) {
      if (!ready) throw new CableError("NotInitialized", `Cable driver "vxlan": sync before init on ${device}`);
      checkPeers(wanted, "vxlan");
      wanted.forEach((p) => vtepMac(p.tunnelIp));
      const changes: string[] = [];
      try {
        await syncNeighbours(wanted, changes);
        await syncFdb(wanted, changes);
        await syncRoutes(tool, device, wanted.flatMap(routesOf), changes);
      } catch (err) {
        throw fail("sync peers", err);
      }
      peers = wanted;
      if (changes.length > 0) log.info({ changes }, "synced VXLAN peers");
      return { changes };
    },
    async status() {
      if (!ready) throw new CableError("NotInitialized", `Cable driver "vxlan": status before init on ${device}`);
      const fdb = await tool.listFdb(device);
      const neighbours = await tool.listNeighbours(device);
      return (peers ?? []).map((peer): CableConnection => {
        const mac = vtepMac(peer.tunnelIp);
        const base = { clusterId: peer.clusterId, remoteIp: peer.remoteIp };
        if (!fdb.some((e) => e.mac === mac && e.dst === peer.remoteIp)) return { ...base, status: "error", reason: "the FDB entry is missing" };
        if (!neighbours.some((e) => e.dst === peer.tunnelIp && e.lladdr === mac)) return { ...base, status: "error", reason: "the neighbour entry is missing" };
        return { ...base, status: "connected" };
      });
    },
    release() {
      ready = false;
      return Promise.resolve();
    },
    async cleanup() {
      ready = false;
      peers = undefined;
      try {
        await removeMssClamp(tool, device);
        if ((await tool.getLink(device)) !== undefined) await tool.ip(["link", "del", "dev", device]);
        log.info("VXLAN cable removed");
      } catch (err) {
        throw fail("clean up", err);
      }
    },
  };
}
