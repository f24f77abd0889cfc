import { defaults } from "@isthmus/core/constants";
import { type Cidr, cidrContaining, type IpAddress, nthAddress, parseIp } from "@isthmus/core/net";
import { type CommandRunner, parseJsonLines } from "../datapath/exec.js";
import { podMac } from "../datapath/pod-link.js";
import { CniError } from "../plugin/errors.js";
import { type OverlayEntries, type OverlayPlan, type PeerRoute, type PeerRouting, type NodeMtus, planOverlay, vtepMac } from "./overlay-plan.js";

/** This node's part of the overlay. */
export interface LocalNode {
  readonly podCidr: Cidr;
  readonly nodeIp: IpAddress;
}

/** The underlay interface carrying the node IP, its MTU and the subnets of its IPv4 addresses. */
export interface Underlay {
  readonly device: string;
  readonly mtu: number;
  /** The prefix of every IPv4 address on the device (host bits masked): the node's L2 segments. */
  readonly subnets: readonly Cidr[];
}

interface LinkJson {
  ifname?: string;
  mtu?: number;
  address?: string;
  master?: string;
  flags?: string[];
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
  linkinfo?: { info_kind?: string; info_data?: { id?: number; local?: string; port?: number; learning?: boolean } };
}

/** Finds the interface that holds `nodeIp`; CniError "InvalidConfig" when none does. */
export async function findUnderlay(runner: CommandRunner, nodeIp: IpAddress): Promise<Underlay> {
  const links = JSON.parse((await runner.run(["ip", "-j", "-4", "addr", "show"])).stdout) as LinkJson[];
  const link = links.find((l) => (l.addr_info ?? []).some((a) => a.local === nodeIp.toString()));
  if (link?.ifname === undefined) throw new CniError("InvalidConfig", `No interface holds the node address ${nodeIp.toString()}: check the Node's InternalIP`);
  const subnets = (link.addr_info ?? []).flatMap((a) => (a.family === "inet" && a.local !== undefined && a.prefixlen !== undefined ? [cidrContaining(parseIp(a.local), a.prefixlen)] : []));
  return { device: link.ifname, mtu: link.mtu ?? 1500, subnets };
}

async function showLink(runner: CommandRunner, dev: string): Promise<LinkJson | undefined> {
  const out = await runner.run(["ip", "-d", "-j", "addr", "show", "dev", dev], { allowFailure: true });
  if (out.code !== 0) return undefined;
  return (JSON.parse(out.stdout) as LinkJson[])[0];
}

function addressLines(dev: string, link: LinkJson | undefined, want: string): string[] {
  const have = (link?.addr_info ?? []).filter((a) => a.family === "inet").map((a) => `${a.local ?? ""}/${a.prefixlen ?? 0}`);
  return [...have.filter((a) => a !== want).map((a) => `addr del ${a} dev ${dev}`), ...(have.includes(want) ? [] : [`addr add ${want} dev ${dev}`])];
}

/**
 * Makes sure bridge `isthmus0` (gateway address, pod MTU) and VXLAN `isthmus.1` (VNI, port, local
 * address, no learning, derived MAC, P.0/32, VXLAN MTU) exist as wanted, adopting devices that
 * already match; a VXLAN device with other parameters is recreated. A pod keeps the MTU it got
 * at ADD: after a change of mode only new pods get the new one.
 */
export async function ensureLocalDevices(runner: CommandRunner, local: LocalNode, mtus: NodeMtus, underlay: Underlay): Promise<void> {
  const gateway = nthAddress(local.podCidr, 1);
  const bridge = defaults.cniBridge;
  const vxlan = defaults.cniVxlanDevice;
  const lines: string[] = [];
  const br = await showLink(runner, bridge);
  if (br === undefined) lines.push(`link add ${bridge} address ${podMac(gateway)} mtu ${mtus.pod} type bridge`);
  else if (br.mtu !== mtus.pod) lines.push(`link set ${bridge} mtu ${mtus.pod}`);
  lines.push(...addressLines(bridge, br, `${gateway.toString()}/${local.podCidr.prefix}`));
  if (br === undefined || !(br.flags ?? []).includes("UP")) lines.push(`link set ${bridge} up`);
  let vx = await showLink(runner, vxlan);
  const info = vx?.linkinfo?.info_data;
  const mac = vtepMac(local.nodeIp);
  const matches = info?.id === defaults.cniVni && info.local === local.nodeIp.toString() && info.port === defaults.cniVxlanPort && info.learning === false;
  if (vx !== undefined && !matches) {
    lines.push(`link del ${vxlan}`);
    vx = undefined;
  }
  if (vx === undefined) {
    lines.push(`link add ${vxlan} address ${mac} mtu ${mtus.vxlan} type vxlan id ${defaults.cniVni} local ${local.nodeIp.toString()} dev ${underlay.device} dstport ${defaults.cniVxlanPort} nolearning`);
  } else {
    if (vx.mtu !== mtus.vxlan) lines.push(`link set ${vxlan} mtu ${mtus.vxlan}`);
    if (vx.address !== mac) lines.push(`link set ${vxlan} address ${mac}`);
  }
  lines.push(...addressLines(vxlan, vx, `${local.podCidr.network.toString()}/32`));
  if (vx === undefined || !(vx.flags ?? []).includes("UP")) lines.push(`link set ${vxlan} up`);
  await runner.run(["ip", "-batch", "-"], { stdin: lines.map((l) => `${l}\n`).join("") });
}

