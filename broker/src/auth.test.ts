import { X509Certificate } from "node:crypto";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { agentServiceDefinition, createAdminClient, createBrokerClient, joinBroker, type BrokerApiError } from "@isthmus/core/brokerapi";
import { createCa, issueCertificate } from "@isthmus/core/pki";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBroker, type TestBroker } from "./testing/harness.js";
import { endpointOf, specOf, workloadOf } from "./testing/records.js";
import { mintToken } from "./tokens.js";

let tb: TestBroker;
beforeAll(async () => {
  tb = await startTestBroker();
});
afterAll(async () => {
  await tb.stop({ remove: true });
});

/** The gRPC code of a rejected promise. */
async function codeOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
  } catch (err) {
    return (err as BrokerApiError).grpcCode;
  }
  throw new Error("expected the call to fail");
}

describe("join", () => {
  it("exchanges a good token and a CSR for a certificate whose CN is the cluster id", async () => {
    const creds = await tb.join("alpha");
    const cert = new X509Certificate(creds.certPem);
    expect(cert.subject).toBe("CN=alpha");
    expect(cert.verify(new X509Certificate(tb.caPem).publicKey)).toBe(true);
    const res = await tb.client(creds).publish({ kind: "cluster", spec: specOf(1) });
    expect(res.revision).toBeGreaterThan(0);
  });

  it("refuses an expired token with UNAUTHENTICATED", async () => {
    const { token } = await mintToken(tb.store, { ttlSeconds: 60, maxUses: 1, description: "old", now: new Date(Date.now() - 120_000) });
    const err = await joinBroker({ address: tb.address, caPem: tb.caPem, token, clusterId: "beta" }).catch((e: unknown) => e as BrokerApiError);
    expect(err).toMatchObject({ grpcCode: grpc.status.UNAUTHENTICATED });
    expect((err as Error).message).toMatch(/expired/);
  });

  it("refuses a reused one-time token", async () => {
    const { token } = await tb.admin.createToken({ ttlSeconds: 600, maxUses: 1, description: "once" });
    await joinBroker({ address: tb.address, caPem: tb.caPem, token, clusterId: "gamma" });
    const err = await joinBroker({ address: tb.address, caPem: tb.caPem, token, clusterId: "gamma" }).catch((e: unknown) => e as BrokerApiError);
    expect(err).toMatchObject({ grpcCode: grpc.status.UNAUTHENTICATED });
    expect((err as Error).message).toMatch(/already used 1 of 1/);
    const listed = (await tb.admin.listTokens({})).tokens.find((t) => t.description === "once");
    expect(listed).toMatchObject({ uses: 1, maxUses: 1 });
  });

  it("refuses a revoked token", async () => {
    const { token, info } = await tb.admin.createToken({ ttlSeconds: 600, maxUses: 5, description: "revoke me" });
    expect(info).not.toBeNull();
    await tb.admin.revokeToken({ id: info?.id ?? "" });
    const err = await joinBroker({ address: tb.address, caPem: tb.caPem, token, clusterId: "delta" }).catch((e: unknown) => e as BrokerApiError);
    expect(err).toMatchObject({ grpcCode: grpc.status.UNAUTHENTICATED });
    expect((err as Error).message).toMatch(/revoked/);
  });

  it("refuses a malformed or unknown token and a token pinned to another cluster", async () => {
    const join = (token: string, clusterId: string) => joinBroker({ address: tb.address, caPem: tb.caPem, token, clusterId });
    expect(await codeOf(join("nope", "eps"))).toBe(grpc.status.UNAUTHENTICATED);
    expect(await codeOf(join(`isthmus_0123456789abcdef.${"A".repeat(43)}`, "eps"))).toBe(grpc.status.UNAUTHENTICATED);
    const { token } = await tb.admin.createToken({ ttlSeconds: 600, maxUses: 1, clusterId: "zeta", description: "pinned" });
    expect(await codeOf(join(token, "eps"))).toBe(grpc.status.UNAUTHENTICATED);
    await join(token, "zeta");
  });

  it("answers INVALID_ARGUMENT for a bad cluster id or CSR, without spending the token", async () => {
    const { token } = await tb.admin.createToken({ ttlSeconds: 600, maxUses: 1, description: "careful" });
    expect(await codeOf(joinBroker({ address: tb.address, caPem: tb.caPem, token, clusterId: "Not_A_Label" }))).toBe(grpc.status.INVALID_ARGUMENT);
    const client = new grpc.Client(tb.address, grpc.credentials.createSsl(Buffer.from(tb.caPem)));
    const raw = await new Promise<grpc.ServiceError | null>((resolve) => {
      const m = agentServiceDefinition.Join;
      client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, { token, clusterId: "eta", csrPem: "garbage" }, (err) => {
        resolve(err);
      });
    });
    client.close();
    expect(raw?.code).toBe(grpc.status.INVALID_ARGUMENT);
    await joinBroker({ address: tb.address, caPem: tb.caPem, token, clusterId: "eta" });
  });
});

