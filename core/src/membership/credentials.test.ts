import type { CoreV1Api, V1Secret } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { BrokerApiError, type joinBroker } from "../brokerapi/index.js";
import { createCa, issueCertificate } from "../pki/index.js";
import { createSilentLogger } from "../runtime/index.js";
import { ensureBrokerCredentials, MembershipError } from "./credentials.js";

const b64 = (s: string): string => Buffer.from(s).toString("base64");

/** The three Secret calls of CoreV1Api, over a map, with an optional conflict on the next create. */
function fakeCore(secrets: Map<string, V1Secret>, options: { raceWinner?: V1Secret } = {}) {
  const calls: string[] = [];
  const notFound = Object.assign(new Error("not found"), { code: 404 });
  const api = {
    readNamespacedSecret: ({ name }: { name: string }) => {
      calls.push(`read ${name}`);
      const s = secrets.get(name);
      return s === undefined ? Promise.reject(notFound) : Promise.resolve(s);
    },
    createNamespacedSecret: ({ body }: { body: V1Secret }) => {
      const name = body.metadata?.name ?? "";
      calls.push(`create ${name}`);
      if (options.raceWinner !== undefined) {
        secrets.set(name, options.raceWinner);
        return Promise.reject(Object.assign(new Error("exists"), { code: 409 }));
      }
      secrets.set(name, body);
      return Promise.resolve(body);
    },
    replaceNamespacedSecret: ({ name, body }: { name: string; body: V1Secret }) => {
      calls.push(`replace ${name}`);
      secrets.set(name, body);
      return Promise.resolve(body);
    },
  };
  return { core: api as unknown as CoreV1Api, calls };
}

async function issue(validityDays: number): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const ca = await createCa({ commonName: "test broker CA", validityDays: 30 });
  const leaf = await issueCertificate({ ca, commonName: "c1", usages: "client", validityDays });
  return { caPem: ca.certPem, ...leaf };
}

const brokerSecret: V1Secret = {
  data: { address: b64("198.18.0.2:7443"), "ca.crt": b64("CA"), token: b64("tok"), "cluster-id": b64("c1") },
};

function fakeJoin(leaf: { caPem: string; certPem: string; keyPem: string }) {
  const requests: Parameters<typeof joinBroker>[0][] = [];
  const join: typeof joinBroker = (req) => {
    requests.push(req);
    return Promise.resolve({ clusterId: req.clusterId, ...leaf, notAfter: "2030-01-01T00:00:00Z" });
  };
  return { join, requests };
}

