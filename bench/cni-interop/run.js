// CNI interop benchmark (issue #18): cross-cluster pod-to-pod TCP throughput from a pod on a
// flannel cluster vs from a pod on an isthmus-cni cluster, in the same run, to the same iperf3
// server pod. On the interop suite's own lab (e2e/src/suites/cni-interop/lab.ts: c1 isthmus-cni,
// c2 flannel, c3 the reference bridge with its ipMasq), brought up if it is not, with the real
// gateway and route agents and a broker on the WAN (the gateway suites' fixture). Every pod sits on its cluster's
// non-gateway node (n2), so both paths take the route agent's hop to the gateway, the cable, and
// the reference network's hop on c3. Flows run in rounds (c1's then c2's, one flow at a time),
// each path's figure is the median of --runs, and the ratio is paired: the median over rounds of
// (flannel flow / isthmus-cni flow of the same round). Target ≥ 95 %.
// Prints a table, writes bench/results/cni-interop.json. Takes the lab down at the end unless
// --keep. Needs root and a build (`npx tsc -b`).
//
//   node bench/cni-interop/run.js [--seconds 5] [--runs 5] [--driver wireguard|vxlan (default: both)] [--keep]
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { choiceArg, numberArg } from "../args.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const suites = join(repo, "e2e", "dist", "suites");
const { startGatewayLab, workloadNamespace: ns } = await import(join(suites, "gateway", "fixture.js"));
const { interopLabLocation, interopLabOptions } = await import(join(suites, "cni-interop", "lab.js"));
const { labDown, labUp } = await import("@isthmus/lab");
const { waitFor } = await import("@isthmus/lab/testing");

const seconds = numberArg("seconds", 5, { max: 30 });
const runs = numberArg("runs", 5, { max: 15 });
const driverArg = choiceArg("driver", ["wireguard", "vxlan"], undefined);
const drivers = driverArg === undefined ? ["wireguard", "vxlan"] : [driverArg];
const keep = process.argv.includes("--keep");
if (process.getuid() !== 0) throw new Error("bench/cni-interop needs root (the lab)");

const pod = (cluster, name, image) => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns }, spec: { nodeName: `${cluster}-n2`, containers: [{ name, image }] } });
const manifests = (cluster) => ({
  apiVersion: "v1",
  kind: "List",
  items: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }, cluster === "c3" ? pod(cluster, "iperf", "lab/iperf3") : pod(cluster, "client", "lab/client")],
});
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

await labUp(interopLabOptions, { onProgress: (line) => process.stderr.write(`[interop lab] ${line}\n`) });
const lab = await startGatewayLab(interopLabLocation);
const rows = [];
const started = Date.now();
try {
  for (const cluster of ["c1", "c2", "c3"]) await lab.kubectl(cluster, ["delete", "namespace", ns, "--ignore-not-found", "--wait=true", "--timeout=120s"]);
  for (const cluster of ["c1", "c2", "c3"]) await lab.kubectl(cluster, ["apply", "-f", "-"], JSON.stringify(manifests(cluster)));
  for (const cluster of ["c1", "c2", "c3"]) await lab.kubectl(cluster, ["-n", ns, "wait", "pod", "--all", "--for=condition=Ready", "--timeout=180s"]);
  const server = (await lab.kubectl("c3", ["-n", ns, "get", "pod", "iperf", "-o", "jsonpath={.status.podIP}"])).trim();
  const iperf = async (from) =>
    waitFor(`iperf3 ${from} -> ${server}`, async () => {
      const r = await lab.execResult(from, ["iperf3", "-c", server, "-J", "--connect-timeout", "3000", "-t", String(seconds)], { timeoutMs: (seconds + 60) * 1000 });
      const json = JSON.parse(r.stdout || "{}");
      // The server still finishing the previous test answers "busy": try again.
      if (json.error !== undefined && /busy/.test(json.error)) return undefined;
      if (json.error !== undefined || r.code !== 0) throw new Error(`iperf3 ${from} -> ${server} failed: ${json.error ?? r.stderr}`);
      return json.end.sum_received.bits_per_second / 1e9;
    }, { timeoutMs: 60_000, intervalMs: 500 });
  const sources = [
    { cluster: "c1", cni: "isthmus-cni", from: `c1/${ns}/client` },
    { cluster: "c2", cni: "flannel", from: `c2/${ns}/client` },
  ];
  for (const driver of drivers) {
    process.stderr.write(`deploying the gateways with the ${driver} cable (load ${loadavg().map((l) => l.toFixed(2)).join(" ")})\n`);
    await lab.deploy(driver);
    for (const s of sources) {
      await waitFor(`${s.cluster} -> c3 through the ${driver} gateways`, async () => (await lab.execResult(s.from, ["ping", "-c", "1", "-W", "1", server])).code === 0 || undefined, { timeoutMs: 120_000, intervalMs: 500 });
    }
    const samples = sources.map(() => []);
    for (let r = 0; r < runs; r++) {
      for (const [k, s] of sources.entries()) samples[k].push(await iperf(s.from));
      process.stderr.write(`  ${driver} round ${r + 1}/${runs} (load ${loadavg()[0].toFixed(2)}): isthmus-cni ${samples[0][r].toFixed(3)}, flannel ${samples[1][r].toFixed(3)} Gbit/s\n`);
    }
    const paired = median(samples[1].map((g, r) => g / samples[0][r]));
    for (const [k, s] of sources.entries()) {
      rows.push({ driver, source: `${s.cluster} (${s.cni})`, gbps: median(samples[k]), samplesGbps: samples[k].map((g) => Number(g.toFixed(3))), pairedOfIsthmusCni: k === 0 ? 1 : paired, loadavg: loadavg()[0] });
    }
    await lab.undeploy();
  }
} finally {
  for (const cluster of ["c1", "c2", "c3"]) await lab.kubectl(cluster, ["delete", "namespace", ns, "--ignore-not-found", "--wait=false"]).catch(() => "");
  await lab.stop();
  if (!keep) await labDown(interopLabLocation);
}

const pad = (s, n) => String(s).padEnd(n);
console.log(`${pad("driver", 10)} ${pad("source pod (to c3's reference-CNI pod)", 40)} ${pad("Gbit/s", 7)} % of isthmus-cni (paired)`);
for (const r of rows) console.log(`${pad(r.driver, 10)} ${pad(r.source, 40)} ${pad(r.gbps.toFixed(3), 7)} ${(100 * r.pairedOfIsthmusCni).toFixed(0)}`);
console.log("(paired: median over rounds of the flannel flow / the isthmus-cni flow of the same round; target ≥ 95 %)");
const results = join(repo, "bench", "results");
mkdirSync(results, { recursive: true });
writeFileSync(
  join(results, "cni-interop.json"),
  `${JSON.stringify({ date: new Date().toISOString(), durationS: (Date.now() - started) / 1000, machine: { cpus: cpus().length, kernel: readFileSync("/proc/sys/kernel/osrelease", "utf8").trim(), node: process.version }, loadavg: readFileSync("/proc/loadavg", "utf8").trim(), seconds, runs, rows }, null, 2)}\n`,
);
console.error(`wrote ${join(results, "cni-interop.json")}`);
