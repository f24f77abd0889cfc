import type { Etcd3, Watcher } from "etcd3";
import { BrokerError } from "../errors.js";
import { checkJoin, checkRenewal, toAdmission, type JoinDecision } from "./join-admission.js";
import type { CertificateRow, JoinAdmission, Store, TokenRow } from "./store.js";

/** The part of the Store that is not the catalog: join tokens, certificates, metadata. */
export type CredentialStore = Pick<
  Store,
  | "insertToken"
  | "admitJoin"
  | "renewCertificate"
  | "getToken"
  | "listTokens"
  | "revokeToken"
  | "insertCertificate"
  | "revokeCertificatesOf"
  | "revokedSerials"
  | "onRevoked"
  | "getMeta"
  | "putMetaIfAbsent"
>;

/**
 * Tokens (`tokens/<id>`), certificates (`certs/<serial>`) and metadata (`meta/<key>`) in etcd,
 * outside the catalog's revisions. A Join, a renewal and a revocation of one subject each bump
 * the subject's guard key (`subjects/<id>`), and a Join's transaction compares it and the
 * token's mod revision, so Joins of one id (and uses of one token) are decided one at a time
 * however many replicas race.
 */
export function createEtcdCredentialStore(
  client: Etcd3,
  options: {
    readonly prefix: string;
    readonly wrap: <T>(what: string, fn: () => Promise<T>) => Promise<T>;
    /** Told when the revocation feed's watch fails (it is then left to the periodic reread). */
    readonly onFeedError: (err: Error) => void;
  },
): CredentialStore & { /** Stops the revocation feed's watch. */ readonly stopFeeds: () => Promise<void> } {
  const { prefix: p, wrap } = options;
  // The revocation feed: one watch of `certs/`, opened for the first listener.
  const revocationListeners = new Set<(revoked: { readonly serial: string; readonly subject: string }) => void>();
  let feed: Promise<Watcher> | undefined;
  const openFeed = (): Promise<Watcher> =>
    client
      .watch()
      .prefix(`${p}certs/`)
      .create()
      .then((w) => {
        w.on("put", (kv) => {
          const cert = JSON.parse(kv.value.toString()) as CertificateRow;
          if (cert.revokedAt === undefined) return;
          for (const l of revocationListeners) l({ serial: cert.serial, subject: cert.subject });
        });
        w.on("error", options.onFeedError);
        return w;
      });
  const k = {
    token: (id: string) => `${p}tokens/${id}`,
    cert: (serial: string) => `${p}certs/${serial}`,
    subject: (id: string) => `${p}subjects/${id}`,
    meta: (key: string) => `${p}meta/${key}`,
  };
  const certsOf = async (subject: string): Promise<CertificateRow[]> =>
    Object.values(await client.getAll().prefix(`${p}certs/`).strings())
      .map((v) => JSON.parse(v) as CertificateRow)
      .filter((c) => c.subject === subject);

  /**
   * Decides and applies a Join or renewal of `subject`: one transaction that commits only if
   * the subject's guard key and the `guard` keys (the token) are unchanged since `decide` read
   * them; retried on a lost race.
   */
  const admit = (what: string, subject: string, decide: () => Promise<{ decision: JoinDecision; guard: { key: string; mod: string }[] }>) =>
    wrap(what, async (): Promise<JoinAdmission> => {
      for (let attempt = 0; attempt < 20; attempt++) {
        const subjectKv = (await client.get(k.subject(subject)).exec()).kvs[0];
        const { decision, guard } = await decide();
        if (!decision.ok) return toAdmission(decision);
        const c = decision.certificate;
        let txn = client.if(k.subject(subject), "Mod", "==", subjectKv?.mod_revision ?? "0");
        for (const g of guard) txn = txn.and(g.key, "Mod", "==", g.mod);
        const ops = [
          client.put(k.subject(subject)).value(c.serial),
          client.put(k.cert(c.serial)).value(JSON.stringify(c)),
          ...decision.revoke.map((old) => client.put(k.cert(old.serial)).value(JSON.stringify(old))),
          ...(decision.token === undefined ? [] : [client.put(k.token(decision.token.id)).value(JSON.stringify(decision.token))]),
        ];
        if ((await txn.then(...ops).commit()).succeeded) return toAdmission(decision);
      }
      throw new BrokerError("StoreFailed", `The ${what} is contended; try again`);
    });

  return {
    onRevoked(listener) {
      revocationListeners.add(listener);
      feed ??= openFeed();
      feed.catch(options.onFeedError);
      return () => revocationListeners.delete(listener);
    },
    async stopFeeds() {
      revocationListeners.clear();
      const w = await feed?.catch(() => undefined);
      await w?.cancel();
    },
    async insertToken(token) {
      await wrap("insert token", () => client.put(k.token(token.id)).value(JSON.stringify(token)).exec());
    },
    async admitJoin(request) {
      return admit(`join of "${request.clusterId}"`, request.clusterId, async () => {
        const res = await client.get(k.token(request.id)).exec();
        const kv = res.kvs[0];
        const token = kv === undefined ? undefined : (JSON.parse(kv.value.toString()) as TokenRow);
        const decision = checkJoin(request, token, await certsOf(request.clusterId));
        return { decision, guard: kv === undefined ? [] : [{ key: k.token(request.id), mod: kv.mod_revision }] };
      });
    },
    async renewCertificate(request) {
      return admit(`renewal of "${request.clusterId}"`, request.clusterId, async () => {
        const raw = await client.get(k.cert(request.presentedSerial)).string();
        return { decision: checkRenewal(request, raw === null ? undefined : (JSON.parse(raw) as CertificateRow)), guard: [] };
      });
    },
    async getToken(id) {
      const raw = await wrap("get token", () => client.get(k.token(id)).string());
      return raw === null ? undefined : (JSON.parse(raw) as TokenRow);
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
        const mine = (await certsOf(subject)).filter((c) => c.revokedAt === undefined);
        const txn = client.if(k.subject(subject), "Version", ">", -1).then(
          client.put(k.subject(subject)).value(now.toISOString()),
          ...mine.map((c) => client.put(k.cert(c.serial)).value(JSON.stringify({ ...c, revokedAt: now.toISOString() }))),
        );
        await txn.commit();
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
