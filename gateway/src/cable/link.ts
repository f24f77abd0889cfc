import type { IpTool } from "../system/ip.js";
import { CableError } from "./errors.js";

/** What a cable wants of its device. */
export interface LinkSettings {
  /** MTU of the device. */
  readonly mtu: number;
  /** MAC address (VXLAN VTEP); absent = leave as is. */
  readonly mac?: string;
  /** The device's one address of its family, `ip/prefix` (others of that family are removed). */
  readonly address: string;
}

/**
 * Brings `device` to `settings` and up, touching only what differs: setting a MAC or MTU, even to
 * the same value, makes the kernel flush the device's neighbours, permanent ones included, which
 * would cut an adopted tunnel.
 */
export async function ensureLinkSettings(tool: IpTool, device: string, settings: LinkSettings): Promise<void> {
  const link = await tool.getLink(device);
  if (link === undefined) throw new CableError("ProgrammingFailed", `Device ${device} does not exist`);
  if (link.mtu !== settings.mtu) await tool.ip(["link", "set", "dev", device, "mtu", String(settings.mtu)]);
  if (settings.mac !== undefined && link.address !== settings.mac) await tool.ip(["link", "set", "dev", device, "address", settings.mac]);
  const addresses = await tool.listAddresses(device);
  if (!addresses.includes(settings.address)) await tool.ip(["addr", "replace", settings.address, "dev", device]);
  // The device holds exactly one address of its family: a tunnel address that changed (the
  // cluster got a global block, docs/adr/0206) must not linger as a second source. IPv6
  // link-local addresses are the kernel's own.
  const v6 = settings.address.includes(":");
  for (const stale of addresses) {
    if (stale !== settings.address && stale.includes(":") === v6 && !stale.startsWith("fe80:")) await tool.ip(["addr", "del", stale, "dev", device]);
  }
  if (!link.flags.includes("UP")) await tool.ip(["link", "set", "dev", device, "up"]);
}
