/**
 * Opens the broker's admin API from a broker-admin file. When the broker is only reachable
 * inside a network namespace (a lab node: nothing in the lab routes to the host), a `socat`
 * relay runs in that namespace for the life of the connection, listening on a private Unix
 * socket that the client dials.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAdminClient, type AdminClient } from "@isthmus/core/brokerapi";
import { errorMessage } from "@isthmus/core/errors";
import { CliError } from "../command.js";
import { waitUntil } from "../kube/apply.js";
import type { BrokerAdmin } from "./info.js";

/** An open admin connection; `close` also stops the relay. */
export interface AdminConnection {
  readonly admin: AdminClient;
  close(): Promise<void>;
}

async function startRelay(netns: string, target: string): Promise<{ address: string; stop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "isthmus-relay-"));
  const socket = join(dir, "broker.sock");
  const child: ChildProcess = spawn("ip", ["netns", "exec", netns, "socat", `UNIX-LISTEN:${socket},fork,mode=600`, `TCP:${target}`], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(`the relay to the broker in ${netns}`, async () => {
      if (child.exitCode !== null) throw new CliError("Failed", `socat exited: ${stderr.trim()}`);
      return access(socket).then(() => true, () => undefined);
    }, { timeoutMs: 10_000, intervalMs: 50, state: () => Promise.resolve(stderr) });
  } catch (err) {
    await stop();
    throw err;
  }
  return { address: `unix:${socket}`, stop };
}

/** Connects to the admin API and checks the broker answers (GetBrokerInfo). */
export async function openAdmin(file: BrokerAdmin, options: { timeoutMs?: number } = {}): Promise<AdminConnection> {
  const relay = file.relayNetns === undefined ? undefined : await startRelay(file.relayNetns, file.relayTarget ?? file.address);
  const admin = createAdminClient({
    address: relay?.address ?? file.address,
    caPem: file.caPem,
    certPem: file.certPem,
    keyPem: file.keyPem,
    ...(file.serverName === undefined ? {} : { serverName: file.serverName }),
  });
  const close = async (): Promise<void> => {
    admin.close();
    await relay?.stop();
  };
  try {
    await admin.getBrokerInfo({}, { timeoutMs: options.timeoutMs ?? 10_000 });
  } catch (err) {
    await close();
    throw new CliError("Failed", `The broker at ${file.address} does not answer: ${errorMessage(err)}`, { cause: err });
  }
  return { admin, close };
}
