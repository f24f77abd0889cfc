import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { BrokerError } from "../errors.js";
import type { Store, TokenRow } from "../store/store.js";
import { checkDashboardRow, verifyDashboardToken } from "../tokens.js";

// Design notes (docs/adr/0204-broker-dashboard.md): a browser signs in once with a dashboard
// token (scope "viewer" or "admin") and gets a session cookie `v1.<tokenId>.<expiry>.<mac>`,
// HMAC-SHA256 under a key kept in the store (so every replica accepts it). The cookie carries
// no secret of the token. Every request re-checks the token's row (cached for a second), so a
// revoked or expired token ends its sessions within a second, on every replica.

/** The cookie's name. */
export const sessionCookieName = "isthmus_dashboard";

/** Longest a session lasts; it also ends when its token expires or is revoked. */
export const maxSessionSeconds = 12 * 3600;

const keyMetaName = "dashboard-session-key";

/** Who a valid session belongs to. */
export interface SessionPrincipal {
  readonly role: "viewer" | "admin";
  readonly tokenId: string;
  readonly expiresAt: Date;
}

/** Issues and checks dashboard sessions. */
export interface SessionKeeper {
  /** Checks a sign-in token and returns the cookie value and its lifetime; throws "Unauthenticated". */
  signIn(token: string, now: Date): Promise<{ readonly cookie: string; readonly principal: SessionPrincipal }>;
  /** Checks a cookie value; throws "Unauthenticated" saying why it is not (or no longer) valid. */
  check(cookie: string | undefined, now: Date): Promise<SessionPrincipal>;
}

/** Creates the session keeper; reads (or creates) the shared HMAC key. */
export async function createSessionKeeper(store: Store): Promise<SessionKeeper> {
  const key = Buffer.from(await store.putMetaIfAbsent(keyMetaName, randomBytes(32).toString("base64")), "base64");
  const mac = (payload: string): string => createHmac("sha256", key).update(payload).digest("base64url");
  const cache = new Map<string, { readonly row: TokenRow | undefined; readonly at: number }>();
  const rowOf = async (id: string, now: Date): Promise<TokenRow | undefined> => {
    const hit = cache.get(id);
    if (hit !== undefined && now.getTime() - hit.at < 1000) return hit.row;
    const row = await store.getToken(id);
    if (cache.size > 10_000) cache.clear();
    cache.set(id, { row, at: now.getTime() });
    return row;
  };
  return {
    async signIn(token, now) {
      const row = await verifyDashboardToken(store, token, now);
      cache.set(row.id, { row, at: now.getTime() });
      const expiresAt = new Date(Math.min(Date.parse(row.expiresAt), now.getTime() + maxSessionSeconds * 1000));
      const payload = `v1.${row.id}.${Math.floor(expiresAt.getTime() / 1000)}`;
      return { cookie: `${payload}.${mac(payload)}`, principal: { role: row.scope, tokenId: row.id, expiresAt } };
    },
    async check(cookie, now) {
      if (cookie === undefined || cookie === "") throw new BrokerError("Unauthenticated", "Not signed in: sign in with a dashboard token");
      const match = /^(v1\.([0-9a-f]{16})\.(\d{1,12}))\.([A-Za-z0-9_-]{43})$/.exec(cookie);
      const [, payload, id, expiry, given] = match ?? [];
      if (payload === undefined || id === undefined || expiry === undefined || given === undefined) {
        throw new BrokerError("Unauthenticated", "The session cookie is malformed: sign in again");
      }
      const want = Buffer.from(mac(payload));
      if (!timingSafeEqual(want, Buffer.from(given))) throw new BrokerError("Unauthenticated", "The session cookie is not one this broker issued: sign in again");
      const expiresAt = new Date(Number(expiry) * 1000);
      if (expiresAt.getTime() <= now.getTime()) throw new BrokerError("Unauthenticated", "The session expired: sign in again");
      const row = await rowOf(id, now);
      if (row === undefined) throw new BrokerError("Unauthenticated", `The session's token ${id} no longer exists: sign in again`);
      const valid = checkDashboardRow(row, now);
      return { role: valid.scope, tokenId: id, expiresAt };
    },
  };
}
