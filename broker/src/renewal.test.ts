// An agent's certificate renewed while it runs (issue #22, "credentials that age"): a real broker
// issuing certificates that live 6 s, the agents' own keeper (core/membership) and broker client.
// The cluster's Secrets live in a map standing in for the Kubernetes API (the lab runs the agents
// against a real one); everything on the broker side is real.
import type { CoreV1Api, V1Secret } from "@kubernetes/client-node";
import { createBrokerClient, type BrokerConnection, type WatchChangeBatch } from "@isthmus/core/brokerapi";
import { ensureBrokerCredentials, keepBrokerCredentials } from "@isthmus/core/membership";
import { parseCertificate } from "@isthmus/core/pki";
import { createSilentLogger } from "@isthmus/core/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBroker, type TestBroker } from "./testing/harness.js";
import { specOf } from "./testing/records.js";

const lifetimeMs = 6_000;
let tb: TestBroker;
beforeAll(async () => {
  tb = await startTestBroker({ clientCertDays: lifetimeMs / 86_400_000 });
});
afterAll(async () => {
  await tb.stop({ remove: true });
});

/** The Secret calls of CoreV1Api over a map. */
function secretsApi(secrets: Map<string, V1Secret>): CoreV1Api {
  const notFound = Object.assign(new Error("not found"), { code: 404 });
  const put = ({ body }: { body: V1Secret }): Promise<V1Secret> => {
    secrets.set(body.metadata?.name ?? "", body);
    return Promise.resolve(body);
  };
  return {
    readNamespacedSecret: ({ name }: { name: string }) => secrets.get(name) ?? Promise.reject(notFound),
    createNamespacedSecret: put,
    replaceNamespacedSecret: put,
  } as unknown as CoreV1Api;
}

const cert = (c: BrokerConnection) => parseCertificate(c.certPem ?? "");
const notAfter = (c: BrokerConnection): number => cert(c).notAfter.getTime();

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("an agent's broker certificate at run time", () => {
  it("is renewed before it expires; publish and the running watch carry on with the new one, nothing replayed", async () => {
    const b64 = (s: string): string => Buffer.from(s).toString("base64");
    const { token } = await tb.admin.createToken({ ttlSeconds: 600, maxUses: 1, clusterId: "rho", description: "renewal" });
    const core = secretsApi(new Map([["isthmus-broker", { data: { address: b64(tb.address), "ca.crt": b64(tb.caPem), token: b64(token), "cluster-id": b64("rho") } }]]));
    const logger = createSilentLogger();
    const { connection: first } = await ensureBrokerCredentials({ core, logger });
    const client = createBrokerClient(first);
    // A revision to resume from (a watch at revision 0 starts again with a snapshot).
    await client.publish({ kind: "cluster", spec: specOf(6) });
    const batches: WatchChangeBatch[] = [];
    let snapshots = 0;
    const watch = client.watch({ onSnapshot: () => void (snapshots += 1), onChanges: (b) => void batches.push(b) });
    let ended: unknown;
    watch.done.then(() => (ended = "stopped"), (err: unknown) => (ended = err));
    const renewed: BrokerConnection[] = [];
    const stop = keepBrokerCredentials({
      core, logger, current: first, renewBeforeMs: lifetimeMs - 2_000, checkIntervalMs: 250,
      onRenewed: (c) => {
        renewed.push(c);
        client.useCredentials(c);
      },
    });
    try {
      await until("the watch's snapshot", () => snapshots === 1, 10_000);
      // Wait until the first certificate has expired: only a renewed one can be accepted now.
      await until("the first certificate to expire", () => Date.now() > notAfter(first) + 500, lifetimeMs + 2_000);
      expect(renewed.length).toBeGreaterThanOrEqual(1);
      expect(new Set([first, ...renewed].map((c) => cert(c).serial)).size).toBe(renewed.length + 1);
      expect(renewed.every((c) => cert(c).commonName === "rho")).toBe(true);
      const published = await client.publish({ kind: "cluster", spec: specOf(7) });
      await until("the watch to deliver the publish", () => batches.some((b) => b.revision === published.revision), 5_000);
      // The broker ends a stream when the certificate it was opened with expires: this one is
      // alive because it moved to each renewed channel, resuming from its revision (one snapshot).
      expect(ended).toBeUndefined();
      expect(snapshots).toBe(1);
      expect(watch.connected).toBe(true);
    } finally {
      stop();
      client.close();
    }
  });
});
