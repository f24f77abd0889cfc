// Design notes — the route agent's data path. Every node has `vx-isthmus` (VNI 100, UDP 4800,
// learning off) with a 240.x.y.z address derived from its node IP and a MAC derived from it, so
// no address is exchanged. A node that is not the active gateway gets one permanent neighbour
// (the active node's VTEP address → its MAC), one FDB entry (that MAC → the active node's IP)
// and a route per remote subnet via that VTEP address (`proto 149`, metric 50, so the gateway's
// own tunnel routes win on gateway nodes). The active gateway node keeps only the device: it
// decapsulates what the other nodes send. Replies come back through the normal pod routes, so
// reverse-path filtering on the device is loose. Remote subnets also go into the CNI's
// `remote_cidrs` set, so pod traffic to them is not masqueraded and source IPs survive.
// Another CNI masquerades on its own (flannel's `--ip-masq`: MASQUERADE of the pod network to
// anything outside it, and of anything from outside it forwarded to another node's pods, in
// iptables' nat table at priority srcnat): our table NATs connections to or from remote subnets
// to their own source address first (priority srcnat - 5), and netfilter NATs a connection once
// per hook, so no later chain rewrites it. The rule lives in our table, which the other CNI never
// touches, so it survives the CNI re-creating its own rules.
import { defaults } from "@isthmus/core/constants";
import { type Logger } from "@isthmus/core/runtime";
import { gatewayDefaults } from "../constants.js";
import { ensureLinkSettings } from "../cable/link.js";
import { syncRoutes } from "../cable/routes.js";
import { createIpTool, type IpTool } from "../system/ip.js";
import { runToolJson } from "../system/command.js";
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

/** The route agent's programming of one node. */
export interface RouteAgentDatapath {
  /** Creates or adopts `vx-isthmus`. Idempotent. */
  init(): Promise<void>;
  /** Makes neighbours, FDB, routes and `remote_cidrs` match `state`; returns what changed. */
  sync(state: RouteAgentState): Promise<string[]>;
  /** Removes the device (with its routes) and our elements of `remote_cidrs`. Idempotent. */
  cleanup(): Promise<void>;
}

/** Creates the data path for the node with address `nodeIp` (namespace: the process's own, or `netns` in tests). */
export function createRouteAgentDatapath(options: { nodeIp: string; mtu: number; logger: Logger; netns?: string }): RouteAgentDatapath {
  const dev = defaults.routeAgentDevice;
  const tool: IpTool = createIpTool(options.netns);
  const log = options.logger.child({ component: "route-agent-datapath", device: dev });
  const table = `ip ${gatewayDefaults.cniNatTable}`;
  const set = gatewayDefaults.remoteCidrSet;

  const own = `ip ${gatewayDefaults.routeAgentNftTable}`;
  const mark = `0x${gatewayDefaults.kubeProxyMasqueradeMark.toString(16)}`;
  const keep = `0x${(~gatewayDefaults.kubeProxyMasqueradeMark >>> 0).toString(16)}`;
  // kube-proxy masquerades Service traffic from outside its cluster CIDR; for remote clusters we
  // clear its mark just before its srcnat chain, so the backend sees the remote pod's own IP (the
  // reply returns through the gateway node, where the Service DNAT happened).
  const syncNft = async (subnets: readonly string[]): Promise<void> => {
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
      const target = state.activeIp;
      const wantMac = target === undefined ? undefined : routeAgentMac(target);
      for (const n of await tool.listNeighbours(dev)) {
        if (n.lladdr?.startsWith("0e:1b:") === true && (target === undefined || n.dst !== vtepIp(target))) {
          await tool.ip(["neigh", "del", n.dst, "dev", dev]);
          changes.push(`neighbour ${n.dst}: remove`);
        }
      }
      for (const f of await tool.listFdb(dev)) {
        if (f.mac !== wantMac || f.dst !== target) {
          await tool.bridge(["fdb", "del", f.mac, "dev", dev, "dst", f.dst ?? "", "self"]);
          changes.push(`fdb ${f.mac}: remove`);
        }
      }
      if (target !== undefined && wantMac !== undefined) {
        await tool.ip(["neigh", "replace", vtepIp(target), "lladdr", wantMac, "dev", dev, "nud", "permanent"]);
        await tool.bridge(["fdb", "replace", wantMac, "dev", dev, "dst", target, "self", "permanent"]);
      }
      const routes = target === undefined ? [] : state.subnets.map((dst) => ({ dst, via: vtepIp(target), metric: routeAgentMetric }));
      await syncRoutes(tool, dev, routes, changes);
      await syncNft(state.subnets);
      if (changes.length > 0) log.info({ changes, activeIp: target }, "synced routes to the active gateway");
      return changes;
    },
    async cleanup() {
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
