import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAdminClient, createBrokerClient, joinBroker, type AdminClient, type BrokerClient, type JoinResult } from "@isthmus/core/brokerapi";
import { createSilentLogger } from "@isthmus/core/runtime";
import { adminFiles } from "../broker-pki.js";
import { brokerConfigSchema, type BrokerConfig } from "../config.js";
import { startBroker, type Broker } from "../server.js";
import { createSqliteStore } from "../store/sqlite.js";
import type { Store } from "../store/store.js";

/** A broker on loopback over a SQLite file in a temp dir, with helpers to join clusters. */
export interface TestBroker {
  readonly broker: Broker;
  readonly store: Store;
  readonly dir: string;
  readonly address: string;
  readonly caPem: string;
  readonly admin: AdminClient;
  /** Creates a one-use token and joins `clusterId`; returns its credentials. */
  join(clusterId: string): Promise<JoinResult>;
  /** A client holding `creds`. */
  client(creds: JoinResult): BrokerClient;
  /** Stops the broker and closes the store; keeps the dir (for restarts) unless `remove`. */
  stop(options?: { readonly remove?: boolean }): Promise<void>;
}

/** Stops a test broker and starts it again on the same data dir and gRPC port. */
export async function restartTestBroker(tb: TestBroker, overrides: Partial<BrokerConfig> = {}): Promise<TestBroker> {
  await tb.stop();
  return startTestBroker({ ...overrides, grpcPort: tb.broker.grpcPort }, tb.dir);
}

/**
 * Starts a test broker; `dir` reuses a previous data dir (restart); `openStore` replaces the
 * default SQLite file in the data dir (e.g. an etcd store).
 */
export async function startTestBroker(overrides: Partial<BrokerConfig> = {}, dir?: string, openStore?: () => Promise<Store>): Promise<TestBroker> {
  const dataDir = dir ?? (await mkdtemp(join(tmpdir(), "isthmus-broker-")));
  const config = brokerConfigSchema.parse({ dataDir, listen: "127.0.0.1", grpcPort: 0, httpPort: 0, dashboardPort: 0, logLevel: "silent", ...overrides });
  const store = openStore === undefined ? createSqliteStore({ path: join(dataDir, "broker.db"), historyRevisions: config.historyRevisions }) : await openStore();
  const broker = await startBroker(config, { store, logger: createSilentLogger() });
  const address = `127.0.0.1:${broker.grpcPort}`;
  const caPem = broker.pki.ca.certPem;
  const admin = createAdminClient({
    address,
    caPem,
    certPem: await readFile(join(dataDir, adminFiles.cert), "utf8"),
    keyPem: await readFile(join(dataDir, adminFiles.key), "utf8"),
  });
  const clients: BrokerClient[] = [];
  return {
    broker,
    store,
    dir: dataDir,
    address,
    caPem,
    admin,
    async join(clusterId) {
      const { token } = await admin.createToken({ ttlSeconds: 600, maxUses: 1, description: `test ${clusterId}` });
      return joinBroker({ address, caPem, token, clusterId });
    },
    client(creds) {
      const c = createBrokerClient({ address, caPem: creds.caPem, certPem: creds.certPem, keyPem: creds.keyPem });
      clients.push(c);
      return c;
    },
    async stop(options) {
      for (const c of clients) c.close();
      admin.close();
      await broker.stop(1000);
      await store.close();
      if (options?.remove === true) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
