import { formatIp, nthAddress, parseCidr } from "../net/index.js";
import { ModelError } from "./errors.js";

/**
 * What a cluster asks of the broker's global range (docs/adr/0206): any block of the broker's
 * default size, a block of a given prefix length, or one specific block.
 */
export type GlobalRequest =
  | { readonly kind: "auto" }
  | { readonly kind: "size"; readonly prefix: number }
  | { readonly kind: "block"; readonly cidr: string };

/**
 * Parses the text form used by `isthmus join --global-cidr` and the gateway's `global-cidr`
 * setting: "auto", "/N" (a size) or a CIDR (a block). Throws ModelError "InvalidGlobalRequest".
 */
export function parseGlobalRequest(text: string): GlobalRequest {
  const value = text.trim();
  if (value === "auto") return { kind: "auto" };
  const size = /^\/(\d{1,3})$/.exec(value);
  if (size?.[1] !== undefined) {
    const prefix = Number(size[1]);
    if (prefix >= 1 && prefix <= 128) return { kind: "size", prefix };
  } else {
    try {
      return { kind: "block", cidr: parseCidr(value).toString() };
    } catch (err) {
      throw new ModelError("InvalidGlobalRequest", "global CIDR request", [`${usage(text)} (${(err as Error).message})`]);
    }
  }
  throw new ModelError("InvalidGlobalRequest", "global CIDR request", [usage(text)]);
}

const usage = (text: string): string => `"${text}" must be "auto", a prefix length such as /16, or a CIDR such as 242.5.0.0/16`;

/** The text form of a request (the inverse of `parseGlobalRequest`). */
export function formatGlobalRequest(request: GlobalRequest): string {
  switch (request.kind) {
    case "auto":
      return "auto";
    case "size":
      return `/${request.prefix}`;
    case "block":
      return request.cidr;
  }
}

/** The ClusterSpec fields that carry a request to the broker (none without a request). */
export function globalSpecFields(request: GlobalRequest | undefined): { global?: true; globalCidr?: string; globalPrefix?: number } {
  if (request === undefined) return {};
  switch (request.kind) {
    case "auto":
      return { global: true };
    case "size":
      return { global: true, globalPrefix: request.prefix };
    case "block":
      return { global: true, globalCidr: request.cidr };
  }
}

/**
 * The address of a global block its cluster's pods leave as (the block's second address): the
 * broker never hands it to an export, the active gateway SNATs to it (docs/adr/0206).
 */
export function globalEgressAddress(block: string): string {
  return formatIp(nthAddress(parseCidr(block), 1));
}

/**
 * How many global IPs `block` can hand out (to exports and headless pods): all its addresses
 * but the network, the egress address and (IPv4) the broadcast address (docs/adr/0206).
 */
export function globalBlockCapacity(block: string): number {
  const cidr = parseCidr(block);
  const size = 2 ** ((cidr.family === 4 ? 32 : 128) - cidr.prefix);
  return Math.max(0, size - (cidr.family === 4 ? 3 : 2));
}
