import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createAdminClient, createBrokerClient, joinBroker, type BrokerApiError } from "@isthmus/core/brokerapi";
import { createSilentLogger } from "@isthmus/core/runtime";
import { brokerConfigSchema, createSqliteStore, startBroker, type Broker, type Store } from "@isthmus/broker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBrokerFile } from "../broker/info.js";
import { main } from "../main.js";

// `isthmus broker remove-cluster` against a real broker on loopback.

let dir: string;
let store: Store;
let broker: Broker;
let adminFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "isthmus-cli-broker-"));
  const config = brokerConfigSchema.parse({ dataDir: dir, listen: "127.0.0.1", grpcPort: 0, httpPort: 0, dashboard: false, logLevel: "silent" });
  store = createSqliteStore({ path: join(dir, "broker.db") });
  broker = await startBroker(config, { store, logger: createSilentLogger() });
  adminFile = join(dir, "broker-admin.json");
  await writeBrokerFile(adminFile, {
    kind: "isthmus-broker-admin",
    address: `127.0.0.1:${broker.grpcPort}`,
    caPem: broker.pki.ca.certPem,
    serverName: "localhost",
    certPem: await readFile(join(dir, "admin.crt"), "utf8"),
    keyPem: await readFile(join(dir, "admin.key"), "utf8"),
  });
});
afterAll(async () => {
  await broker.stop(500);
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const sink = (append: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        append(chunk.toString());
        done();
      },
    });
  const code = await main(args, { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), env: {} });
  return { code, stdout, stderr };
}

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
