import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { BrokerError } from "./errors.js";
import type { JoinRequest, Store, TokenRow, TokenScope } from "./store/store.js";

/** Prefix of every join token, so that a leaked one is easy to recognise and scan for. */
export const tokenPrefix = "isthmus_";

/** A freshly minted token: the secret (shown once) and what is stored. */
export interface MintedToken {
  /** The secret to hand to `isthmus join`. Never logged, never stored. */
  readonly token: string;
  readonly row: TokenRow;
}

/** SHA-256 of the secret part, hex: what the store keeps. */
function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/**
 * Mints and stores a token: `isthmus_<id>.<secret>`, 64-bit id, 256-bit secret. A join token
 * (the default scope) has `maxUses`; a dashboard token (scope "viewer" or "admin") signs in any
 * number of times until it expires or is revoked, and is stored with `maxUses` 0.
 */
export async function mintToken(
  store: Store,
  options: {
    readonly ttlSeconds: number;
    readonly maxUses: number;
    readonly clusterId?: string;
    readonly description: string;
    readonly now: Date;
    readonly scope?: TokenScope;
  },
): Promise<MintedToken> {
  const scope = options.scope ?? "join";
  if (!(options.ttlSeconds > 0) || (scope === "join" && !(options.maxUses > 0))) {
    throw new BrokerError("InvalidArgument", `A token needs ttlSeconds > 0 and maxUses > 0, got ${options.ttlSeconds} and ${options.maxUses}`);
  }
  const id = randomBytes(8).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  const row: TokenRow = {
    id,
    hash: hashSecret(secret),
    clusterId: options.clusterId,
    description: options.description,
    createdAt: options.now.toISOString(),
    expiresAt: new Date(options.now.getTime() + options.ttlSeconds * 1000).toISOString(),
    uses: 0,
    maxUses: scope === "join" ? options.maxUses : 0,
    revoked: false,
    scope,
  };
  await store.insertToken(row);
  return { token: `${tokenPrefix}${id}.${secret}`, row };
}

/** Splits a token into id and secret; throws "Unauthenticated" when it is not one of ours. */
export function parseJoinToken(token: string): { readonly id: string; readonly secret: string } {
  const match = /^isthmus_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (match?.[1] === undefined || match[2] === undefined) {
    throw new BrokerError("Unauthenticated", "Join refused: the token is malformed");
  }
  return { id: match[1], secret: match[2] };
}

/**
 * Admits a Join with `token` as `clusterId` and records `certificate` (see the store's
 * `admitJoin`); throws "Unauthenticated" or "PermissionDenied" saying why it is refused.
 * Returns the serials the Join revoked.
 */
export async function redeemToken(
  store: Store,
  options: { readonly token: string; readonly clusterId: string; readonly now: Date; readonly certificate: JoinRequest["certificate"] },
): Promise<readonly string[]> {
  const { id, secret } = parseJoinToken(options.token);
  const admission = await store.admitJoin({ id, hash: hashSecret(secret), clusterId: options.clusterId, now: options.now, certificate: options.certificate });
  if (!admission.ok) throw new BrokerError(admission.code, `Join refused: ${admission.reason}`);
  return admission.revoked;
}

/**
 * Checks a dashboard sign-in token: it must be one of ours, known, of scope "viewer" or
 * "admin", unrevoked and unexpired. Throws "Unauthenticated" saying which; returns the row.
 */
export async function verifyDashboardToken(store: Store, token: string, now: Date): Promise<TokenRow & { readonly scope: "viewer" | "admin" }> {
  const match = /^isthmus_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/.exec(token.trim());
  if (match?.[1] === undefined || match[2] === undefined) throw new BrokerError("Unauthenticated", "Sign-in refused: that is not an isthmus token");
  const row = await store.getToken(match[1]);
  const presented = Buffer.from(hashSecret(match[2]), "hex");
  if (row === undefined || !timingSafeEqual(presented, Buffer.from(row.hash.padEnd(64, "0").slice(0, 64), "hex"))) {
    throw new BrokerError("Unauthenticated", "Sign-in refused: unknown token");
  }
  return checkDashboardRow(row, now);
}

/** Checks that a stored token still grants dashboard access at `now`; throws "Unauthenticated" why not. */
export function checkDashboardRow(row: TokenRow, now: Date): TokenRow & { readonly scope: "viewer" | "admin" } {
  const { scope } = row;
  if (scope !== "viewer" && scope !== "admin") throw new BrokerError("Unauthenticated", `Sign-in refused: token ${row.id} is a join token, not a dashboard token`);
  if (row.revoked) throw new BrokerError("Unauthenticated", `Sign-in refused: token ${row.id} was revoked`);
  if (Date.parse(row.expiresAt) <= now.getTime()) throw new BrokerError("Unauthenticated", `Sign-in refused: token ${row.id} expired at ${row.expiresAt}`);
  return { ...row, scope };
}

/** A stored token as the admin API and the dashboard show it: everything but its hash. */
export interface TokenView {
  readonly id: string;
  readonly description: string;
  readonly clusterId?: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly uses: number;
  readonly maxUses: number;
  readonly revoked: boolean;
}

/** The {@link TokenView} of a stored token. */
export function tokenInfo(row: TokenRow): TokenView {
  return {
    id: row.id,
    description: row.description,
    ...(row.clusterId === undefined ? {} : { clusterId: row.clusterId }),
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    uses: row.uses,
    maxUses: row.maxUses,
    revoked: row.revoked,
  };
}
