// The authorisation matrix (issue #22): every RPC of the broker's gRPC API × every kind of
// caller, over the real server, plus Join × every kind of token. A refused call must answer the
// expected status and leave the store as it was (records, tokens and their uses, revocations).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { adminServiceDefinition, agentServiceDefinition, createAdminClient, createBrokerClient, joinBroker, type AdminClient, type BrokerApiError, type BrokerClient, type BrokerConnection } from "@isthmus/core/brokerapi";
import { createCa, issueCertificate } from "@isthmus/core/pki";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBroker, type TestBroker } from "./testing/harness.js";
import { endpointOf, specOf, workloadOf } from "./testing/records.js";
import { mintToken } from "./tokens.js";

type Caller = "clusterA" | "clusterB" | "revoked" | "expired" | "otherCa" | "none" | "admin";
const callers: readonly Caller[] = ["clusterA", "clusterB", "revoked", "expired", "otherCa", "none", "admin"];
// Status codes as plain numbers (what the clients report in grpcCode).
const OK: number = grpc.status.OK;
const UNAUTH: number = grpc.status.UNAUTHENTICATED;
const DENIED: number = grpc.status.PERMISSION_DENIED;
const INVALID: number = grpc.status.INVALID_ARGUMENT;

let tb: TestBroker;
const clients = new Map<Caller, { agent: BrokerClient; admin: AdminClient }>();
const tokens = { fresh: "", probe: "", boundToA: "", used: "", expired: "", revoked: "", forged: "", malformed: "isthmus_nope" };

beforeAll(async () => {
  tb = await startTestBroker();
  const conn = (pair?: { certPem: string; keyPem: string }): BrokerConnection => ({ address: tb.address, caPem: tb.caPem, ...(pair === undefined ? {} : { certPem: pair.certPem, keyPem: pair.keyPem }) });
  const a = await tb.join("a");
  await tb.client(a).publish({ kind: "cluster", spec: specOf(1) });
  await tb.client(a).publish({ kind: "endpoint", records: [endpointOf("a")] });
  const b = await tb.join("b");
  await tb.client(b).publish({ kind: "cluster", spec: specOf(2) });
  const r = await tb.join("r");
  await tb.admin.evictCluster({ id: "r" });
  const day = 86_400_000;
  const expired = await issueCertificate({ ca: tb.broker.pki.ca, commonName: "a", usages: "client", validityDays: 1, now: new Date(Date.now() - 3 * day) });
  const rogue = await issueCertificate({ ca: await createCa({ commonName: "rogue", validityDays: 1 }), commonName: "a", usages: "client", validityDays: 1 });
  const admin = { certPem: await readFile(join(tb.dir, "admin.crt"), "utf8"), keyPem: await readFile(join(tb.dir, "admin.key"), "utf8") };
  const pairs: Record<Caller, { certPem: string; keyPem: string } | undefined> = { clusterA: a, clusterB: b, revoked: r, expired, otherCa: rogue, none: undefined, admin };
  for (const caller of callers) clients.set(caller, { agent: createBrokerClient(conn(pairs[caller])), admin: createAdminClient(conn(pairs[caller])) });
  tokens.fresh = (await tb.admin.createToken({ ttlSeconds: 600, maxUses: 100, description: "matrix" })).token;
  tokens.probe = (await tb.admin.createToken({ ttlSeconds: 600, maxUses: 1, description: "revoked by the matrix" })).token;
  tokens.boundToA = (await tb.admin.createToken({ ttlSeconds: 600, maxUses: 100, clusterId: "a", description: "bound to a" })).token;
  tokens.used = (await tb.admin.createToken({ ttlSeconds: 600, maxUses: 1, description: "used" })).token;
  await joinBroker({ address: tb.address, caPem: tb.caPem, token: tokens.used, clusterId: "u" });
  tokens.expired = (await mintToken(tb.store, { ttlSeconds: 60, maxUses: 5, description: "old", now: new Date(Date.now() - 120_000) })).token;
  const revoked = await tb.admin.createToken({ ttlSeconds: 600, maxUses: 5, description: "revoked" });
  await tb.admin.revokeToken({ id: revoked.info?.id ?? "" });
  tokens.revoked = revoked.token;
  tokens.forged = `${tokens.fresh.slice(0, tokens.fresh.indexOf(".") + 1)}${"A".repeat(43)}`;
});

afterAll(async () => {
  for (const c of clients.values()) {
    c.agent.close();
    c.admin.close();
  }
  await tb.stop({ remove: true });
});

/** Everything a call could change: records, tokens (uses, revocation), revoked serials. */
async function dump(): Promise<string> {
  const snapshot = await tb.store.snapshot([]);
  return JSON.stringify({ revision: snapshot.revision, records: snapshot.records, tokens: await tb.store.listTokens(), revoked: [...(await tb.store.revokedSerials())].sort() });
}

/** The gRPC status a call ends with (OK when it resolves). */
async function statusOf(call: () => Promise<unknown>): Promise<number> {
  try {
    await call();
    return OK;
  } catch (err) {
    const code = (err as BrokerApiError).grpcCode;
    if (code === undefined) throw err;
    return code;
  }
}

/** Opens a Watch: OK once the snapshot arrives, else the status it ends with. */
async function watchStatus(agent: BrokerClient): Promise<number> {
  const seen = { snapshot: false };
  const handle = agent.watch({
    onSnapshot: () => {
      seen.snapshot = true;
    },
    onChanges: () => undefined,
  });
  const ended = handle.done.then(() => OK, (err: unknown) => (err as BrokerApiError).grpcCode ?? -1);
  const deadline = Date.now() + 10_000;
  while (!seen.snapshot && Date.now() < deadline) {
    const done = await Promise.race([ended, new Promise<undefined>((resolve) => setTimeout(resolve, 50, undefined))]);
    if (done !== undefined) return done;
  }
  await handle.stop();
  return seen.snapshot ? OK : -1;
}

