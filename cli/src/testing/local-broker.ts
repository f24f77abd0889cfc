import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createSilentLogger } from "@isthmus/core/runtime";
import { brokerConfigSchema, createSqliteStore, startBroker, type Broker, type Store } from "@isthmus/broker";
import { writeBrokerFile } from "../broker/info.js";
import { main } from "../main.js";

/** A real broker on loopback (SQLite in a temp dir) and the admin file the CLI reads. */
export interface LocalBroker {
  readonly broker: Broker;
  readonly store: Store;
  /** broker-admin.json for `--broker-admin`. */
  readonly adminFile: string;
  /** Stops the broker and removes its directory. */
  stop(): Promise<void>;
}

/** Starts a broker for CLI tests; `dashboard: false` leaves the dashboard off. */
export async function startLocalBroker(options: { readonly dashboard?: boolean } = {}): Promise<LocalBroker> {
  const dir = await mkdtemp(join(tmpdir(), "isthmus-cli-broker-"));
  const config = brokerConfigSchema.parse({ dataDir: dir, listen: "127.0.0.1", grpcPort: 0, httpPort: 0, dashboard: options.dashboard ?? true, dashboardPort: 0, logLevel: "silent" });
  const store = createSqliteStore({ path: join(dir, "broker.db") });
  const broker = await startBroker(config, { store, logger: createSilentLogger() });
  const adminFile = join(dir, "broker-admin.json");
  await writeBrokerFile(adminFile, {
    kind: "isthmus-broker-admin",
    address: `127.0.0.1:${broker.grpcPort}`,
    caPem: broker.pki.ca.certPem,
    serverName: "localhost",
    certPem: await readFile(join(dir, "admin.crt"), "utf8"),
    keyPem: await readFile(join(dir, "admin.key"), "utf8"),
  });
  return {
    broker,
    store,
    adminFile,
    async stop() {
      await broker.stop(500);
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `isthmus args…` in this process; returns the exit code and what it wrote. */
export async function runCli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
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