describe("ensureBrokerCredentials", () => {
  const logger = createSilentLogger();

  it("refuses a cluster that was never joined", async () => {
    const { core } = fakeCore(new Map());
    await expect(ensureBrokerCredentials({ core, logger })).rejects.toMatchObject({ code: "NotJoined" });
  });

  it("lists every missing key of a malformed broker secret", async () => {
    const { core } = fakeCore(new Map([["isthmus-broker", { data: { address: b64("x:1") } }]]));
    const err = await ensureBrokerCredentials({ core, logger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MembershipError);
    expect((err as MembershipError).code).toBe("BadBrokerSecret");
    expect((err as MembershipError).message).toContain("ca.crt, token, cluster-id");
  });

  it("joins once with the token and stores the certificate for the next agent", async () => {
    const leaf = await issue(365);
    const secrets = new Map([["isthmus-broker", brokerSecret]]);
    const first = fakeJoin(leaf);
    const a = await ensureBrokerCredentials({ core: fakeCore(secrets).core, logger, join: first.join });
    expect(first.requests).toEqual([{ address: "198.18.0.2:7443", caPem: "CA", token: "tok", clusterId: "c1" }]);
    expect(a.connection).toMatchObject({ address: "198.18.0.2:7443", certPem: leaf.certPem, keyPem: leaf.keyPem, caPem: leaf.caPem });
    const second = fakeJoin(leaf);
    const b = await ensureBrokerCredentials({ core: fakeCore(secrets).core, logger, join: second.join });
    expect(second.requests).toHaveLength(0);
    expect(b.connection).toEqual(a.connection);
  });

  it("renews a certificate that expires within the renewal window", async () => {
    const old = await issue(1);
    const fresh = await issue(365);
    const secrets = new Map<string, V1Secret>([
      ["isthmus-broker", brokerSecret],
      ["isthmus-broker-credentials", { metadata: { resourceVersion: "7" }, data: { "tls.crt": b64(old.certPem), "tls.key": b64(old.keyPem), "ca.crt": b64(old.caPem) } }],
    ]);
    const { core, calls } = fakeCore(secrets);
    const { join, requests } = fakeJoin(fresh);
    const got = await ensureBrokerCredentials({ core, logger, join });
    expect(requests).toHaveLength(1);
    expect(requests[0]?.renew).toEqual({ certPem: old.certPem, keyPem: old.keyPem });
    expect(calls).toContain("replace isthmus-broker-credentials");
    expect(secrets.get("isthmus-broker-credentials")?.metadata?.resourceVersion).toBe("7");
    expect(got.connection.certPem).toBe(fresh.certPem);
  });

  it("uses the other agent's credentials when it lost the race to store them", async () => {
    const mine = await issue(365);
    const theirs = await issue(365);
    const winner: V1Secret = { data: { "tls.crt": b64(theirs.certPem), "tls.key": b64(theirs.keyPem), "ca.crt": b64(theirs.caPem) } };
    const { core } = fakeCore(new Map([["isthmus-broker", brokerSecret]]), { raceWinner: winner });
    const got = await ensureBrokerCredentials({ core, logger, join: fakeJoin(mine).join });
    expect(got.connection.certPem).toBe(theirs.certPem);
  });

  describe("when the broker refuses the token because another agent redeemed it first", () => {
    // What joinBroker throws for the broker's UNAUTHENTICATED answer (gRPC code 16).
    const refused = (): BrokerApiError =>
      new BrokerApiError("Rejected", 'Join as "c1" failed: UNAUTHENTICATED: Join refused: token 0123 was already used 1 of 1 times', { grpcCode: 16 });
    const stored = (leaf: { caPem: string; certPem: string; keyPem: string }): V1Secret => ({
      data: { "tls.crt": b64(leaf.certPem), "tls.key": b64(leaf.keyPem), "ca.crt": b64(leaf.caPem) },
    });

    it("waits for the winner's Secret and uses the credentials it holds", async () => {
      const theirs = await issue(365);
      const secrets = new Map([["isthmus-broker", brokerSecret]]);
      const { core, calls } = fakeCore(secrets);
      // The winner stores its credentials a little after our join was refused.
      const join: typeof joinBroker = () => {
        setTimeout(() => secrets.set("isthmus-broker-credentials", stored(theirs)), 300);
        return Promise.reject(refused());
      };
      const got = await ensureBrokerCredentials({ core, logger, join, raceWaitMs: 5_000 });
      expect(got.connection).toMatchObject({ address: "198.18.0.2:7443", certPem: theirs.certPem, keyPem: theirs.keyPem });
      expect(calls.filter((c) => c === "read isthmus-broker-credentials").length).toBeGreaterThan(2);
      expect(calls.some((c) => c.startsWith("create") || c.startsWith("replace"))).toBe(false);
    });

    it("does not take back the certificate it was renewing: it waits for the winner's new one", async () => {
      const old = await issue(1);
      const fresh = await issue(365);
      const secrets = new Map<string, V1Secret>([["isthmus-broker", brokerSecret], ["isthmus-broker-credentials", stored(old)]]);
      const join: typeof joinBroker = () => {
        setTimeout(() => secrets.set("isthmus-broker-credentials", stored(fresh)), 300);
        return Promise.reject(refused());
      };
      const got = await ensureBrokerCredentials({ core: fakeCore(secrets).core, logger, join, raceWaitMs: 5_000 });
      expect(got.connection.certPem).toBe(fresh.certPem);
    });

    it("treats the broker's PERMISSION_DENIED for an id another agent just joined the same way", async () => {
      const theirs = await issue(365);
      const secrets = new Map([["isthmus-broker", brokerSecret]]);
      const denied = new BrokerApiError("Rejected", 'Join as "c1" failed: PERMISSION_DENIED: Join refused: cluster "c1" is already joined', { grpcCode: 7 });
      const join: typeof joinBroker = () => {
        setTimeout(() => secrets.set("isthmus-broker-credentials", stored(theirs)), 300);
        return Promise.reject(denied);
      };
      const got = await ensureBrokerCredentials({ core: fakeCore(secrets).core, logger, join, raceWaitMs: 5_000 });
      expect(got.connection.certPem).toBe(theirs.certPem);
    });

    it("fails with JoinRefused, naming the refusal, when no agent stores credentials in time", async () => {
      const { core } = fakeCore(new Map([["isthmus-broker", brokerSecret]]));
      const started = performance.now();
      const err = await ensureBrokerCredentials({ core, logger, join: () => Promise.reject(refused()), raceWaitMs: 400 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MembershipError);
      expect((err as MembershipError).code).toBe("JoinRefused");
      expect((err as MembershipError).message).toMatch(/already used 1 of 1 times.*isthmus-system\/isthmus-broker-credentials within 400 ms/);
      expect((err as MembershipError).cause).toBeInstanceOf(BrokerApiError);
      expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    });

    it("rethrows other join failures at once (broker unreachable)", async () => {
      const { core, calls } = fakeCore(new Map([["isthmus-broker", brokerSecret]]));
      const down = new BrokerApiError("Unavailable", 'Join as "c1" failed: UNAVAILABLE: connect ECONNREFUSED', { grpcCode: 14 });
      await expect(ensureBrokerCredentials({ core, logger, join: () => Promise.reject(down), raceWaitMs: 5_000 })).rejects.toBe(down);
      expect(calls.filter((c) => c === "read isthmus-broker-credentials")).toHaveLength(1);
    });
  });
});