interface RouteJson {
  dst?: string;
  gateway?: string;
  dev?: string;
}

/** Reads our entries: routes on `isthmus.1` and of our protocol, permanent neighbours and FDB of `isthmus.1`. */
export async function readOverlayEntries(runner: CommandRunner): Promise<OverlayEntries> {
  const dev = defaults.cniVxlanDevice;
  const ipOut = await runner.run(["ip", "-j", "-batch", "-"], { stdin: `route show dev ${dev}\nroute show proto ${String(defaults.cniRouteProtocol)}\nneigh show dev ${dev}\n` });
  const [onVxlan = [], ours = [], neighbours = []] = parseJsonLines(ipOut.stdout) as [RouteJson[]?, RouteJson[]?, { dst?: string; lladdr?: string; state?: string[] }[]?];
  const fdb = JSON.parse((await runner.run(["bridge", "-j", "fdb", "show", "dev", dev])).stdout) as { mac?: string; dst?: string }[];
  const routes = new Map<string, PeerRoute>();
  // `route show dev X` leaves the device out of its JSON; a route of ours elsewhere names it.
  for (const r of [...onVxlan.map((v) => ({ ...v, dev })), ...ours]) {
    if (r.gateway !== undefined && r.dst?.includes("/") === true) routes.set(r.dst, { via: r.gateway, dev: r.dev ?? dev });
  }
  return {
    routes,
    neighbours: new Map(neighbours.filter((n) => (n.state ?? []).includes("PERMANENT")).map((n) => [n.dst ?? "", n.lladdr ?? ""])),
    fdb: new Map(fdb.filter((f) => f.dst !== undefined && f.mac !== undefined).map((f) => [f.mac ?? "", f.dst ?? ""])),
  };
}

/**
 * Brings the routes to the other nodes (and the VXLAN entries they need) to `routing`, changing
 * only what differs: FDB additions, then one `ip -batch`, then FDB removals. Returns the plan applied.
 */
export async function syncPeers(runner: CommandRunner, options: { readonly routing: PeerRouting; readonly underlay: Underlay }): Promise<OverlayPlan> {
  const devices = { vxlan: defaults.cniVxlanDevice, underlay: options.underlay.device };
  const plan = planOverlay(await readOverlayEntries(runner), { routing: options.routing, devices });
  if (plan.fdbScript !== "") await runner.run(["bridge", "-batch", "-"], { stdin: plan.fdbScript });
  if (plan.ipScript !== "") await runner.run(["ip", "-batch", "-"], { stdin: plan.ipScript });
  if (plan.fdbRemoveScript !== "") await runner.run(["bridge", "-batch", "-"], { stdin: plan.fdbRemoveScript });
  return plan;
}

/** Deletes our routes (direct ones live on the underlay device), the overlay and the bridge (uninstall); idempotent. */
export async function deleteLocalDevices(runner: CommandRunner): Promise<void> {
  const flushed = await runner.run(["ip", "route", "flush", "proto", String(defaults.cniRouteProtocol)], { allowFailure: true });
  if (flushed.code !== 0 && !flushed.stderr.includes("FIB table does not exist")) throw new CniError("IoFailure", `Cannot delete the routes of proto ${String(defaults.cniRouteProtocol)}: ${flushed.stderr.trim()}`);
  for (const dev of [defaults.cniVxlanDevice, defaults.cniBridge]) {
    const out = await runner.run(["ip", "link", "del", dev], { allowFailure: true });
    if (out.code !== 0 && !out.stderr.includes('Cannot find device')) throw new CniError("IoFailure", `Cannot delete ${dev}: ${out.stderr.trim()}`);
  }
}
