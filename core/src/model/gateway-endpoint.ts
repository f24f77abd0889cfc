import { z } from "zod";
import { clusterIdSchema } from "./cluster-id.js";
import { parseModel } from "./errors.js";
import { dnsSubdomainSchema } from "./names.js";
import { ipAddressSchema, portSchema, wireguardKeySchema } from "./primitives.js";

/** The tunnel kinds a gateway can offer. */
export const cableDrivers = ["wireguard", "vxlan"] as const;
/** A tunnel kind: WireGuard (encrypted) or plain VXLAN. */
export type CableDriverName = (typeof cableDrivers)[number];

/** NAT behaviours a gateway may find itself behind (RFC 3489 terms), or "unknown". */
export const natTypes = ["none", "full-cone", "restricted-cone", "port-restricted-cone", "symmetric", "unknown"] as const;
/** A NAT behaviour (see `natTypes`). */
export type NatType = (typeof natTypes)[number];

/** A gateway is "active" (holds the cluster's gateway Lease and carries traffic) or "passive" (standby). */
export const gatewayRoles = ["active", "passive"] as const;
/** The role of a gateway (see `gatewayRoles`). */
export type GatewayRole = (typeof gatewayRoles)[number];

/**
 * How remote gateways reach one gateway of a cluster: its addresses, the tunnel port and kind,
 * the WireGuard public key (required for the "wireguard" cable), the address health checks
 * target and what is known about NAT in front of it.
 */
export const gatewayEndpointSchema = z
  .strictObject({
    /** The cluster this gateway belongs to. */
    clusterId: clusterIdSchema,
    /** The gateway node's name (RFC 1123 subdomain). */
    hostname: dnsSubdomainSchema,
    /** The address peers outside the cluster connect to (the NAT's outside address when behind NAT). */
    publicIp: ipAddressSchema,
    /** The node's own address on its LAN. */
    privateIp: ipAddressSchema,
    /** The UDP port of the tunnel. */
    port: portSchema,
    /** The tunnel kind this gateway speaks. */
    cableDriver: z.enum(cableDrivers),
    /** The WireGuard public key, base64; required when cableDriver is "wireguard". */
    wireguardPublicKey: wireguardKeySchema.optional(),
    /** The address inside the tunnel that peers ping for health (RTT, loss). */
    healthCheckIp: ipAddressSchema,
    /** True when the gateway is behind NAT (publicIp differs from privateIp). */
    behindNat: z.boolean(),
    /** The NAT behaviour, when known. */
    natType: z.enum(natTypes).optional(),
    /** Whether this gateway is the cluster's active one. */
    role: z.enum(gatewayRoles),
  })
  .superRefine((endpoint, ctx) => {
    if (endpoint.cableDriver === "wireguard" && endpoint.wireguardPublicKey === undefined) {
      ctx.addIssue({ code: "custom", path: ["wireguardPublicKey"], message: 'is required when cableDriver is "wireguard"' });
    }
    if (!endpoint.behindNat && endpoint.natType !== undefined && endpoint.natType !== "none") {
      ctx.addIssue({ code: "custom", path: ["natType"], message: `is "${endpoint.natType}" but behindNat is false` });
    }
  });

/** A gateway endpoint (see `gatewayEndpointSchema`). */
export type GatewayEndpoint = z.output<typeof gatewayEndpointSchema>;

/** Parses a gateway endpoint; throws ModelError "InvalidGatewayEndpoint" listing every problem. */
export function parseGatewayEndpoint(input: unknown): GatewayEndpoint {
  return parseModel(gatewayEndpointSchema, input, { code: "InvalidGatewayEndpoint", what: "gateway endpoint" });
}
