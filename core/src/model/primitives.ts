import { z } from "zod";
import { NetError, parseCidr, parseIp } from "../net/index.js";

// Field schemas shared by the model records: addresses, CIDRs, ports, timestamps, keys.

/** Turns a NetError from `fn` into an issue on `ctx` (other errors propagate); returns fn's value. */
function netIssue<T>(ctx: z.RefinementCtx, fn: () => T): T | typeof z.NEVER {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof NetError)) {
      throw err;
    }
    ctx.addIssue({ code: "custom", message: err.message, input: undefined });
    return z.NEVER;
  }
}

/** An IPv4 or IPv6 address in text form (no zone, no prefix), normalised to canonical text. */
export const ipAddressSchema = z.string().transform((text, ctx) => netIssue(ctx, () => parseIp(text).toString()));

/**
 * A CIDR in text form, e.g. `10.1.0.0/16` or `fd00:1::/64`, parsed strictly with `parseCidr`
 * (no host bits set) and normalised to canonical text.
 */
export const cidrSchema = z.string().transform((text, ctx) => netIssue(ctx, () => parseCidr(text).toString()));

/** A TCP/UDP port, 1-65535. */
export const portSchema = z.int().min(1).max(65535);

/**
 * A point in time: an ISO 8601 / RFC 3339 timestamp in UTC with a `Z` suffix and optional
 * fractional seconds, e.g. `2025-01-31T12:00:00.000Z` (see docs/adr/0120-data-model.md).
 */
export const timestampSchema = z.iso.datetime({ error: "must be an ISO 8601 UTC timestamp, e.g. 2025-01-31T12:00:00.000Z" });

/** The timestamp text of `date` (or of an epoch-ms number) in the model's format. */
export function formatTimestamp(date: Date | number): string {
  return (typeof date === "number" ? new Date(date) : date).toISOString();
}

/** Length in bytes of a Curve25519 (WireGuard) key. */
export const wireguardKeyLength = 32;

/** True when `value` is canonical base64 of exactly 32 bytes, as `wg` prints keys. */
export function isWireguardKey(value: string): boolean {
  if (!/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(value)) {
    return false;
  }
  return Buffer.from(value, "base64").length === wireguardKeyLength;
}

/** A WireGuard public key: base64 of 32 bytes (44 chars ending in '='). */
export const wireguardKeySchema = z
  .string()
  .refine(isWireguardKey, { error: "must be a WireGuard key: base64 of 32 bytes (44 characters ending in '=')" });
