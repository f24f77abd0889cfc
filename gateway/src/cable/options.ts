import { isIp } from "@isthmus/core/net";
import { z } from "zod";
import { CableError } from "./errors.js";

/** Interface names: 1..15 characters, no slash, colon or whitespace (IFNAMSIZ). */
export const deviceNameSchema = z.string().regex(/^[^/:\s]{1,15}$/, "must be an interface name of 1..15 characters without '/', ':' or spaces");
/** A UDP port. */
export const portSchema = z.number().int().min(1).max(65535);
/** An IP address (v4 or v6). */
export const ipSchema = z.string().refine(isIp, { error: "must be an IP address" });
/** An interface MTU. */
export const mtuSchema = z.number().int().min(1280).max(65535);

/** Parses a driver's config with its schema; throws CableError "InvalidOptions" listing every problem. */
export function parseDriverConfig<S extends z.ZodType>(schema: S, input: unknown, driver: string): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => (i.path.length === 0 ? i.message : `${i.path.map(String).join(".")}: ${i.message}`));
  throw new CableError("InvalidOptions", `Invalid ${driver} cable options: ${issues.join("; ")}`);
}
