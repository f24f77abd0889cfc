// Broker benchmark (issue #5): N simulated clusters each publishing E exports, every cluster
// watching. Measures publish throughput while loading the catalog, the fan-out time from one
// publish until ALL watchers have it (p50/p99 over probes), the time for one watcher to take a
// full snapshot, and the broker's RSS — for the SQLite store and for etcd (three local members;
// the fan-out probes run again with one member killed, issue #22).
// The broker runs as its own process (the built entry), the clusters as gRPC clients in this
// process, all on loopback. Needs a build (`npx tsc -b`) and, for etcd, Debian's etcd-server.
//
// The watchers resume from the revision after the load (as agents do after a restart), so the
// fan-out probes measure change delivery, not 100 copies of a 100,000-record snapshot decoded
// by this one client process; the snapshot cost is measured once, separately. Then the broker is
// restarted under the full clusterset (issue #22): the time from its answering again until every
// watch has a new change, and its peak RSS while the 100 agents resume; on etcd the broker runs as
// two replicas, which are then also restarted one at a time (the agents move to the other).
//
//   node bench/broker/run.js [--clusters 100] [--exports 1000] [--probes 50] [--store sqlite|etcd|both]
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { choiceArg, numberArg } from "../args.js";
import { createAdminClient, createBrokerClient, joinBroker } from "@isthmus/core/brokerapi";

const repo = fileURLToPath(new URL("../../", import.meta.url));
if (!existsSync(join(repo, "broker/dist/main.js"))) {
  console.error("Build first: npx tsc -b");
  process.exit(1);
}
const { startEtcdCluster } = await import(join(repo, "broker/dist/testing/etcd-cluster.js"));

