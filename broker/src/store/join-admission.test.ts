import { describe, expect, it } from "vitest";
import { checkJoin, checkRenewal } from "./join-admission.js";
import type { CertificateRow, JoinRequest, TokenRow } from "./store.js";

const now = new Date("2026-12-06T12:00:00Z");
const later = "2027-12-06T12:00:00.000Z";
const earlier = "2026-12-05T12:00:00.000Z";

function token(over: Partial<TokenRow> = {}): TokenRow {
  return { id: "t1", hash: "h", clusterId: undefined, description: "", createdAt: earlier, expiresAt: later, uses: 0, maxUses: 10, revoked: false, ...over };
}
function cert(serial: string, over: Partial<CertificateRow> = {}): CertificateRow {
  return { serial, subject: "c1", issuedAt: earlier, notAfter: later, revokedAt: undefined, tokenId: "t0", ...over };
}
function request(over: Partial<JoinRequest> = {}): JoinRequest {
  return { id: "t1", hash: "h", clusterId: "c1", now, certificate: { serial: "new", subject: "c1", issuedAt: now.toISOString(), notAfter: later }, ...over };
}

describe("checkJoin", () => {
  it("admits a first join with an unbound token, counting one use and recording the token", () => {
    const d = checkJoin(request(), token(), []);
    expect(d).toMatchObject({ ok: true, token: { uses: 1 }, certificate: { serial: "new", tokenId: "t1", revokedAt: undefined }, revoke: [] });
  });

  it("refuses an unbound token for an id that holds a live certificate, naming the way to rejoin", () => {
    const d = checkJoin(request(), token(), [cert("a")]);
    expect(d).toMatchObject({ ok: false, code: "PermissionDenied" });
    expect(d.ok ? "" : d.reason).toContain('isthmus token create --cluster-id c1');
  });

  it("treats an id whose certificates are all revoked or expired as free", () => {
    const d = checkJoin(request(), token(), [cert("a", { revokedAt: earlier }), cert("b", { notAfter: earlier })]);
    expect(d).toMatchObject({ ok: true, revoke: [] });
  });

  it("on a bound rejoin revokes the live certificates obtained with other tokens, and keeps the ones of the same token", () => {
    const d = checkJoin(request(), token({ clusterId: "c1" }), [cert("other"), cert("same", { tokenId: "t1" }), cert("legacy", { tokenId: undefined }), cert("gone", { revokedAt: earlier })]);
    expect(d.ok).toBe(true);
    expect(d.ok ? d.revoke.map((c) => [c.serial, c.revokedAt]) : []).toEqual([
      ["other", now.toISOString()],
      ["legacy", now.toISOString()],
    ]);
  });

  it("refuses bad tokens with Unauthenticated, each with its reason", () => {
    const cases: [TokenRow | undefined, RegExp][] = [
      [undefined, /unknown token/],
      [token({ hash: "other" }), /unknown token/],
      [token({ revoked: true }), /revoked/],
      [token({ expiresAt: earlier }), /expired/],
      [token({ uses: 10 }), /already used 10 of 10/],
      [token({ clusterId: "c2" }), /for cluster "c2", not "c1"/],
    ];
    for (const [t, reason] of cases) {
      const d = checkJoin(request(), t, []);
      expect(d).toMatchObject({ ok: false, code: "Unauthenticated" });
      expect(d.ok ? "" : d.reason).toMatch(reason);
    }
  });
});

describe("checkRenewal", () => {
  const renewal = { presentedSerial: "a", clusterId: "c1", now, certificate: { serial: "new", subject: "c1", issuedAt: now.toISOString(), notAfter: later } };

  it("renews a live certificate of the same cluster, inheriting its token and revoking nothing", () => {
    expect(checkRenewal(renewal, cert("a", { tokenId: "t7" }))).toMatchObject({ ok: true, token: undefined, certificate: { tokenId: "t7" }, revoke: [] });
  });

  it("refuses an unknown, revoked, expired or foreign certificate", () => {
    for (const presented of [undefined, cert("a", { revokedAt: earlier }), cert("a", { notAfter: earlier }), cert("a", { subject: "c2" })]) {
      expect(checkRenewal(renewal, presented)).toMatchObject({ ok: false, code: "Unauthenticated" });
    }
  });
});