describe("admin credential", () => {
  it("is written once at first start, the key readable by its owner only", async () => {
    const key = await stat(join(tb.dir, "admin.key"));
    expect(key.mode & 0o777).toBe(0o600);
    const info = await tb.admin.getBrokerInfo({});
    expect(info.store).toBe("sqlite");
  });
});

describe("mTLS identity", () => {
  it("refuses publish without a client certificate (UNAUTHENTICATED)", async () => {
    const anonymous = createBrokerClient({ address: tb.address, caPem: tb.caPem });
    expect(await codeOf(anonymous.publish({ kind: "cluster", spec: specOf(2) }))).toBe(grpc.status.UNAUTHENTICATED);
    anonymous.close();
  });

  it("refuses an expired client certificate and one from another CA", async () => {
    const day = 86_400_000;
    const expired = await issueCertificate({ ca: tb.broker.pki.ca, commonName: "alpha", usages: "client", validityDays: 1, now: new Date(Date.now() - 3 * day) });
    const c1 = createBrokerClient({ address: tb.address, caPem: tb.caPem, ...expired });
    expect(await codeOf(c1.publish({ kind: "cluster", spec: specOf(1) }))).toBe(grpc.status.UNAUTHENTICATED);
    c1.close();
    const rogueCa = await createCa({ commonName: "rogue", validityDays: 1 });
    const rogue = await issueCertificate({ ca: rogueCa, commonName: "alpha", usages: "client", validityDays: 1 });
    const c2 = createBrokerClient({ address: tb.address, caPem: tb.caPem, ...rogue });
    expect(await codeOf(c2.publish({ kind: "cluster", spec: specOf(1) }))).toBe(grpc.status.UNAUTHENTICATED);
    c2.close();
  });

  it("refuses a cluster writing another cluster's records (PERMISSION_DENIED), changing nothing", async () => {
    const creds = await tb.join("theta");
    const client = tb.client(creds);
    await client.publish({ kind: "endpoint", records: [endpointOf("theta")] });
    const before = tb.store.revision();
    const err = await client.publish({ kind: "endpoint", records: [endpointOf("theta"), endpointOf("alpha", "gw-9")] }).catch((e: unknown) => e as BrokerApiError);
    expect(err).toMatchObject({ grpcCode: grpc.status.PERMISSION_DENIED });
    expect((err as Error).message).toContain('"alpha"');
    expect(tb.store.revision()).toBe(before);
  });

  it("refuses admin calls with a cluster certificate (PERMISSION_DENIED)", async () => {
    const creds = await tb.join("iota");
    const fake = createAdminClient({ address: tb.address, caPem: tb.caPem, certPem: creds.certPem, keyPem: creds.keyPem });
    expect(await codeOf(fake.listTokens({}))).toBe(grpc.status.PERMISSION_DENIED);
    fake.close();
  });

  it("evicting a cluster deletes its records everywhere, revokes its certificate and ends its watch", async () => {
    const victim = await tb.join("kappa");
    const vClient = tb.client(victim);
    await vClient.publish({ kind: "cluster", spec: specOf(5) });
    await vClient.publish({ kind: "endpoint", records: [endpointOf("kappa")] });
    await vClient.publish({ kind: "workload", records: [workloadOf("kappa", "shop")] });
    const observer = tb.client(await tb.join("lambda"));
    const deleted: string[] = [];
    let snapshotSeen = false;
    const w = observer.watch({
      onSnapshot: () => {
        snapshotSeen = true;
      },
      onChanges: (b) => {
        for (const c of b.changes) if (c.type === "delete") deleted.push(c.key);
      },
    });
    await expect.poll(() => snapshotSeen).toBe(true);
    const vWatch = vClient.watch({ onSnapshot: () => undefined, onChanges: () => undefined });
    await expect.poll(() => vWatch.connected).toBe(true);
    const out = await tb.admin.evictCluster({ id: "kappa" });
    expect(out).toMatchObject({ deleted: 3, revokedCertificates: 1 });
    await expect.poll(() => deleted.sort()).toEqual(["kappa", "kappa/gw-1", "kappa/shop"]);
    await expect(vWatch.done).rejects.toMatchObject({ grpcCode: grpc.status.UNAUTHENTICATED });
    expect(await codeOf(vClient.publish({ kind: "cluster", spec: specOf(5) }))).toBe(grpc.status.UNAUTHENTICATED);
    await w.stop();
  });
});