// Expected status per caller, in the order of `callers`:
//                      clusterA clusterB revoked expired otherCa none    admin
const adminOnly = [DENIED, DENIED, UNAUTH, UNAUTH, UNAUTH, UNAUTH, OK];
type Call = (c: { agent: BrokerClient; admin: AdminClient }) => Promise<unknown>;
const rpcCases: readonly { rpc: string; what: string; call: Call; expected: readonly number[] }[] = [
  // Cluster a's own records: only a may write them; b, a member too, is refused.
  { rpc: "Publish", what: "a's endpoints", call: (c) => c.agent.publish({ kind: "endpoint", records: [endpointOf("a"), endpointOf("a", "gw-2")] }), expected: [OK, DENIED, UNAUTH, UNAUTH, UNAUTH, UNAUTH, DENIED] },
  { rpc: "Publish", what: "a's workload sets", call: (c) => c.agent.publish({ kind: "workload", records: [workloadOf("a", "shop")] }), expected: [OK, DENIED, UNAUTH, UNAUTH, UNAUTH, UNAUTH, DENIED] },
  { rpc: "Watch", what: "every kind", call: (c) => watchStatus(c.agent).then((code) => (code === OK ? undefined : Promise.reject(Object.assign(new Error("watch"), { grpcCode: code })))), expected: [OK, OK, UNAUTH, UNAUTH, UNAUTH, UNAUTH, OK] },
  { rpc: "CreateToken", what: "a join token", call: (c) => c.admin.createToken({ ttlSeconds: 60, maxUses: 1, description: "matrix probe" }), expected: adminOnly },
  { rpc: "ListTokens", what: "", call: (c) => c.admin.listTokens({}), expected: adminOnly },
  { rpc: "RevokeToken", what: "a token", call: (c) => c.admin.revokeToken({ id: tokens.probe.slice(8, 24) }), expected: adminOnly },
  { rpc: "ListClusters", what: "", call: (c) => c.admin.listClusters({}), expected: adminOnly },
  { rpc: "GetCluster", what: "a", call: (c) => c.admin.getCluster({ id: "a" }), expected: adminOnly },
  { rpc: "EvictCluster", what: "b", call: (c) => c.admin.evictCluster({ id: "b" }), expected: adminOnly },
  { rpc: "ListExports", what: "", call: (c) => c.admin.listExports({}), expected: adminOnly },
  { rpc: "GetConnectionMatrix", what: "", call: (c) => c.admin.getConnectionMatrix({}), expected: adminOnly },
  { rpc: "GetBrokerInfo", what: "", call: (c) => c.admin.getBrokerInfo({}), expected: adminOnly },
];

describe("the authorisation matrix of the gRPC API", () => {
  it("covers every RPC of both services", () => {
    const rpcs = [...Object.keys(agentServiceDefinition), ...Object.keys(adminServiceDefinition)].sort();
    expect([...new Set([...rpcCases.map((c) => c.rpc), "Join"])].sort()).toEqual(rpcs);
  });

  // Allowed calls that write run last (the admin's EvictCluster removes b), so every refused
  // call meets the same store.
  const matrix = rpcCases.flatMap((c) => callers.map((caller, i) => ({ ...c, caller, expected: c.expected[i] ?? -1 })));
  const ordered = [...matrix.filter((m) => m.expected !== OK), ...matrix.filter((m) => m.expected === OK)];
  it.each(ordered)("$rpc $what as $caller: status $expected", async ({ call, caller, expected }) => {
    const before = await dump();
    const c = clients.get(caller);
    if (c === undefined) throw new Error(`no client for ${caller}`);
    expect(await statusOf(() => call(c))).toBe(expected);
    if (expected !== OK) expect(await dump()).toBe(before);
  });
});

describe("Join × every kind of token", () => {
  // clusterId "a" is joined (live certificate); "fresh-id" is not.
  const joinCases: readonly { token: keyof typeof tokens; clusterId: string; expected: number }[] = [
    { token: "malformed", clusterId: "fresh-id", expected: UNAUTH },
    { token: "forged", clusterId: "fresh-id", expected: UNAUTH },
    { token: "expired", clusterId: "fresh-id", expected: UNAUTH },
    { token: "used", clusterId: "fresh-id", expected: UNAUTH },
    { token: "revoked", clusterId: "fresh-id", expected: UNAUTH },
    { token: "boundToA", clusterId: "b", expected: UNAUTH },
    { token: "fresh", clusterId: "a", expected: DENIED },
    { token: "fresh", clusterId: "admin", expected: INVALID },
    { token: "fresh", clusterId: "Not_A_Label", expected: INVALID },
  ];
  it.each(joinCases)("refuses the $token token for $clusterId with status $expected, changing nothing", async ({ token, clusterId, expected }) => {
    const before = await dump();
    expect(await statusOf(() => joinBroker({ address: tb.address, caPem: tb.caPem, token: tokens[token], clusterId }))).toBe(expected);
    expect(await dump()).toBe(before);
  });

  it("admits a fresh token for a new id and a bound token for its joined id", async () => {
    expect(await statusOf(() => joinBroker({ address: tb.address, caPem: tb.caPem, token: tokens.fresh, clusterId: "fresh-id" }))).toBe(OK);
    expect(await statusOf(() => joinBroker({ address: tb.address, caPem: tb.caPem, token: tokens.boundToA, clusterId: "a" }))).toBe(OK);
  });
});
