import { parseCidrLoose } from "@isthmus/core/net";
import type { IpTool, RouteEntry } from "../system/ip.js";
import { isthmusRouteProtocol } from "../system/ip.js";

/** A route the driver wants on its device. */
export interface DesiredRoute {
  /** Canonical destination CIDR. */
  readonly dst: string;
  /** Next hop inside the tunnel (VXLAN); absent = directly through the device. */
  readonly via?: string;
  /** Preferred source for traffic the gateway itself originates (its tunnel address). */
  readonly src?: string;
  /** Route metric; absent = 0. A larger metric lets another owner's route win when both exist. */
  readonly metric?: number;
}

function canonicalDst(entry: RouteEntry): string {
  const dst = entry.dst.includes("/") ? entry.dst : `${entry.dst}/${entry.dst.includes(":") ? 128 : 32}`;
  return parseCidrLoose(dst).toString();
}

function routeArgs(dev: string, route: DesiredRoute): string[] {
  const args = ["route", "replace", route.dst];
  if (route.via !== undefined) args.push("via", route.via, "onlink");
  args.push("dev", dev, "proto", String(isthmusRouteProtocol));
  if (route.src !== undefined) args.push("src", route.src);
  if (route.metric !== undefined) args.push("metric", String(route.metric));
  return args;
}

/**
 * Makes our routes (`proto 149`) on `dev` exactly `desired`: replaces missing or different ones,
 * deletes the rest. Routes of other owners on the device are left alone. Records what it did in
 * `changes`.
 */
export async function syncRoutes(tool: IpTool, dev: string, desired: readonly DesiredRoute[], changes: string[]): Promise<void> {
  const current = new Map((await tool.listRoutes(dev)).map((r) => [canonicalDst(r), r]));
  for (const route of desired) {
    const have = current.get(route.dst);
    current.delete(route.dst);
    if (have !== undefined && have.gateway === route.via && (route.src === undefined || have.prefsrc === route.src) && (have.metric ?? 0) === (route.metric ?? 0)) continue;
    if (have !== undefined && (have.metric ?? 0) !== (route.metric ?? 0)) await tool.ip(["route", "del", route.dst, "dev", dev, "proto", String(isthmusRouteProtocol)]);
    await tool.ip(routeArgs(dev, route));
    changes.push(`route ${route.dst}${route.via === undefined ? "" : ` via ${route.via}`} dev ${dev}`);
  }
  for (const dst of current.keys()) {
    await tool.ip(["route", "del", dst, "dev", dev, "proto", String(isthmusRouteProtocol)]);
    changes.push(`route ${dst} dev ${dev}: remove`);
  }
}
