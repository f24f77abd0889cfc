import { formatIp, ipFromBytes, ipToBytes, isCidr, parseCidr, parseIp } from "@isthmus/core/net";
import { gatewayDefaults } from "../constants.js";
import { AgentError } from "../agent/errors.js";
import type { GatewayObject } from "../agent/gateway-resource.js";

function ipv4Bytes(nodeIp: string): Uint8Array {
  const ip = parseIp(nodeIp);
  if (ip.family !== 4) throw new AgentError("NotIpv4", `The route agent needs an IPv4 node address, got ${nodeIp}`);
  return ipToBytes(ip);
}

/** A node's address on `vx-isthmus`: 240.0.0.0/8 plus the last three bytes of its IPv4 address (as Submariner does). */
export function vtepIp(nodeIp: string): string {
  const b = ipv4Bytes(nodeIp);
  return formatIp(ipFromBytes(Uint8Array.from([gatewayDefaults.routeAgentPrefix, b[1] ?? 0, b[2] ?? 0, b[3] ?? 0])));
}

/** A node's VTEP MAC on `vx-isthmus`: locally administered `0e:1b:` plus its IPv4 address. */
export function routeAgentMac(nodeIp: string): string {
  return ["0e", "1b", ...[...ipv4Bytes(nodeIp)].map((b) => b.toString(16).padStart(2, "0"))].join(":");
}

/** The IPv4 remote subnets of the clusterset, canonical and sorted: the union over every Gateway's connections. */
export function remoteSubnets(gateways: readonly GatewayObject[], localClusterId: string | undefined): string[] {
  const all = new Set<string>();
  for (const g of gateways) {
    if (localClusterId !== undefined && g.status?.clusterId !== localClusterId) continue;
    for (const c of g.status?.connections ?? []) {
      for (const s of c.subnets) if (isCidr(s) && !s.includes(":")) all.add(parseCidr(s).toString());
    }
  }
  return [...all].sort();
}

/**
 * The gateway node the routes follow: the Lease holder; while the Lease is released (a gateway
 * that stopped, about to be replaced by a standby or by its own restart), the last holder, so
 * routes do not disappear for the seconds the handover takes (ADR 0501).
 */
export function followedHolder(current: string | undefined, last: string | undefined): string | undefined {
  return current === undefined || current === "" ? last : current;
}

/** The route agent's target: the active gateway node's address, or undefined when this node is it or none is known. */
export function activeGatewayIp(options: { holder: string | undefined; nodeName: string; gateways: readonly GatewayObject[] }): string | undefined {
  if (options.holder === undefined || options.holder === "" || options.holder === options.nodeName) return undefined;
  return options.gateways.find((g) => g.metadata?.name === options.holder)?.status?.endpoint.privateIp;
}
