import { readFile } from "node:fs/promises";
import { createAdminClient, createBrokerClient, joinBroker, type BrokerApiError } from "@isthmus/core/brokerapi";
import type { Store } from "@isthmus/broker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startLocalBroker, type LocalBroker } from "../testing/local-broker.js";

// `isthmus broker remove-cluster` against a real broker on loopback.

let local: LocalBroker;
let adminFile: string;
let store: Store;
beforeAll(async () => {
  local = await startLocalBroker({ dashboard: false });
  ({ adminFile, store } = local);
});
afterAll(async () => {
  await local.stop();
});

const run = runCli;

describe("isthmus broker remove-cluster", () => {
  it("deletes the cluster's records and revokes its certificate; its client is refused from then on", async () => {
    const adminConn = JSON.parse(await readFile(adminFile, "utf8")) as { address: string; caPem: string; certPem: string; keyPem: string };
    const admin = createAdminClient({ ...adminConn, serverName: "localhost" });
    const created = await admin.createToken({ ttlSeconds: 600, maxUses: 1, description: "c9" });
    admin.close();
    const creds = await joinBroker({ address: adminConn.address, caPem: adminConn.caPem, serverName: "localhost", token: created.token, clusterId: "c9" });
    const client = createBrokerClient({ address: adminConn.address, caPem: adminConn.caPem, serverName: "localhost", certPem: creds.certPem, keyPem: creds.keyPem });
    await client.publish({ kind: "cluster", spec: { podCidrs: ["10.9.0.0/16"], serviceCidrs: ["10.109.0.0/16"], labels: {} } });

    const removed = await run(["broker", "remove-cluster", "c9", "--broker-admin", adminFile, "-o", "json"]);
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout)).toMatchObject({ cluster: "c9", recordsDeleted: 1, certificatesRevoked: 1 });
    expect((await store.snapshot([])).records).toEqual([]);
    const err = await client.publish({ kind: "cluster", spec: { podCidrs: ["10.9.0.0/16"], serviceCidrs: ["10.109.0.0/16"], labels: {} } }).catch((e: unknown) => e as BrokerApiError);
    expect(err).toMatchObject({ grpcCode: 16 });
    client.close();
  });

  it("refuses an unknown cluster (exit 1) and a malformed id (exit 2), changing nothing", async () => {
    const before = store.revision();
    const unknown = await run(["broker", "remove-cluster", "nope", "--broker-admin", adminFile]);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('The broker has no cluster "nope"') as unknown });
    const bad = await run(["broker", "remove-cluster", "Not_A_Label", "--broker-admin", adminFile]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"Not_A_Label" is not a cluster id');
    expect(store.revision()).toBe(before);
  });
});
