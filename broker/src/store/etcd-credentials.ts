import type { Etcd3 } from "etcd3";
import { BrokerError } from "../errors.js";
import type { CertificateRow, Store, TokenRow, TokenUse } from "./store.js";

/** The part of the Store that is not the catalog: join tokens, certificates, metadata. */
export type CredentialStore = Pick<
  Store,
  "insertToken" | "useToken" | "listTokens" | "revokeToken" | "insertCertificate" | "revokeCertificatesOf" | "revokedSerials" | "getMeta" | "putMetaIfAbsent"
>;

/**
 * Tokens (`tokens/<id>`), certificates (`certs/<serial>`) and metadata (`meta/<key>`) in etcd,
 * outside the catalog's revisions. Using a token compares the key's mod revision, so a
 * one-use token is used once however many replicas race.
 */
export function createEtcdCredentialStore(
  client: Etcd3,
  options: { readonly prefix: string; readonly wrap: <T>(what: string, fn: () => Promise<T>) => Promise<T> },
): CredentialStore {
  const { prefix: p, wrap } = options;
  const k = {
    token: (id: string) => `${p}tokens/${id}`,
    cert: (serial: string) => `${p}certs/${serial}`,
    meta: (key: string) => `${p}meta/${key}`,
  };
  return {
    async insertToken(token) {
      await wrap("insert token", () => client.put(k.token(token.id)).value(JSON.stringify(token)).exec());
    },
    async useToken({ id, hash, clusterId, now }) {
      return wrap("use token", async () => {
        for (let attempt = 0; attempt < 20; attempt++) {
          const res = await client.get(k.token(id)).exec();
          const kv = res.kvs[0];
          if (kv === undefined) return { ok: false, reason: "unknown token" } satisfies TokenUse;
          const token = JSON.parse(kv.value.toString()) as TokenRow;
          if (token.hash !== hash) return { ok: false, reason: "unknown token" } satisfies TokenUse;
          if (token.revoked) return { ok: false, reason: `token ${id} was revoked` } satisfies TokenUse;
          if (Date.parse(token.expiresAt) <= now.getTime()) return { ok: false, reason: `token ${id} expired at ${token.expiresAt}` } satisfies TokenUse;
          if (token.uses >= token.maxUses) return { ok: false, reason: `token ${id} was already used ${token.uses} of ${token.maxUses} times` } satisfies TokenUse;
          if (token.clusterId !== undefined && token.clusterId !== clusterId) {
            return { ok: false, reason: `token ${id} is for cluster "${token.clusterId}", not "${clusterId}"` } satisfies TokenUse;
          }
          const used: TokenRow = { ...token, uses: token.uses + 1 };
          const txn = await client.if(k.token(id), "Mod", "==", kv.mod_revision).then(client.put(k.token(id)).value(JSON.stringify(used))).commit();
          if (txn.succeeded) return { ok: true, token: used } satisfies TokenUse;
        }
        throw new BrokerError("StoreFailed", `Token ${id} is contended; try again`);
      });
    },
    async listTokens() {
      const all = await wrap("list tokens", () => client.getAll().prefix(`${p}tokens/`).strings());
      return Object.values(all)
        .map((v) => JSON.parse(v) as TokenRow)
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id.localeCompare(b.id)));
    },
    async revokeToken(id) {
      return wrap("revoke token", async () => {
        const raw = await client.get(k.token(id)).string();
        if (raw === null) return undefined;
        const row: TokenRow = { ...(JSON.parse(raw) as TokenRow), revoked: true };
        await client.put(k.token(id)).value(JSON.stringify(row)).exec();
        return row;
      });
    },
    async insertCertificate(cert: CertificateRow) {
      await wrap("insert certificate", () => client.put(k.cert(cert.serial)).value(JSON.stringify(cert)).exec());
    },
    async revokeCertificatesOf(subject, now) {
      return wrap("revoke certificates", async () => {
        const all = Object.values(await client.getAll().prefix(`${p}certs/`).strings()).map((v) => JSON.parse(v) as CertificateRow);
        const mine = all.filter((c) => c.subject === subject && c.revokedAt === undefined);
        for (const c of mine) await client.put(k.cert(c.serial)).value(JSON.stringify({ ...c, revokedAt: now.toISOString() })).exec();
        return mine.map((c) => c.serial);
      });
    },
    async revokedSerials() {
      const all = await wrap("list certificates", () => client.getAll().prefix(`${p}certs/`).strings());
      return new Set(Object.values(all).map((v) => JSON.parse(v) as CertificateRow).filter((c) => c.revokedAt !== undefined).map((c) => c.serial));
    },
    async getMeta(key) {
      return (await wrap("get meta", () => client.get(k.meta(key)).string())) ?? undefined;
    },
    async putMetaIfAbsent(key, value) {
      return wrap("put meta", async () => {
        await client.if(k.meta(key), "Create", "==", 0).then(client.put(k.meta(key)).value(value)).commit();
        return (await client.get(k.meta(key)).string()) ?? value;
      });
    },
  };
}
