// Design notes — the route agent's data path. Every node has `vx-isthmus` (VNI 100, UDP 4800,
// learning off) with a 240.x.y.z address derived from its node IP and a MAC derived from it, so
// no address is exchanged. How a node that is not the active gateway reaches the active one
// depends on the mode and the underlay (ADR 0503, "Direct routing to the gateway node"):
// - direct (mode `cross-subnet`, the default, and the active node's IP inside the prefix of an
//   address on this node's underlay device, the CNI's rule of ADR 0405): a route per remote
//   subnet via the active node's IP on the underlay device (`proto 149`, metric 50); no
//   neighbour or FDB entry of ours: the kernel resolves the next hop by ARP. The pod's packet
//   crosses the node network unencapsulated, with its own source address.
// - tunnel (mode `always`, or the active node on another subnet): one permanent neighbour (the
//   active node's VTEP address → its MAC), one FDB entry (that MAC → the active node's IP) and a
//   route per remote subnet via that VTEP address on `vx-isthmus` (`proto 149`, metric 50).
// Metric 50 lets the gateway's own tunnel routes (metric 0) win on gateway nodes. IPv4 routes are
// keyed by destination and metric, not device, so a switch between the kinds (mode, subnet or
// failover) is one `ip route replace` per subnet, with no moment without a route: the tunnel's
// neighbour and FDB entry are written before its routes and stale ones removed after. The active
// gateway node keeps only the device: it decapsulates what tunnel-mode nodes send, and takes
// direct packets on its underlay device, where reverse-path filtering is loose (agent.ts).
// Replies come back through the normal pod routes. Remote subnets also go into the CNI's
// `remote_cidrs` set, so pod traffic to them is not masqueraded and source IPs survive.
// Another CNI masquerades on its own (flannel's `--ip-masq`: MASQUERADE of the pod network to
// anything outside it, and of anything from outside it forwarded to another node's pods, in
// iptables' nat table at priority srcnat): our table NATs connections to or from remote subnets
// to their own source address first (priority srcnat - 5), and netfilter NATs a connection once
// per hook, so no later chain rewrites it. Directly routed packets leave through the underlay
// device, which the egress gateway's SNAT (srcnat - 10, ADR 0407) takes for the outside world:
// their identity SNAT runs before it (srcnat - 15); Globalnet's SNAT on the active gateway
// matches the cable device, which these packets never leave through on a direct-routing node.
// The rules live in our table, which the other CNI never touches, so they survive the CNI
// re-creating its own rules.
import { defaults } from "@isthmus/core/constants";
import { type Cidr, cidrContaining, isOnLink, parseIp } from "@isthmus/core/net";
import { type Logger } from "@isthmus/core/runtime";
import { gatewayDefaults } from "../constants.js";
import { ensureLinkSettings } from "../cable/link.js";
import { syncRoutes } from "../cable/routes.js";
import { listLocalAddresses } from "../agent/node-net.js";
import { createIpTool, type IpTool } from "../system/ip.js";
import { runToolJson } from "../system/command.js";
import type { RouteAgentMode } from "./config.js";
import { routeAgentMac, vtepIp } from "./vtep.js";

/** Metric of the route agent's routes. */
export const routeAgentMetric = 50;

/** What the route agent wants on this node. */
export interface RouteAgentState {
  /** The active gateway node's IP; undefined on the active node itself or when none is known. */
  readonly activeIp: string | undefined;
  /** Remote IPv4 subnets. */
  readonly subnets: readonly string[];
}

/** The device holding the node's IP and the prefixes of its IPv4 addresses. */
interface Underlay {
  readonly device: string;
  readonly subnets: readonly Cidr[];
}


/** The route agent's programming of one node. */
export interface RouteAgentDatapath {
  /** Creates or adopts `vx-isthmus`. Idempotent. */
  init(): Promise<void>;
  /** Makes neighbours, FDB, routes (direct or over `vx-isthmus`) and `remote_cidrs` match `state`; returns what changed. */
  sync(state: RouteAgentState): Promise<string[]>;
  /** Removes the device (with its routes), our direct routes on the underlay, our nft table and our elements of `remote_cidrs`. Idempotent. */
  cleanup(): Promise<void>;
}

