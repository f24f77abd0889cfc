import type { ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAdminClient, createBrokerClient, joinBroker, type AdminClient, type BrokerClient, type WatchChangeBatch } from "@isthmus/core/brokerapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminFiles } from "./broker-pki.js";
import { ensureBrokerBuilt } from "./testing/build.js";
import { startEtcdCluster, type EtcdCluster } from "./testing/etcd-cluster.js";
import { exists, freePort, spawnQuiet, stopProcess, waitUntil } from "./testing/processes.js";
import { endpointOf, exportsOf } from "./testing/records.js";

interface Replica {
  readonly dir: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  child: ChildProcess | undefined;
}

let etcd: EtcdCluster;
let entry: string;
let root: string;
const replicas: Replica[] = [];
const closers: (() => void)[] = [];

beforeAll(async () => {
  entry = await ensureBrokerBuilt();
  etcd = await startEtcdCluster(3);
  root = await mkdtemp(join(tmpdir(), "isthmus-replicas-"));
  for (let i = 0; i < 3; i++) replicas.push({ dir: join(root, `r${i}`), grpcPort: await freePort(), httpPort: await freePort(), child: undefined });
  for (const r of replicas) {
    r.child = spawnQuiet(process.execPath, [
      entry,
      "--store", "etcd",
      "--etcd-endpoints", etcd.endpoints.join(","),
      "--data-dir", r.dir,
      "--listen", "127.0.0.1",
      "--grpc-port", String(r.grpcPort),
      "--http-port", String(r.httpPort),
      "--dashboard-port", "0",
      "--heartbeat-seconds", "1",
      "--log-level", "warn",
    ]);
  }
  for (const r of replicas) {
    await waitUntil(`replica ${r.dir} ready`, async () => (await fetch(`http://127.0.0.1:${r.httpPort}/readyz`)).ok, 30_000);
  }
}, 120_000);

afterAll(async () => {
  for (const close of closers) close();
  for (const r of replicas) if (r.child) await stopProcess(r.child, "SIGKILL");
  await etcd.close();
  await rm(root, { recursive: true, force: true });
});

