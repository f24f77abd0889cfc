import type { CertificateRow, JoinAdmission, JoinRequest, RenewalRequest, TokenRow } from "./store.js";

// Design notes: who may join under a cluster id is decided here, once, for both stores; each
// store reads the token and the id's certificates and applies the decision in one atomic write.
// An id is "joined" while it holds a live certificate (not revoked, not expired). A joined id
// can be joined again only with a token bound to it: an unbound token (the kind deploy-broker
// hands to every cluster) must not let one member obtain another member's identity. A bound
// rejoin revokes the id's certificates obtained with any other token (an impostor's included);
// those obtained with the same token stay valid, so gateway candidates racing for one token
// all keep theirs.

/** What the store applies when a Join or renewal is admitted. */
export type JoinDecision =
  | { readonly ok: false; readonly code: "Unauthenticated" | "PermissionDenied"; readonly reason: string }
  | {
      readonly ok: true;
      /** The token with this use counted (unchanged for a renewal). */
      readonly token: TokenRow | undefined;
      /** The new certificate row to insert. */
      readonly certificate: CertificateRow;
      /** Earlier certificates of the id, as they are once revoked. */
      readonly revoke: readonly (CertificateRow & { readonly revokedAt: string })[];
    };

/** True when `cert` is neither revoked nor expired at `now`. */
export function isLive(cert: CertificateRow, now: Date): boolean {
  return cert.revokedAt === undefined && Date.parse(cert.notAfter) > now.getTime();
}

/** Decides a Join from the stored token (undefined when unknown) and the id's certificates. */
export function checkJoin(request: JoinRequest, token: TokenRow | undefined, certs: readonly CertificateRow[]): JoinDecision {
  const { id, clusterId, now } = request;
  if (token?.hash !== request.hash) return { ok: false, code: "Unauthenticated", reason: "unknown token" };
  if ((token.scope ?? "join") !== "join") return { ok: false, code: "Unauthenticated", reason: `token ${id} is a dashboard token, not a join token` };
  if (token.revoked) return { ok: false, code: "Unauthenticated", reason: `token ${id} was revoked` };
  if (Date.parse(token.expiresAt) <= now.getTime()) return { ok: false, code: "Unauthenticated", reason: `token ${id} expired at ${token.expiresAt}` };
  if (token.uses >= token.maxUses) return { ok: false, code: "Unauthenticated", reason: `token ${id} was already used ${token.uses} of ${token.maxUses} times` };
  if (token.clusterId !== undefined && token.clusterId !== clusterId) {
    return { ok: false, code: "Unauthenticated", reason: `token ${id} is for cluster "${token.clusterId}", not "${clusterId}"` };
  }
  const live = certs.filter((c) => c.subject === clusterId && isLive(c, now));
  if (live.length > 0 && token.clusterId === undefined) {
    return {
      ok: false,
      code: "PermissionDenied",
      reason:
        `cluster "${clusterId}" is already joined and token ${id} is not bound to it; to rejoin it, ` +
        `use a token made for it ("isthmus token create --cluster-id ${clusterId}")`,
    };
  }
  return {
    ok: true,
    token: { ...token, uses: token.uses + 1 },
    certificate: { ...request.certificate, revokedAt: undefined, tokenId: id },
    revoke: live.filter((c) => c.tokenId !== id).map((c) => ({ ...c, revokedAt: now.toISOString() })),
  };
}

/** Decides a renewal from the presented certificate's stored row (undefined when unknown). */
export function checkRenewal(request: RenewalRequest, presented: CertificateRow | undefined): JoinDecision {
  if (presented?.subject !== request.clusterId || !isLive(presented, request.now)) {
    return { ok: false, code: "Unauthenticated", reason: `certificate ${request.presentedSerial} of "${request.clusterId}" is unknown, revoked or expired` };
  }
  return { ok: true, token: undefined, certificate: { ...request.certificate, revokedAt: undefined, tokenId: presented.tokenId }, revoke: [] };
}

/** The admission a decision reports to the caller. */
export function toAdmission(decision: JoinDecision): JoinAdmission {
  if (!decision.ok) return decision;
  return { ok: true, token: decision.token, revoked: decision.revoke.map((c) => c.serial) };
}
