import type { IpTool } from "../system/ip.js";
import { CableError } from "./errors.js";

/** What a cable wants of its device. */
export interface LinkSettings {
  /** MTU of the device. */
  readonly mtu: number;
  /** MAC address (VXLAN VTEP); absent = leave as is. */
  readonly mac?: string;
  /** Address to assign, `ip/prefix`. */
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
  if (!(await tool.listAddresses(device)).includes(settings.address)) await tool.ip(["addr", "replace", settings.address, "dev", device]);
  if (!link.flags.includes("UP")) await tool.ip(["link", "set", "dev", device, "up"]);
}