/** Creates the data path for the node with address `nodeIp` (namespace: the process's own, or `netns` in tests). */
export function createRouteAgentDatapath(options: { nodeIp: string; mtu: number; mode: RouteAgentMode; logger: Logger; netns?: string }): RouteAgentDatapath {
  const dev = defaults.routeAgentDevice;
  const tool: IpTool = createIpTool(options.netns);
  const log = options.logger.child({ component: "route-agent-datapath", device: dev });
  const table = `ip ${gatewayDefaults.cniNatTable}`;
  const set = gatewayDefaults.remoteCidrSet;

  const own = `ip ${gatewayDefaults.routeAgentNftTable}`;
  const mark = `0x${gatewayDefaults.kubeProxyMasqueradeMark.toString(16)}`;
  const keep = `0x${(~gatewayDefaults.kubeProxyMasqueradeMark >>> 0).toString(16)}`;
  // Read at every sync (the addresses can change): the device holding the node's IP, if any.
  const readUnderlay = async (): Promise<Underlay | undefined> => {
    const addresses = await listLocalAddresses(options.netns);
    const device = addresses.find((a) => a.address === options.nodeIp)?.ifname;
    if (device === undefined) return undefined;
    const v4 = addresses.filter((a) => a.ifname === device && a.family === "inet");
    return { device, subnets: v4.map((a) => cidrContaining(parseIp(a.address), a.prefixlen)) };
  };
  // kube-proxy masquerades Service traffic from outside its cluster CIDR; for remote clusters we
  // clear its mark just before its srcnat chain, so the backend sees the remote pod's own IP (the
  // reply returns through the gateway node, where the Service DNAT happened).
  const syncNft = async (subnets: readonly string[], underlay: string | undefined): Promise<void> => {
    const elements = subnets.length > 0 ? [`add element ${table} ${set} { ${subnets.join(", ")} }`, `add element ${own} remote { ${subnets.join(", ")} }`] : [];
    const lines = [
      `add table ${table}`, `add set ${table} ${set} { type ipv4_addr; flags interval; auto-merge; }`, `flush set ${table} ${set}`,
      `add table ${own}`, `delete table ${own}`, `add table ${own}`,
      `add set ${own} remote { type ipv4_addr; flags interval; auto-merge; }`,
      `add chain ${own} postrouting { type filter hook postrouting priority srcnat - 5; policy accept; }`,
      `add rule ${own} postrouting ip saddr @remote meta mark & ${mark} == ${mark} meta mark set meta mark & ${keep}`,
      // After Globalnet's SNAT (srcnat - 10), before any masquerade (srcnat and later).
      `add chain ${own} keep_source { type nat hook postrouting priority srcnat - 5; policy accept; }`,
      `add rule ${own} keep_source ip daddr @remote snat ip to ip saddr`,
      `add rule ${own} keep_source ip saddr @remote snat ip to ip saddr`,
      // Before the egress gateway's SNAT (srcnat - 10), which takes the underlay for the outside.
      `add chain ${own} keep_direct { type nat hook postrouting priority srcnat - 15; policy accept; }`,
      ...(underlay === undefined ? [] : [`add rule ${own} keep_direct oifname "${underlay}" ip daddr @remote snat ip to ip saddr`]),
      ...elements,
    ];
    await tool.nft(`${lines.join("\n")}\n`);
  };

  return {
    async init() {
      if ((await tool.getLink(dev)) === undefined) {
        await tool.ip(["link", "add", dev, "address", routeAgentMac(options.nodeIp), "type", "vxlan", "id", String(defaults.routeAgentVni), "dstport", String(defaults.routeAgentPort), "local", options.nodeIp, "nolearning"]);
        log.info("created the route agent VXLAN device");
      }
      await ensureLinkSettings(tool, dev, { mtu: options.mtu, mac: routeAgentMac(options.nodeIp), address: `${vtepIp(options.nodeIp)}/8` });
    },
    async sync(state) {
      const changes: string[] = [];
      const underlay = await readUnderlay();
      const active = state.activeIp;
      // The underlay device when the active node is on-link and the mode allows direct routing.
      const directDev = active !== undefined && options.mode === "cross-subnet" && underlay !== undefined && isOnLink(parseIp(active), underlay.subnets) ? underlay.device : undefined;
      const direct = directDev === undefined || active === undefined ? undefined : { dev: directDev, via: active };
      const tunnel = direct === undefined ? active : undefined;
      const tunnelMac = tunnel === undefined ? undefined : routeAgentMac(tunnel);
      if (tunnel !== undefined && tunnelMac !== undefined) {
        await tool.ip(["neigh", "replace", vtepIp(tunnel), "lladdr", tunnelMac, "dev", dev, "nud", "permanent"]);
        await tool.bridge(["fdb", "replace", tunnelMac, "dev", dev, "dst", tunnel, "self", "permanent"]);
      }
      const tunnelRoutes = tunnel === undefined ? [] : state.subnets.map((dst) => ({ dst, via: vtepIp(tunnel), metric: routeAgentMetric }));
      // The wanted device first: its `route replace` moves each route off the other one.
      if (direct !== undefined) await syncRoutes(tool, direct.dev, state.subnets.map((dst) => ({ dst, via: direct.via, metric: routeAgentMetric })), changes);
      await syncRoutes(tool, dev, tunnelRoutes, changes);
      if (direct === undefined && underlay !== undefined) await syncRoutes(tool, underlay.device, [], changes);
      for (const n of await tool.listNeighbours(dev)) {
        if (n.lladdr?.startsWith("0e:1b:") === true && (tunnel === undefined || n.dst !== vtepIp(tunnel))) {
          await tool.ip(["neigh", "del", n.dst, "dev", dev]);
          changes.push(`neighbour ${n.dst}: remove`);
        }
      }
      for (const f of await tool.listFdb(dev)) {
        if (f.mac !== tunnelMac || f.dst !== tunnel) {
          await tool.bridge(["fdb", "del", f.mac, "dev", dev, "dst", f.dst ?? "", "self"]);
          changes.push(`fdb ${f.mac}: remove`);
        }
      }
      await syncNft(state.subnets, underlay?.device);
      if (changes.length > 0) log.info({ changes, activeIp: active, path: direct === undefined ? "tunnel" : "direct" }, "synced routes to the active gateway");
      return changes;
    },
    async cleanup() {
      const underlay = await readUnderlay();
      if (underlay !== undefined) await syncRoutes(tool, underlay.device, [], []);
      if ((await tool.getLink(dev)) !== undefined) await tool.ip(["link", "del", "dev", dev]);
      if (await tool.hasNftTable("ip", gatewayDefaults.routeAgentNftTable)) await tool.nft(`delete table ${own}\n`);
      if (await tool.hasNftTable("ip", gatewayDefaults.cniNatTable)) {
        const listing = await runToolJson("nft", ["-j", "list", "table", "ip", gatewayDefaults.cniNatTable], { netns: options.netns });
        const hasChains = JSON.stringify(listing).includes('"chain"');
        // Without chains the table is only ours (no CNI uses it): remove it; else empty our set.
        await tool.nft(hasChains ? `flush set ${table} ${set}\n` : `delete table ${table}\n`);
      }
      log.info("route agent data path removed");
    },
  };
}
