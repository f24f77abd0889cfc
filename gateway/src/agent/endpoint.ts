import type { V1Node } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core/constants";
import { type GatewayEndpoint } from "@isthmus/core/model";
import { cidrSize, contains, formatIp, isIp, lastAddress, nthAddress, parseCidr, IpAddress } from "@isthmus/core/net";
import { AgentError } from "./errors.js";

/** What endpoint discovery needs besides the Node. */
export interface EndpointInputs {
  readonly clusterId: string;
  readonly driver: "wireguard" | "vxlan";
  readonly port: number;
  /** WireGuard public key (base64), for the wireguard driver. */
  readonly publicKey?: string;
  /** Config overrides. */
  readonly publicIp?: string;
  readonly tunnelIp?: string;
  /** Addresses assigned to this node's interfaces (NAT detection). */
  readonly localAddresses: readonly string[];
}

/** What a gateway of a cluster with a global block takes its tunnel address from. */
export interface GlobalTunnelInputs {
  /** The cluster's global block (docs/adr/0206). */
  readonly block: string;
  /** The cluster's pod CIDRs (the node's podCIDR is numbered within them). */
  readonly podCidrs: readonly string[];
}

/** The node's InternalIP (IPv4 preferred); AgentError "NoNodeAddress" when it has none. */
export function nodeInternalIp(node: V1Node): string {
  const internal = (node.status?.addresses ?? []).filter((a) => a.type === "InternalIP" && isIp(a.address)).map((a) => a.address);
  const ip = internal.find((a) => !a.includes(":")) ?? internal[0];
  if (ip === undefined) throw new AgentError("NoNodeAddress", `Node ${node.metadata?.name ?? "?"} has no InternalIP address`);
  return ip;
}

/**
 * The gateway's tunnel (health-check) address: the override; else, in a cluster with a global
 * block, an address of the block (see {@link globalTunnelAddress}); else the first address of the
 * node's podCIDR. AgentError "NoNodeAddress" when the node has no podCIDR to derive it from.
 */
export function tunnelAddress(node: V1Node, override: string | undefined, global?: GlobalTunnelInputs): string {
  if (override !== undefined) return override;
  const podCidr = node.spec?.podCIDR;
  if (podCidr === undefined || podCidr === "") {
    throw new AgentError("NoNodeAddress", `Node ${node.metadata?.name ?? "?"} has no podCIDR to take a tunnel address from; set --tunnel-ip`);
  }
  if (global !== undefined) return globalTunnelAddress(global, podCidr);
  return formatIp(nthAddress(parseCidr(podCidr), 1));
}

/**
 * The tunnel address of the gateway on the node with `nodePodCidr` in a cluster with a global
 * block: counted down from the block's last usable address by the node's number (its podCIDR's
 * index within the cluster's pod CIDR), so every candidate of the cluster has its own, unique in
 * the clusterset (two clusters made by one installer have the same pod CIDRs, never the same
 * block), and far from the low addresses the broker hands to exports first. Stays in the upper
 * half of the block (a /30 has one such address, shared by its candidates).
 */
export function globalTunnelAddress(global: GlobalTunnelInputs, nodePodCidr: string): string {
  const block = parseCidr(global.block);
  const node = parseCidr(nodePodCidr);
  const cluster = global.podCidrs.map((c) => parseCidr(c)).find((c) => contains(c, node));
  const number = (node.network.value - (cluster?.network.value ?? 0n)) / cidrSize(node);
  const room = cidrSize(block) / 2n - 1n;
  const offset = room > 0n ? number % room : 0n;
  return formatIp(new IpAddress(block.family, lastAddress(block).value - 1n - offset));
}

/**
 * Where remote gateways reach this one, from local facts only (no outside services): the public
 * address is the config override, else the node's `isthmus.io/public-ip` annotation, else an
 * ExternalIP, else the InternalIP. The gateway is behind NAT when its public address is not one
 * of its own interface addresses.
 */
export function discoverEndpoint(node: V1Node, inputs: EndpointInputs): Omit<GatewayEndpoint, "role"> {
  const privateIp = nodeInternalIp(node);
  const annotated = node.metadata?.annotations?.[defaults.publicIpAnnotation];
  const external = (node.status?.addresses ?? []).find((a) => a.type === "ExternalIP" && isIp(a.address))?.address;
  const publicIp = inputs.publicIp ?? (annotated !== undefined && isIp(annotated) ? annotated : undefined) ?? external ?? privateIp;
  const behindNat = !inputs.localAddresses.includes(publicIp);
  return {
    clusterId: inputs.clusterId,
    hostname: node.metadata?.name ?? "",
    publicIp,
    privateIp,
    port: inputs.port,
    cableDriver: inputs.driver,
    ...(inputs.publicKey === undefined ? {} : { wireguardPublicKey: inputs.publicKey }),
    healthCheckIp: tunnelAddress(node, inputs.tunnelIp),
    behindNat,
    natType: behindNat ? "unknown" : "none",
  };
}

/** The host part of a `host:port` or `[v6]:port` address. */
export function hostOf(address: string): string {
  const bracketed = /^\[([^\]]+)\]:\d+$/.exec(address);
  if (bracketed?.[1] !== undefined) return bracketed[1];
  const colon = address.lastIndexOf(":");
  return colon < 0 ? address : address.slice(0, colon);
}