const clusters = numberArg("clusters", 100, { max: 10_000 });
const exportsPer = numberArg("exports", 1000, { max: 100_000 });
const probes = numberArg("probes", 50, { max: 10_000 });
const store = choiceArg("store", ["both", "sqlite", "etcd"], "both");
const stores = store === "both" ? ["sqlite", "etcd"] : [store];
const work = mkdtempSync(join(tmpdir(), "isthmus-bench-broker-"));
const children = [];
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
async function waitFor(what, check, ms = 30_000) {
  const until = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
function start(cmd, args) {
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "inherit"] });
  children.push(child);
  return child;
}
function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? "0");
  return { rssMb: Math.round(kb("VmRSS") / 1024), peakMb: Math.round(kb("VmHWM") / 1024) };
}
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const exportOf = (clusterId, i, ip = "10.96.0.10") => ({
  clusterId,
  namespace: `ns-${i % 10}`,
  name: `svc-${i}`,
  type: "ClusterSetIP",
  ports: [{ port: 80, protocol: "TCP" }],
  clusterIp: ip,
  createdAt: "2025-01-31T12:00:00.000Z",
});
async function pool(items, concurrency, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

async function runStore(store) {
  const dataDir = join(work, `broker-${store}`);
  mkdirSync(dataDir, { recursive: true });
  const grpcPort = await freePort();
  const httpPort = await freePort();
  // The broker tests' etcd cluster (3 members of Debian's etcd on loopback; ETCD_BINARY overrides).
  const etcd = store === "etcd" ? await startEtcdCluster(3) : undefined;
  const extra = etcd === undefined ? [] : ["--store", "etcd", "--etcd-endpoints", etcd.endpoints.join(",")];
  // SQLite: one broker. etcd: two replicas; the agents know both (a gRPC target with both
  // addresses, as a Service in front of the replicas would give them) and use the first.
  const replicas = [{ dir: dataDir, grpcPort, httpPort }];
  if (etcd !== undefined) replicas.push({ dir: join(work, `broker-${store}-2`), grpcPort: await freePort(), httpPort: await freePort() });
  const startReplica = async (r) => {
    r.process = start(process.execPath, [
      join(repo, "broker/dist/main.js"),
      "--data-dir", r.dir, "--listen", "127.0.0.1",
      "--grpc-port", String(r.grpcPort), "--http-port", String(r.httpPort),
      "--dashboard", "false", "--log-level", "warn", ...extra,
    ]);
    await waitFor(`broker replica ${r.dir}`, async () => (await fetch(`http://127.0.0.1:${r.httpPort}/readyz`)).ok, 120_000);
  };
  const stopReplica = async (r) => {
    r.process.kill("SIGTERM");
    await new Promise((resolve) => r.process.once("exit", resolve));
  };
  for (const r of replicas) await startReplica(r);
  const address = `127.0.0.1:${grpcPort}`;
  const agentTarget = replicas.length === 1 ? { address } : { address: `ipv4:${replicas.map((r) => `127.0.0.1:${r.grpcPort}`).join(",")}`, serverName: "localhost" };
  const caPem = readFileSync(join(dataDir, "ca.crt"), "utf8");
  const admin = createAdminClient({
    address, caPem,
    certPem: readFileSync(join(dataDir, "admin.crt"), "utf8"),
    keyPem: readFileSync(join(dataDir, "admin.key"), "utf8"),
  });
  const { token } = await admin.createToken({ ttlSeconds: 3600, maxUses: clusters, description: "bench" });
  const ids = Array.from({ length: clusters }, (_, i) => `bench-${i}`);
  const agents = [];
  await pool(ids, 10, async (id) => {
    const creds = await joinBroker({ address, caPem, token, clusterId: id, timeoutMs: 30_000 });
    agents.push({ id, client: createBrokerClient({ ...agentTarget, caPem, certPem: creds.certPem, keyPem: creds.keyPem, timeoutMs: 60_000 }) });
  });

  // Load: every cluster publishes its exports (10 at a time).
  const loadStart = performance.now();
  await pool(agents, 10, async (a) => {
    await a.client.publish({ kind: "export", records: Array.from({ length: exportsPer }, (_, i) => exportOf(a.id, i)) });
  });
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const afterLoad = rssOf(replicas[0].process.pid);

  // One full snapshot of the catalog.
  const snapStart = performance.now();
  let snapshotRecords = 0;
  const snapWatch = agents[0].client.watch({ kinds: ["export"], onSnapshot: (s) => { snapshotRecords = s.records.length; }, onChanges: () => undefined });
  await waitFor("snapshot", async () => snapshotRecords > 0, 120_000);
  const snapshotSeconds = (performance.now() - snapStart) / 1000;
  await snapWatch.stop();

  // Every cluster watches, resuming from the current revision.
  const info = await admin.getBrokerInfo({});
  const arrivals = new Map();
  const watches = agents.map((a) =>
    a.client.watch({
      kinds: ["export"],
      sinceRevision: info.revision,
      onSnapshot: () => undefined,
      onChanges: (b) => {
        const now = performance.now();
        let list = arrivals.get(b.revision);
        if (!list) arrivals.set(b.revision, (list = []));
        list.push(now);
      },
    }),
  );
  await waitFor("all watchers connected", async () => watches.every((w) => w.connected) || (await sleep(200), false), 60_000).catch(() => undefined);
  await sleep(500);

  // Server-side Publish latency (sum and count of the RPC histogram), to split probe time.
  const publishStats = async () => {
    const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    const num = (name) => Number(new RegExp(`^${name}\\{method="Publish"\\} ([0-9.e+-]+)$`, "m").exec(text)?.[1] ?? "0");
    return { sum: num("isthmus_broker_rpc_duration_seconds_sum"), count: num("isthmus_broker_rpc_duration_seconds_count") };
  };
  const beforeProbes = await publishStats();

  // Probes: one cluster changes one export; time until all watchers have the change.
  const runProbes = async (round) => {
    const fanout = [];
    const publishMs = [];
    for (let p = 0; p < probes; p++) {
      const a = agents[p % agents.length];
      const records = Array.from({ length: exportsPer }, (_, i) => exportOf(a.id, i, i === p % exportsPer ? `10.${97 + round}.${p >> 8}.${p & 255}` : "10.96.0.10"));
      const t0 = performance.now();
      const res = await a.client.publish({ kind: "export", records });
      publishMs.push(performance.now() - t0);
      await waitFor(`probe ${p} delivered`, async () => (arrivals.get(res.revision)?.length ?? 0) >= agents.length, 30_000);
      fanout.push(Math.max(...arrivals.get(res.revision)) - t0);
      arrivals.delete(res.revision);
    }
    return { inOrder: [...fanout], fanout: fanout.sort((x, y) => x - y), publishMs: publishMs.sort((x, y) => x - y) };
  };
  const { fanout, publishMs } = await runProbes(0);
  const afterProbes = rssOf(replicas[0].process.pid);
  const probeStats = await publishStats();

  // Restart: the broker (every replica) stops (SIGTERM) and starts again on the same data and
  // ports while every cluster keeps its watch open; the agents reconnect by themselves. Resume
  // time: from the first replica answering /readyz until every watcher has a change committed
  // after the restart.
  for (const r of replicas) await stopReplica(r);
  await waitFor("every watch to notice", async () => watches.every((w) => !w.connected), 60_000).catch(() => undefined);
  await startReplica(replicas[0]);
  const answered = performance.now();
  const mover = agents[0];
  let moves = 0;
  const move = async () => {
    moves += 1;
    const res = await mover.client.publish({ kind: "export", records: Array.from({ length: exportsPer }, (_, i) => exportOf(mover.id, i, i === 0 ? `10.99.0.${moves}` : "10.96.0.10")) });
    await waitFor("every watch current", async () => (arrivals.get(res.revision)?.length ?? 0) >= agents.length, 120_000);
  };
  await move();
  const resumeSeconds = (performance.now() - answered) / 1000;
  const afterResume = rssOf(replicas[0].process.pid);
  for (const r of replicas.slice(1)) await startReplica(r);
  // etcd: one replica at a time stops and comes back; its agents move to the other. Time from
  // the stop until every watch has a change committed after it.
  const rolling = [];
  if (replicas.length > 1) {
    for (const r of replicas) {
      const stopped = performance.now();
      await stopReplica(r);
      await move();
      rolling.push((performance.now() - stopped) / 1000);
      await startReplica(r);
    }
  }
  const probeServerMeanMs = ((probeStats.sum - beforeProbes.sum) / Math.max(1, probeStats.count - beforeProbes.count)) * 1000;
  // etcd: the leader killed (SIGKILL; the worst member to lose), the same probes again, all
  // agents still watching.
  let memberDown;
  let memberDownInOrder;
  let leaderLossMs;
  if (etcd !== undefined) {
    const status = async (url) => (await fetch(`${url}/v3/maintenance/status`, { method: "POST", body: "{}" })).json();
    const leader = (await status(etcd.endpoints[0])).leader;
    let index = 0;
    for (let i = 0; i < etcd.endpoints.length; i++) if ((await status(etcd.endpoints[i])).header.member_id === leader) index = i;
    await etcd.kill(index);
    // The first write after the leader's death waits for the election (etcd holds a proposal up
    // to its request timeout, 5 s + 2 x the election timeout, when it has no leader): reported
    // on its own; the probes then measure the clusterset running on two members.
    const a = agents[0];
    const t0 = performance.now();
    const res = await a.client.publish({ kind: "export", records: Array.from({ length: exportsPer }, (_, i) => exportOf(a.id, i, i === 0 ? "10.100.0.1" : "10.96.0.10")) });
    await waitFor("the first write after the leader's death delivered", async () => (arrivals.get(res.revision)?.length ?? 0) >= agents.length, 60_000);
    leaderLossMs = performance.now() - t0;
    ({ fanout: memberDown, inOrder: memberDownInOrder } = await runProbes(1));
  }

  for (const w of watches) await w.stop();
  for (const a of agents) a.client.close();
  admin.close();
  for (const r of replicas) await stopReplica(r);
  await etcd?.close();
  const result = {
    store,
    clusters,
    exportsPerCluster: exportsPer,
    totalExports: clusters * exportsPer,
    loadSeconds: Number(loadSeconds.toFixed(2)),
    publishesPerSecond: Number((clusters / loadSeconds).toFixed(1)),
    exportsPerSecond: Math.round((clusters * exportsPer) / loadSeconds),
    snapshotRecords,
    snapshotSeconds: Number(snapshotSeconds.toFixed(2)),
    probes,
    fanoutP50Ms: Number(percentile(fanout, 50).toFixed(1)),
    fanoutP99Ms: Number(percentile(fanout, 99).toFixed(1)),
    fanoutMaxMs: Number(fanout[fanout.length - 1].toFixed(1)),
    firstWriteAfterLeaderLossMs: leaderLossMs === undefined ? "-" : Math.round(leaderLossMs),
    fanoutP50MemberDownMs: memberDown === undefined ? "-" : Number(percentile(memberDown, 50).toFixed(1)),
    fanoutP99MemberDownMs: memberDown === undefined ? "-" : Number(percentile(memberDown, 99).toFixed(1)),
    fanoutMemberDownInOrderMs: memberDownInOrder?.map((x) => Math.round(x)),
    probePublishP50Ms: Number(percentile(publishMs, 50).toFixed(1)),
    probePublishServerMeanMs: Number(probeServerMeanMs.toFixed(1)),
    rssAfterLoadMb: afterLoad.rssMb,
    rssAfterProbesMb: afterProbes.rssMb,
    rssPeakMb: afterProbes.peakMb,
    resumeAfterRestartSeconds: Number(resumeSeconds.toFixed(2)),
    rollingRestartWorstSeconds: rolling.length === 0 ? "-" : Number(Math.max(...rolling).toFixed(2)),
    rssPeakAfterRestartMb: afterResume.peakMb,
  };
  return result;
}

const results = [];
for (const store of stores) {
  console.error(`running ${store}...`);
  results.push(await runStore(store));
}
const cols = ["store", "totalExports", "exportsPerSecond", "publishesPerSecond", "snapshotSeconds", "fanoutP50Ms", "fanoutP99Ms", "fanoutMaxMs", "firstWriteAfterLeaderLossMs", "fanoutP50MemberDownMs", "fanoutP99MemberDownMs", "probePublishP50Ms", "probePublishServerMeanMs", "rssAfterLoadMb", "rssPeakMb", "resumeAfterRestartSeconds", "rollingRestartWorstSeconds", "rssPeakAfterRestartMb"];
console.log(cols.join("\t"));
for (const r of results) console.log(cols.map((c) => r[c]).join("\t"));
mkdirSync(join(repo, "bench/results"), { recursive: true });
writeFileSync(join(repo, "bench/results/broker.json"), `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
console.error("wrote bench/results/broker.json");
// Child processes (etcd) keep the event loop alive: stop them so that the script ends.
for (const child of children) child.kill("SIGKILL");
