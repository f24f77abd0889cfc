// Failover benchmark (issue #6): the loss window of cross-cluster traffic when the active gateway
// of c1 loses its WAN link, over N failovers, on the running lab (`isthmus lab up`) with the real
// agents (deploy/gateway, a broker on the WAN, wireguard). c1 gets a second candidate (node 2 with
// a WAN link, see e2e/src/suites/gateway/failover.ts). A UDP probe from c2's client pod to c1's
// echo pod every --interval ms (default 20) measures the longest gap without answers; the same
// run first measures it with no fault (the baseline). Failovers alternate between the two
// candidates: each takes the active one's wan0 down, probes, then brings it back and waits until
// the standby is ready again. Prints a table, writes bench/results/failover.json.
// Needs root, a lab up and a build (`npx tsc -b`).
//
//   node bench/failover/run.js [--failovers 10] [--interval 20] [--seconds 6]
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { numberArg } from "../args.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const suite = join(repo, "e2e", "dist", "suites", "gateway");
const { startGatewayLab } = await import(join(suite, "fixture.js"));
const { deployWorkloads, podIp } = await import(join(suite, "workloads.js"));
const { addStandby, removeStandby, probeLoss, waitForStandby, leaseHolder } = await import(join(suite, "failover.js"));
const { defaultLabStateDir } = await import("@isthmus/lab");

const failovers = numberArg("failovers", 10, { max: 50 });
const intervalMs = numberArg("interval", 20, { min: 5, max: 1000 });
const durationMs = numberArg("seconds", 6, { max: 30 }) * 1000;
if (process.getuid() !== 0) throw new Error("bench/failover needs root (the lab)");

const candidates = ["c1-n1", "c1-n2"];
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

// Count as a user of the shared lab (as the lab suites' global setup does), so a test run that
// finishes meanwhile does not take the lab down under the benchmark.
const usersDir = join(defaultLabStateDir, "users");
mkdirSync(usersDir, { recursive: true });
writeFileSync(join(usersDir, String(process.pid)), "");
process.on("exit", () => rmSync(join(usersDir, String(process.pid)), { force: true }));

const lab = await startGatewayLab();
const c1 = lab.plan.clusters[0];
const samples = [];
let baseline;
try {
  await deployWorkloads(lab, ["c1", "c2"]);
  await addStandby(lab, c1);
  await lab.deploy("wireguard");
  await waitForStandby(lab, candidates);
  const targetIp = await podIp(lab, "c1", "echo");
  baseline = await probeLoss(lab, "c2", { targetIp, intervalMs, durationMs, tail: 50, during: async () => undefined });
  process.stderr.write(`baseline (no fault): loss window ${baseline.maxGapMs} ms, ${baseline.answered}/${baseline.sent} answered\n`);
  for (let i = 0; i < failovers; i++) {
    const active = await waitForStandby(lab, candidates);
    const node = `c1/${active}`;
    const result = await probeLoss(lab, "c2", {
      targetIp, intervalMs, durationMs, tail: 50,
      during: async () => { await lab.exec(node, ["ip", "link", "set", "wan0", "down"]); },
    });
    await lab.exec(node, ["ip", "link", "set", "wan0", "up"]);
    const holder = await leaseHolder(lab, "c1");
    samples.push({ from: active, to: holder, ...result });
    process.stderr.write(`failover ${i + 1}/${failovers}: ${active} -> ${holder}: loss window ${result.maxGapMs} ms, ${result.answered}/${result.sent} answered, last 50: ${result.tailAnswered}\n`);
  }
} finally {
  await removeStandby(lab, c1);
  await lab.stop();
}

const windows = samples.map((s) => s.maxGapMs);
const summary = {
  failovers: samples.length,
  probeIntervalMs: intervalMs,
  baselineWindowMs: baseline?.maxGapMs,
  p50Ms: percentile(windows, 50),
  maxMs: Math.max(...windows),
  allResumed: samples.every((s) => s.tailAnswered >= 49),
  leaseMovedEveryTime: samples.every((s) => s.to !== s.from),
};
console.log("\nGateway failover (WAN link of the active gateway down), wireguard, lab c1 <- c2");
console.log(`probe every ${intervalMs} ms      baseline window ${summary.baselineWindowMs} ms`);
console.log(`failovers ${summary.failovers}   loss window p50 ${summary.p50Ms} ms   max ${summary.maxMs} ms   resumed ${summary.allResumed}   lease moved ${summary.leaseMovedEveryTime}`);
mkdirSync(join(repo, "bench", "results"), { recursive: true });
writeFileSync(join(repo, "bench", "results", "failover.json"), `${JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, loadavg: loadavg(), summary, baseline, samples }, null, 2)}\n`);
