import { createHash, randomBytes } from "node:crypto";
import { BrokerError } from "./errors.js";
import type { JoinRequest, Store, TokenRow } from "./store/store.js";

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

/** Mints and stores a join token: `isthmus_<id>.<secret>`, 128-bit id, 256-bit secret. */
export async function mintToken(
  store: Store,
  options: { readonly ttlSeconds: number; readonly maxUses: number; readonly clusterId?: string; readonly description: string; readonly now: Date },
): Promise<MintedToken> {
  if (!(options.ttlSeconds > 0) || !(options.maxUses > 0)) {
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
    maxUses: options.maxUses,
    revoked: false,
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