describe("joining under an id that is already joined", () => {
  const join = (token: string, clusterId: string) => joinBroker({ address: tb.address, caPem: tb.caPem, token, clusterId });

  it("refuses the shared unbound token for a joined id (PERMISSION_DENIED), leaves the owner's certificate valid and the store unchanged", async () => {
    // The kind of token deploy-broker prints for every cluster: unbound, several uses.
    const { token } = await tb.admin.createToken({ ttlSeconds: 600, maxUses: 10, description: "shared" });
    const owner = await join(token, "mu");
    const ownerClient = tb.client(owner);
    await ownerClient.publish({ kind: "endpoint", records: [endpointOf("mu")] });
    const revision = tb.store.revision();
    const err = await join(token, "mu").catch((e: unknown) => e as BrokerApiError);
    expect(err).toMatchObject({ grpcCode: grpc.status.PERMISSION_DENIED });
    expect((err as Error).message).toMatch(/"mu" is already joined.*isthmus token create --cluster-id mu/);
    expect(tb.store.revision()).toBe(revision);
    expect((await tb.admin.listTokens({})).tokens.find((t) => t.description === "shared")?.uses).toBe(1);
    await ownerClient.publish({ kind: "endpoint", records: [endpointOf("mu")] });
  });

  it("rejoins with a token bound to the id, revoking the certificate an impostor obtained with another token", async () => {
    const { token: shared } = await tb.admin.createToken({ ttlSeconds: 600, maxUses: 10, description: "shared 2" });
    const impostor = await join(shared, "nu"); // first to the id: the broker cannot tell
    const impostorClient = tb.client(impostor);
    await impostorClient.publish({ kind: "cluster", spec: specOf(6) });
    const { token: bound } = await tb.admin.createToken({ ttlSeconds: 600, maxUses: 2, clusterId: "nu", description: "rejoin nu" });
    const owner = await join(bound, "nu");
    const sibling = await join(bound, "nu"); // a second gateway racing for the same token keeps the first's valid
    expect(await codeOf(impostorClient.publish({ kind: "cluster", spec: specOf(6) }))).toBe(grpc.status.UNAUTHENTICATED);
    await tb.client(owner).publish({ kind: "cluster", spec: specOf(6) });
    await tb.client(sibling).publish({ kind: "cluster", spec: specOf(6) });
  });

  it("renews a cluster's certificate on the strength of the current one, without a token; refuses another cluster's and reserves the admin id", async () => {
    const first = await tb.join("xi");
    const renewed = await joinBroker({ address: tb.address, caPem: tb.caPem, token: "", clusterId: "xi", renew: first });
    expect(new X509Certificate(renewed.certPem).subject).toBe("CN=xi");
    await tb.client(renewed).publish({ kind: "cluster", spec: specOf(7) });
    await tb.client(first).publish({ kind: "cluster", spec: specOf(7) }); // renewal revokes nothing
    const other = await tb.join("omicron");
    const err = await joinBroker({ address: tb.address, caPem: tb.caPem, token: "", clusterId: "xi", renew: other }).catch((e: unknown) => e as BrokerApiError);
    expect(err).toMatchObject({ grpcCode: grpc.status.PERMISSION_DENIED });
    expect((err as Error).message).toContain('cluster "omicron" cannot join or renew as "xi"');
    const { token } = await tb.admin.createToken({ ttlSeconds: 600, maxUses: 1, description: "admin id" });
    expect(await codeOf(join(token, "admin"))).toBe(grpc.status.INVALID_ARGUMENT);
  });
});

describe("refused Joins per source", () => {
  it("answers RESOURCE_EXHAUSTED to a source with joinFailuresPerMinute refusals, even for a good token, and other calls go on", async () => {
    const limited = await startTestBroker({ joinFailuresPerMinute: 3 });
    try {
      const join = (token: string, clusterId: string) => joinBroker({ address: limited.address, caPem: limited.caPem, token, clusterId });
      const forged = `isthmus_0123456789abcdef.${"A".repeat(43)}`;
      for (let i = 0; i < 3; i++) expect(await codeOf(join(forged, `x${i}`))).toBe(grpc.status.UNAUTHENTICATED);
      const { token } = await limited.admin.createToken({ ttlSeconds: 600, maxUses: 1, description: "good" });
      const err = await join(token, "good").catch((e: unknown) => e as BrokerApiError);
      expect(err).toMatchObject({ grpcCode: grpc.status.RESOURCE_EXHAUSTED });
      expect((err as Error).message).toMatch(/3 refused Joins from 127\.0\.0\.1/);
      // The good token was not spent, and the admin API still answers.
      expect((await limited.admin.listTokens({})).tokens.find((t) => t.description === "good")?.uses).toBe(0);
    } finally {
      await limited.stop({ remove: true });
    }
  });
});