async function watchStreams(r: Replica): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${r.httpPort}/metrics`)).text();
  return Number(/^isthmus_broker_watch_streams (\d+)$/m.exec(text)?.[1] ?? "-1");
}

describe("3 broker replicas on a 3-member etcd", () => {
  it("an agent's watch survives killing its replica and one etcd member, losing and doubling nothing", async () => {
    const [r0, r1, r2] = replicas as [Replica, Replica, Replica];
    expect(await exists(join(r0.dir, adminFiles.cert))).toBe(true);
    const caPem = await readFile(join(r0.dir, adminFiles.ca), "utf8");
    // Every replica serves the same CA (created once, shared through etcd).
    expect(await readFile(join(r2.dir, adminFiles.ca), "utf8")).toBe(caPem);
    const everyReplica = `ipv4:${replicas.map((r) => `127.0.0.1:${r.grpcPort}`).join(",")}`;
    const admin: AdminClient = createAdminClient({
      address: everyReplica,
      caPem,
      certPem: await readFile(join(r0.dir, adminFiles.cert), "utf8"),
      keyPem: await readFile(join(r0.dir, adminFiles.key), "utf8"),
    });
    closers.push(() => {
      admin.close();
    });
    const join1 = async (id: string, port: number) => {
      const { token } = await admin.createToken({ ttlSeconds: 600, maxUses: 1, description: id });
      return joinBroker({ address: `127.0.0.1:${port}`, caPem, token, clusterId: id });
    };
    const writerCreds = await join1("writer", r2.grpcPort);
    const readerCreds = await join1("reader", r1.grpcPort);
    const writer: BrokerClient = createBrokerClient({ address: `127.0.0.1:${r2.grpcPort}`, ...writerCreds });
    // The reader knows all replicas and uses the first that answers (pick_first).
    const reader: BrokerClient = createBrokerClient({
      address: everyReplica,
      caPem,
      certPem: readerCreds.certPem,
      keyPem: readerCreds.keyPem,
    });
    closers.push(() => {
      writer.close();
      reader.close();
    });

    const batches: WatchChangeBatch[] = [];
    let snapshotRevision = -1;
    const handle = reader.watch({
      onSnapshot: (s) => {
        snapshotRevision = s.revision;
      },
      onChanges: (b) => {
        batches.push(b);
      },
      backoff: { baseMs: 100, maxMs: 1_000, jitter: 0.1 },
      heartbeatTimeoutMs: 4_000,
    });
    await expect.poll(() => snapshotRevision, { timeout: 10_000 }).toBeGreaterThanOrEqual(0);
    await expect.poll(() => watchStreams(r0)).toBe(1);

    let last = 0;
    const storm = async (from: number, count: number) => {
      for (let i = from; i < from + count; i++) last = (await writer.publish({ kind: "export", records: exportsOf("writer", 1 + (i % 5), i) })).revision;
    };
    await storm(0, 10);
    await expect.poll(() => handle.revision, { timeout: 10_000 }).toBe(last);

    if (r0.child) await stopProcess(r0.child, "SIGKILL");
    await storm(10, 10);
    await expect.poll(() => handle.revision, { timeout: 20_000 }).toBe(last);
    expect(await watchStreams(r1)).toBe(1);

    await etcd.kill(2);
    await storm(20, 10);
    await writer.publish({ kind: "endpoint", records: [endpointOf("writer")] }).then((r) => (last = r.revision));
    await expect.poll(() => handle.revision, { timeout: 20_000 }).toBe(last);
    // A join still works with one etcd member down.
    await join1("late", r1.grpcPort);

    const revisions = batches.map((b) => b.revision);
    expect(revisions).toEqual(Array.from({ length: last - snapshotRevision }, (_, i) => snapshotRevision + 1 + i));
    await handle.stop();
  }, 120_000);

  it("evicting a cluster through one replica refuses its certificate on another and ends its watch there within 2 s", async () => {
    const [, r1, r2] = replicas as [Replica, Replica, Replica];
    const caPem = await readFile(join(r1.dir, adminFiles.ca), "utf8");
    const adminOn = (port: number): AdminClient =>
      createAdminClient({ address: `127.0.0.1:${port}`, caPem, certPem: adminCert, keyPem: adminKey });
    const adminCert = await readFile(join(r1.dir, adminFiles.cert), "utf8");
    const adminKey = await readFile(join(r1.dir, adminFiles.key), "utf8");
    const admin = adminOn(r1.grpcPort);
    closers.push(() => {
      admin.close();
    });
    const { token } = await admin.createToken({ ttlSeconds: 600, maxUses: 1, description: "victim" });
    const creds = await joinBroker({ address: `127.0.0.1:${r2.grpcPort}`, caPem, token, clusterId: "victim" });
    const victim: BrokerClient = createBrokerClient({ address: `127.0.0.1:${r2.grpcPort}`, ...creds });
    closers.push(() => {
      victim.close();
    });
    await victim.publish({ kind: "endpoint", records: [endpointOf("victim")] });
    let snapshot = false;
    const handle = victim.watch({
      onSnapshot: () => {
        snapshot = true;
      },
      onChanges: () => undefined,
    });
    await expect.poll(() => snapshot, { timeout: 10_000 }).toBe(true);

    let ended: number | undefined;
    handle.done.catch((err: unknown) => {
      ended = (err as { grpcCode?: number }).grpcCode;
    });
    await admin.evictCluster({ id: "victim" });
    // r2 learns of the revocation from etcd's feed, not from its 5 s reread (which never ended streams).
    await expect.poll(() => ended, { timeout: 2_000, interval: 50 }).toBe(16);
    const refused = async (): Promise<number | undefined> => {
      try {
        await victim.publish({ kind: "endpoint", records: [endpointOf("victim")] });
        return undefined;
      } catch (err) {
        return (err as { grpcCode?: number }).grpcCode;
      }
    };
    await expect.poll(refused, { timeout: 2_000, interval: 100 }).toBe(16);
  }, 60_000);
});
