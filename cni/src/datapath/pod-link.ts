import { createHash } from "node:crypto";
import { type IpAddress, ipToBytes } from "@isthmus/core/net";
import { CniError } from "../plugin/errors.js";
import { type CommandRunner, parseJsonLines } from "./exec.js";
import type { HostLinks } from "./host-links.js";

/** The host-side device names of one attachment, derived from its key (stable across restarts). */
export interface AttachmentDevices {
  /** Host end of the veth pair, enslaved to the bridge. */
  readonly hostVeth: string;
  /** IFB device for egress shaping (exists only when an egress limit is set). */
  readonly ifb: string;
}

/** Device names for `containerId`/`ifName`: `isv-` and `isb-` plus 10 hex digits of a hash. */
export function attachmentDevices(containerId: string, ifName: string): AttachmentDevices {
  const hash = createHash("sha256").update(`${containerId}/${ifName}`).digest("hex").slice(0, 10);
  return { hostVeth: `isv-${hash}`, ifb: `isb-${hash}` };
}

/** A locally administered MAC for a pod address: 0a:58 followed by the IPv4 bytes (as kubenet does). */
export function podMac(ip: IpAddress): string {
  const bytes = ipToBytes(ip).slice(-4);
  return ["0a", "58", ...Array.from(bytes, (b) => b.toString(16).padStart(2, "0"))].join(":");
}

/** A locally administered MAC for the host veth, derived from its name. */
export function hostMac(hostVeth: string): string {
  const hash = createHash("sha256").update(hostVeth).digest();
  return ["0e", ...Array.from(hash.subarray(0, 5), (b) => b.toString(16).padStart(2, "0"))].join(":");
}

/** Everything the pod side needs. */
export interface PodLinkSpec {
  /** CNI_NETNS path. */
  readonly netns: string;
  /** CNI_IFNAME. */
  readonly ifName: string;
  readonly devices: AttachmentDevices;
  /** How `ip` inside the pod namespace names the host namespace: a PID or a /run/netns name. */
  readonly hostNsRef: string;
  readonly address: IpAddress;
  readonly prefix: number;
  readonly gateway: IpAddress;
  readonly mtu: number;
  readonly bridge: string;
  /** Create the IFB for egress shaping as well. */
  readonly withIfb: boolean;
  /** Does the host-side step (netlink in the agent, `ip` in tests). */
  readonly hostLinks: HostLinks;
}

/**
 * Creates the veth pair from inside the pod namespace (its peer lands in the host namespace),
 * configures address, routes and MTU there (one `ip -batch` process), then enslaves the host end
 * to the bridge through `hostLinks` (and creates the IFB when shaping egress). Throws CniError
 * "IoFailure" with the failing line.
 */
export async function createPodLink(runner: CommandRunner, spec: PodLinkSpec): Promise<void> {
  const { ifName, devices, mtu } = spec;
  const podScript = [
    `link add ${ifName} address ${podMac(spec.address)} mtu ${mtu} type veth peer name ${devices.hostVeth} address ${hostMac(devices.hostVeth)} mtu ${mtu} netns ${spec.hostNsRef}`,
    `addr add ${spec.address.toString()}/${spec.prefix} dev ${ifName}`,
    "link set lo up",
    `link set ${ifName} up`,
    `route add default via ${spec.gateway.toString()} dev ${ifName}`,
  ];
  await runner.run(["ip", "-batch", "-"], { netns: spec.netns, stdin: podScript.join("\n") + "\n" });
  await spec.hostLinks.attach(devices.hostVeth, spec.bridge);
  if (spec.withIfb) await runner.run(["ip", "-batch", "-"], { stdin: `link add ${devices.ifb} type ifb\nlink set ${devices.ifb} up\n` });
}

/**
 * Deletes the host veth (which takes the pod end with it) and the IFB in one `ip -force -batch`;
 * idempotent: devices that are already gone are fine, any other failure is CniError "IoFailure".
 */
export async function deletePodLink(runner: CommandRunner, devices: AttachmentDevices): Promise<void> {
  const out = await runner.run(["ip", "-force", "-batch", "-"], { stdin: `link del ${devices.hostVeth}\nlink del ${devices.ifb}\n`, allowFailure: true });
  if (out.code === 0) return;
  const failures = out.stderr
    .split("\n")
    .filter((line) => line.trim() !== "" && !/Cannot find device|does not exist|Command failed -:\d+/.test(line));
  if (failures.length > 0) throw new CniError("IoFailure", `Cannot delete ${devices.hostVeth} / ${devices.ifb}: ${failures.join("; ")}`);
}

/** What CHECK sees inside the pod namespace. */
export interface PodLinkState {
  /** Undefined when the interface does not exist. */
  readonly link: { readonly mtu: number; readonly mac: string; readonly up: boolean } | undefined;
  /** `address/prefix` of every IPv4 address on the interface. */
  readonly addresses: readonly string[];
  /** Gateways of default routes via the interface. */
  readonly defaultGateways: readonly string[];
}

interface IpLinkJson {
  mtu?: number;
  address?: string;
  flags?: string[];
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

interface IpRouteJson {
  dst?: string;
  gateway?: string;
  dev?: string;
}

/** Reads the pod interface, its addresses and default routes in one `ip -j -batch`. */
export async function inspectPodLink(runner: CommandRunner, spec: { readonly netns: string; readonly ifName: string }): Promise<PodLinkState> {
  const out = await runner.run(["ip", "-j", "-batch", "-"], { netns: spec.netns, stdin: `addr show dev ${spec.ifName}\nroute show default\n`, allowFailure: true });
  const docs = parseJsonLines(out.stdout);
  if (out.code !== 0 || docs.length < 2) return { link: undefined, addresses: [], defaultGateways: [] };
  const [link] = (docs[0] ?? []) as IpLinkJson[];
  const routes = (docs[1] ?? []) as IpRouteJson[];
  if (link === undefined) return { link: undefined, addresses: [], defaultGateways: [] };
  return {
    link: { mtu: link.mtu ?? 0, mac: link.address ?? "", up: (link.flags ?? []).includes("UP") },
    addresses: (link.addr_info ?? []).filter((a) => a.family === "inet").map((a) => `${a.local ?? ""}/${a.prefixlen ?? 0}`),
    defaultGateways: routes.filter((r) => r.dev === spec.ifName && r.gateway !== undefined).map((r) => r.gateway ?? ""),
  };
}

/** The bridge the host veth is enslaved to, or undefined when the veth does not exist. */
export async function hostVethMaster(runner: CommandRunner, hostVeth: string): Promise<string | undefined> {
  const out = await runner.run(["ip", "-j", "link", "show", "dev", hostVeth], { allowFailure: true });
  if (out.code !== 0) return undefined;
  const [link] = JSON.parse(out.stdout) as { master?: string }[];
  return link?.master ?? "";
}
