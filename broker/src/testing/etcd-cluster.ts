import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, spawnQuiet, stopProcess, waitUntil } from "./processes.js";

/** A real etcd cluster of Debian's `etcd` on loopback, in a temp dir. */
export interface EtcdCluster {
  /** Client URLs, one per member. */
  readonly endpoints: readonly string[];
  /** Kills member `i` (SIGKILL). */
  kill(i: number): Promise<void>;
  /** Restarts member `i` on its data dir and waits until it is healthy. */
  restart(i: number): Promise<void>;
  /** Stops every member and removes the data. */
  close(): Promise<void>;
}

const etcdBinary = process.env.ETCD_BINARY ?? "/usr/bin/etcd";

/** Starts `size` members and waits until all report healthy. */
export async function startEtcdCluster(size = 3): Promise<EtcdCluster> {
  const dir = await mkdtemp(join(tmpdir(), "isthmus-etcd-"));
  const members = await Promise.all(
    Array.from({ length: size }, async (_, i) => ({ name: `m${i}`, client: await freePort(), peer: await freePort(), child: undefined as ChildProcess | undefined })),
  );
  const initial = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(",");
  const start = (i: number): void => {
    const m = members[i];
    if (m === undefined) throw new Error(`No etcd member ${i}`);
    m.child = spawnQuiet(etcdBinary, [
      "--name", m.name,
      "--data-dir", join(dir, m.name),
      "--listen-client-urls", `http://127.0.0.1:${m.client}`,
      "--advertise-client-urls", `http://127.0.0.1:${m.client}`,
      "--listen-peer-urls", `http://127.0.0.1:${m.peer}`,
      "--initial-advertise-peer-urls", `http://127.0.0.1:${m.peer}`,
      "--initial-cluster", initial,
      "--initial-cluster-state", "new",
      "--initial-cluster-token", "isthmus-test",
      "--max-request-bytes", String(32 * 1024 * 1024),
      "--logger", "zap",
      "--log-level", "error",
    ]);
  };
  const healthy = (i: number) => async (): Promise<boolean> => {
    const res = await fetch(`http://127.0.0.1:${members[i]?.client ?? 0}/health`);
    return res.ok && ((await res.json()) as { health?: string }).health === "true";
  };
  for (let i = 0; i < size; i++) start(i);
  try {
    for (let i = 0; i < size; i++) await waitUntil(`etcd member ${i} healthy`, healthy(i), 30_000);
  } catch (err) {
    for (const m of members) if (m.child) await stopProcess(m.child, "SIGKILL");
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    endpoints: members.map((m) => `http://127.0.0.1:${m.client}`),
    async kill(i) {
      const child = members[i]?.child;
      if (child) await stopProcess(child, "SIGKILL");
    },
    async restart(i) {
      start(i);
      await waitUntil(`etcd member ${i} healthy`, healthy(i), 30_000);
    },
    async close() {
      for (const m of members) if (m.child) await stopProcess(m.child, "SIGKILL");
      await rm(dir, { recursive: true, force: true });
    },
  };
}
