import type { ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAdminClient, createBrokerClient, joinBroker, type AdminClient, type BrokerClient } from "@isthmus/core/brokerapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminFiles } from "./broker-pki.js";
import { ensureBrokerBuilt } from "./testing/build.js";
import { exists, freePort, spawnQuiet, stopProcess, waitUntil } from "./testing/processes.js";
import { exportsOf } from "./testing/records.js";

let dir: string;
let port: number;
const children: ChildProcess[] = [];

// The real entry point as a separate process (built by ensureBrokerBuilt).
let entry: string;
beforeAll(async () => {
  entry = await ensureBrokerBuilt();
  dir = await mkdtemp(join(tmpdir(), "isthmus-durability-"));
  port = await freePort();
}, 120_000);

afterAll(async () => {
  for (const child of children) await stopProcess(child, "SIGTERM");
  await rm(dir, { recursive: true, force: true });
});

function startChild(): ChildProcess {
  const child = spawnQuiet(process.execPath, [entry, "--data-dir", dir, "--listen", "127.0.0.1", "--grpc-port", String(port), "--http-port", "0", "--dashboard-port", "0", "--log-level", "warn"]);
  children.push(child);
  return child;
}

async function adminOf(caPem: string): Promise<AdminClient> {
  return createAdminClient({
    address: `127.0.0.1:${port}`,
    caPem,
    certPem: await readFile(join(dir, adminFiles.cert), "utf8"),
    keyPem: await readFile(join(dir, adminFiles.key), "utf8"),
    timeoutMs: 20_000,
  });
}

function waitForFile(path: string, deadlineMs: number): Promise<void> {
  return waitUntil(`${path} to exist`, () => exists(path), deadlineMs);
}

describe("durability (SQLite)", () => {
  it("keeps every acknowledged write after kill -9 in the middle of a publish storm", async () => {
    const first = startChild();
    await waitForFile(join(dir, adminFiles.cert), 20_000);
    const caPem = await readFile(join(dir, adminFiles.ca), "utf8");
    const admin = await adminOf(caPem);
    const ids = ["d1", "d2", "d3", "d4"];
    const clients: BrokerClient[] = [];
    for (const id of ids) {
      const { token } = await admin.createToken({ ttlSeconds: 600, maxUses: 1, description: id });
      const creds = await joinBroker({ address: `127.0.0.1:${port}`, caPem, token, clusterId: id, timeoutMs: 20_000 });
      clients.push(createBrokerClient({ address: `127.0.0.1:${port}`, caPem, certPem: creds.certPem, keyPem: creds.keyPem, timeoutMs: 3_000 }));
    }
    admin.close();

    const acked = new Map<string, { count: number; revision: number }>();
    let totalAcks = 0;
    const storm = ids.map(async (id, i) => {
      const client = clients[i];
      if (client === undefined) return;
      for (let n = 1; n <= 10_000; n++) {
        try {
          const res = await client.publish({ kind: "export", records: exportsOf(id, n) });
          acked.set(id, { count: n, revision: res.revision });
          totalAcks++;
        } catch {
          return; // the broker was killed: this publish is not acknowledged
        }
      }
    });
    await expect.poll(() => totalAcks, { timeout: 30_000, interval: 5 }).toBeGreaterThanOrEqual(200);
    await stopProcess(first, "SIGKILL");
    await Promise.all(storm);
    for (const c of clients) c.close();
    expect(acked.size).toBe(4);

    startChild();
    const admin2 = await adminOf(caPem);
    try {
      const info = await admin2.getBrokerInfo({});
      expect(info.revision).toBeGreaterThanOrEqual(Math.max(...[...acked.values()].map((a) => a.revision)));
      for (const [id, { count }] of acked) {
        const names = new Set((await admin2.listExports({ clusterId: id })).exports.map((e) => e.name));
        // The last acknowledged set (svc-0..svc-count-1) or the one publish after it that may have committed unacknowledged.
        expect(names.size === count || names.size === count + 1).toBe(true);
        for (let k = 0; k < count; k++) expect(names.has(`svc-${k}`)).toBe(true);
      }
    } finally {
      admin2.close();
    }
  }, 90_000);
});
