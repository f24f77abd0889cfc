// Which address of a remote gateway to dial (ADR 0502). Every endpoint carries a public address
// (what the world reaches it at: the node's own WAN address, or the outside address of the NAT
// in front of it) and a private one (the node's InternalIP). Discovery uses local facts only, so
// reachability is decided by one rule both sides compute alike from the published endpoints:
// two gateways that share a public address sit behind the same NAT (one site); a packet to that
// address would need the NAT to hairpin it back inside, which most NATs do not, while the
// private addresses of one site reach each other. So they dial each other's private address,
// and no NAT lies between them (no keepalive). Every other pair dials the public address, and
// a NAT on either side means a keepalive to hold the mapping open.
import type { GatewayEndpoint } from "@isthmus/core/model";

/** What the rule needs of our own endpoint. */
export type LocalEndpoint = Pick<GatewayEndpoint, "publicIp" | "behindNat">;

/** The address to send tunnel packets to and whether a NAT sits on the path. */
export interface DialChoice {
  readonly address: string;
  /** "private" when both gateways share a public address, else "public". */
  readonly via: "private" | "public";
  /** True when a NAT lies between the two gateways (the cable keeps its mapping open). */
  readonly natOnPath: boolean;
}

/** Chooses how this gateway reaches `remote` (see the design notes above). */
export function chooseDialAddress(local: LocalEndpoint, remote: Pick<GatewayEndpoint, "publicIp" | "privateIp" | "behindNat">): DialChoice {
  if (remote.publicIp === local.publicIp && remote.privateIp !== remote.publicIp) {
    return { address: remote.privateIp, via: "private", natOnPath: false };
  }
  return { address: remote.publicIp, via: "public", natOnPath: remote.behindNat || local.behindNat };
}
