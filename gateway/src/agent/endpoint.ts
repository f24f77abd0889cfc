import type { V1Node } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core/constants";
import { type GatewayEndpoint } from "@isthmus/core/model";
import { formatIp, isIp, nthAddress, parseCidr } from "@isthmus/core/net";
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

/** The node's InternalIP (IPv4 preferred); AgentError "NoNodeAddress" when it has none. */
export function nodeInternalIp(node: V1Node): string {
  const internal = (node.status?.addresses ?? []).filter((a) => a.type === "InternalIP" && isIp(a.address)).map((a) => a.address);
  const ip = internal.find((a) => !a.includes(":")) ?? internal[0];
  if (ip === undefined) throw new AgentError("NoNodeAddress", `Node ${node.metadata?.name ?? "?"} has no InternalIP address`);
  return ip;
}

/** The gateway's tunnel (health-check) address: the override, else the first address of the node's podCIDR. */
export function tunnelAddress(node: V1Node, override: string | undefined): string {
  if (override !== undefined) return override;
  const podCidr = node.spec?.podCIDR;
  if (podCidr === undefined || podCidr === "") {
    throw new AgentError("NoNodeAddress", `Node ${node.metadata?.name ?? "?"} has no podCIDR to take a tunnel address from; set --tunnel-ip`);
  }
  return formatIp(nthAddress(parseCidr(podCidr), 1));
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
