/**
 * A real broker process on a lab's WAN, as the suites that need one run it (dns, gateway): it
 * listens on `address` in namespace `<prefix>wan` (where the gateway nodes reach it), and the
 * test process reaches it through a Unix socket that a socat in the WAN namespace forwards
 * (nothing in the lab routes to the host). The broker can be stopped and started again on the
 * same data (a broker outage); `close()` removes everything it made.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { access, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAdminClient, defaults, type AdminClient } from "@isthmus/core";
import type { LabPlan } from "../plan.js";
import { runCommand } from "../run.js";
import { repoRoot } from "../up.js";
import { waitFor } from "../wait.js";

/** How the test process reaches the broker (a client's connection options without its credential). */
export interface WanBrokerConnection {
  readonly address: string;
  readonly serverName: string;
  readonly caPem: string;
}

/** A broker running on the WAN. */
export interface WanBroker {
  /** A temporary directory of the fixture's own (broker data and logs; free for a suite's files too). */
  readonly dir: string;
  /** The broker's data directory (CA, admin credential, database). */
  readonly dataDir: string;
  readonly connection: WanBrokerConnection;
  /** The admin client (over the Unix socket). */
  readonly admin: AdminClient;
  /** The tail of the broker's log, for failure messages. */
  readonly explain: () => Promise<string>;
  /** Stops the broker process (SIGTERM); the socket forwarder and the data stay. */
  readonly stopBroker: () => Promise<void>;
  /** Starts the broker again on the same data and waits until it answers. */
  readonly startBroker: () => Promise<void>;
  /** Stops everything and removes the address and the files. Idempotent. */
  readonly close: () => Promise<void>;
}

/** Starts `argv` with stdout and stderr appended to `logFile`. */
export function startLogged(argv: readonly string[], logFile: string): ChildProcess {
  const [file = "", ...args] = argv;
  const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
  const log = createWriteStream(logFile, { flags: "a" });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  return child;
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the child has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => {
    resolve();
  }));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/** Starts a broker at `address` (a free WAN address of `plan`) and waits until its admin API answers. */
export async function startWanBroker(plan: LabPlan, address: string): Promise<WanBroker> {
  const inWan = ["ip", "netns", "exec", plan.wan.netns];
  const dir = await mkdtemp(join(tmpdir(), "isthmus-wan-broker-"));
  const socket = join(dir, "broker.sock");
  const dataDir = join(dir, "broker");
  let broker: ChildProcess | undefined;
  let socat: ChildProcess | undefined;
  let admin: AdminClient | undefined;
  const explain = async (): Promise<string> => (await readFile(join(dir, "broker.log"), "utf8").catch(() => "")).slice(-2000);

  const startBroker = async (): Promise<void> => {
    broker = startLogged(
      [
        ...inWan, process.execPath, join(repoRoot, "broker/dist/main.js"),
        ...["--data-dir", dataDir, "--listen", address, "--grpc-port", String(defaults.brokerGrpcPort), "--http-port", String(defaults.brokerHttpPort)],
        ...["--tls-ip-addresses", `${address},127.0.0.1`, "--tls-dns-names", "localhost", "--log-level", "info"],
      ],
      join(dir, "broker.log"),
    );
    // The broker writes admin.key, then admin.crt: a whole certificate means both are there.
    const adminCert = async (): Promise<boolean> => (await readFile(join(dataDir, "admin.crt"), "utf8").catch(() => "")).includes("-----END CERTIFICATE-----");
    await waitFor("the broker's admin credential", async () => (await adminCert()) || undefined, { timeoutMs: 30_000, explain });
    if (admin !== undefined) {
      const client = admin;
      await waitFor("the broker to answer", async () => (await client.listClusters({}, { timeoutMs: 2_000 })) as unknown, { timeoutMs: 30_000, explain });
    }
  };
  const stopBroker = async (): Promise<void> => {
    if (broker !== undefined) await stopChild(broker);
    broker = undefined;
  };
  const close = async (): Promise<void> => {
    admin?.close();
    admin = undefined;
    await stopBroker();
    if (socat !== undefined) await stopChild(socat);
    await runCommand([...inWan, "ip", "addr", "del", `${address}/24`, "dev", plan.wan.bridge], { allowFailure: true });
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await runCommand([...inWan, "ip", "addr", "replace", `${address}/24`, "dev", plan.wan.bridge]);
    await startBroker();
    socat = startLogged([...inWan, "socat", `UNIX-LISTEN:${socket},fork,unlink-early`, `TCP:${address}:${defaults.brokerGrpcPort}`], join(dir, "socat.log"));
    await waitFor("the broker socket", async () => (await exists(socket)) || undefined, { timeoutMs: 10_000, explain });
    const connection = { address: `unix:${socket}`, serverName: "localhost", caPem: await readFile(join(dataDir, "ca.crt"), "utf8") };
    const client = createAdminClient({ ...connection, certPem: await readFile(join(dataDir, "admin.crt"), "utf8"), keyPem: await readFile(join(dataDir, "admin.key"), "utf8") });
    admin = client;
    await waitFor("the broker to answer", async () => (await client.listClusters({}, { timeoutMs: 2_000 })) as unknown, { timeoutMs: 30_000, explain });
    return { dir, dataDir, connection, admin: client, explain, stopBroker, startBroker, close };
  } catch (err) {
    await close();
    throw err;
  }
}
