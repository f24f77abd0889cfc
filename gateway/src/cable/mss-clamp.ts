import type { IpTool } from "../system/ip.js";

/** The nft table (family inet) that clamps TCP MSS for traffic into `device`. */
export function mssClampTable(device: string): string {
  return `isthmus_mss_${device.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

/**
 * Installs (atomically replaces) the MSS clamp of `device`: SYNs forwarded or sent into the
 * tunnel get their MSS lowered to the route's MTU, so large transfers never need fragmenting and
 * never stall on a PMTU black hole. Each side clamps its own egress, so both directions are
 * covered. Idempotent.
 */
export async function applyMssClamp(tool: IpTool, device: string): Promise<void> {
  const table = mssClampTable(device);
  const rule = `oifname "${device}" tcp flags syn tcp option maxseg size set rt mtu`;
  await tool.nft(
    [
      `table inet ${table}`,
      `delete table inet ${table}`,
      `table inet ${table} {`,
      `  chain forward { type filter hook forward priority mangle; policy accept; ${rule}; }`,
      `  chain output { type filter hook output priority mangle; policy accept; ${rule}; }`,
      "}",
      "",
    ].join("\n"),
  );
}

/** Removes the MSS clamp table of `device`. Idempotent. */
export async function removeMssClamp(tool: IpTool, device: string): Promise<void> {
  const table = mssClampTable(device);
  await tool.nft(`table inet ${table}\ndelete table inet ${table}\n`);
}
