// Facts about this node's network and the kernel settings the agents need. The agents run in
// the node's network namespace (hostNetwork), so /proc/sys/net is the node's.
import { readFile, writeFile } from "node:fs/promises";
import { z } from "zod";
import { runToolJson } from "../system/command.js";

const addrSchema = z.array(z.looseObject({ ifname: z.string(), addr_info: z.array(z.looseObject({ family: z.string(), local: z.string(), prefixlen: z.number() })) }));
const routeGetSchema = z.array(z.looseObject({ dev: z.string().optional() }));
const linkSchema = z.array(z.looseObject({ operstate: z.string().optional(), flags: z.array(z.string()) }));

/** An address of an interface, as `ip addr` shows it (`family`: "inet" or "inet6"). */
export interface LocalAddress {
  readonly ifname: string;
  readonly address: string;
  readonly family: string;
  readonly prefixlen: number;
}

/** Every address of every interface, with the interface's name (in `netns` in tests, else the node's). */
export async function listLocalAddresses(netns?: string): Promise<LocalAddress[]> {
  const links = addrSchema.parse(await runToolJson("ip", ["-j", "addr", "show"], { netns }));
  return links.flatMap((l) => l.addr_info.map((a) => ({ ifname: l.ifname, address: a.local, family: a.family, prefixlen: a.prefixlen })));
}

/** The interface that carries tunnel traffic: the one holding `address`, else the one routing to it. */
export async function underlayDevice(address: string): Promise<string | undefined> {
  const owner = (await listLocalAddresses()).find((a) => a.address === address);
  if (owner !== undefined) return owner.ifname;
  const [route] = routeGetSchema.parse(await runToolJson("ip", ["-j", "route", "get", address]));
  return route?.dev;
}

/** True when `device` exists and is operationally up (carrier present). */
export async function isLinkUp(device: string): Promise<boolean> {
  try {
    const [link] = linkSchema.parse(await runToolJson("ip", ["-j", "link", "show", "dev", device]));
    if (link === undefined) return false;
    return link.operstate === "UP" || (link.operstate === "UNKNOWN" && link.flags.includes("LOWER_UP"));
  } catch {
    // The device is gone (deleted or moved): that is "down", which is what the caller acts on.
    return false;
  }
}

const sysctlPath = (key: string): string => `/proc/sys/${key.replaceAll(".", "/")}`;

/** Reads a sysctl (`net.ipv4.ip_forward`); interface names with dots are not supported. */
export async function readSysctl(key: string): Promise<string> {
  return (await readFile(sysctlPath(key), "utf8")).trim();
}

/** Writes a sysctl when it differs; returns true when it changed. */
export async function ensureSysctl(key: string, value: string): Promise<boolean> {
  if ((await readSysctl(key)) === value) return false;
  await writeFile(sysctlPath(key), value);
  return true;
}

/**
 * Routing settings for traffic between clusters: forwarding on, and loose reverse-path filtering
 * on `devices` — their traffic arrives on one interface and leaves on another, which strict
 * filtering would drop. `all` is lowered from strict (1) to loose (2) as well, since the kernel
 * applies the larger of `all` and the device's value. Returns what changed.
 */
export async function applyRoutingSysctls(devices: readonly string[]): Promise<string[]> {
  const changed: string[] = [];
  if (await ensureSysctl("net.ipv4.ip_forward", "1")) changed.push("net.ipv4.ip_forward=1");
  if ((await readSysctl("net.ipv4.conf.all.rp_filter")) === "1" && (await ensureSysctl("net.ipv4.conf.all.rp_filter", "2"))) changed.push("net.ipv4.conf.all.rp_filter=2");
  for (const dev of devices) {
    if (await ensureSysctl(`net.ipv4.conf.${dev}.rp_filter`, "2")) changed.push(`net.ipv4.conf.${dev}.rp_filter=2`);
  }
  return changed;
}
