// Data-plane benchmark through the real gateway agents of a joined lab (issue #21): what users
// run. On the running lab (`isthmus lab up`), with a broker on the WAN and deploy/gateway in
// both clusters (the gateway suite's fixture), for each cable driver (wireguard, then vxlan):
//   - bare tunnel: iperf3 from c1's active gateway node to c2's gateway tunnel address (the
//     same tunnel and the same binary, no pods, no route agent),
//   - pod to pod, both pods on the gateway nodes (n1): client pod in c1 to an iperf3 pod in c2,
//   - pod to pod across the route agents: pods on the non-gateway nodes (n2), one VXLAN hop to
//     the gateway on each side.
// Each path: one TCP flow (median of --runs), 100 parallel TCP flows, 64-byte UDP packet rate,
// and a 50 MB transfer with don't-fragment set (iperf3 -n 50M --dont-fragment) that must arrive.
// Prints a table, writes bench/results/dataplane-lab.json. Needs root, a lab and a build.
//
//   node bench/dataplane/lab.js [--seconds 5] [--runs 3]
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const suite = join(repo, "e2e", "dist", "suites", "gateway");
const { startGatewayLab, workloadNamespace: ns } = await import(join(suite, "fixture.js"));
const { defaultLabStateDir } = await import("@isthmus/lab");
const { waitFor } = await import("@isthmus/lab/testing");

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const seconds = Math.min(arg("seconds", 5), 30);
const runs = Math.min(arg("runs", 3), 10);
if (process.getuid() !== 0) throw new Error("bench/dataplane/lab.js needs root (the lab)");

// Count as a user of the shared lab, so that a test run finishing meanwhile leaves it up.
const usersDir = join(defaultLabStateDir, "users");
mkdirSync(usersDir, { recursive: true });
writeFileSync(join(usersDir, String(process.pid)), "");
process.on("exit", () => rmSync(join(usersDir, String(process.pid)), { force: true }));

/** Client and iperf3 server pods on node `<cluster>-<node>`, named by node. */
const pods = (cluster, node) => ({
  apiVersion: "v1",
  kind: "List",
  items: [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
    { apiVersion: "v1", kind: "Pod", metadata: { name: `client-${node}`, namespace: ns }, spec: { nodeName: `${cluster}-${node}`, containers: [{ name: "client", image: "lab/client" }] } },
    { apiVersion: "v1", kind: "Pod", metadata: { name: `iperf-${node}`, namespace: ns }, spec: { nodeName: `${cluster}-${node}`, containers: [{ name: "iperf", image: "lab/iperf3" }] } },
  ],
});

const lab = await startGatewayLab();
const rows = [];
const started = Date.now();
try {
  for (const cluster of ["c1", "c2"]) await lab.kubectl(cluster, ["delete", "namespace", ns, "--ignore-not-found", "--wait=true", "--timeout=120s"]);
  for (const cluster of ["c1", "c2"]) {
    for (const node of ["n1", "n2"]) await lab.kubectl(cluster, ["apply", "-f", "-"], JSON.stringify(pods(cluster, node)));
    await lab.kubectl(cluster, ["-n", ns, "wait", "pod", "--all", "--for=condition=Ready", "--timeout=180s"]);
  }
  const ipOf = async (cluster, pod) => (await lab.kubectl(cluster, ["-n", ns, "get", "pod", pod, "-o", "jsonpath={.status.podIP}"])).trim();

  /** iperf3 from `from` (a lab exec target) to `address` (a server already listening); the JSON report. */
  const iperf = async (from, address, extra) => {
    const report = await waitFor(`iperf3 ${from} -> ${address}`, async () => {
      const r = await lab.execResult(from, ["iperf3", "-c", address, "-J", "--connect-timeout", "3000", ...extra], { timeoutMs: (seconds + 60) * 1000 });
      const json = JSON.parse(r.stdout || "{}");
      // The server still finishing the previous test answers "busy": try again.
      if (json.error !== undefined && /busy/.test(json.error)) return undefined;
      if (json.error !== undefined || r.code !== 0) throw new Error(`iperf3 ${from} -> ${address} failed: ${json.error ?? r.stderr}`);
      return json;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    return report;
  };
  const measure = async (driver, path, from, address) => {
    const samples = [];
    for (let i = 0; i < runs; i++) samples.push((await iperf(from, address, ["-t", String(seconds)])).end.sum_received.bits_per_second / 1e9);
    const sorted = [...samples].sort((a, b) => a - b);
    const flows100Gbps = (await iperf(from, address, ["-t", String(seconds), "-P", "100"])).end.sum_received.bits_per_second / 1e9;
    const udp = (await iperf(from, address, ["-t", String(seconds), "-u", "-l", "64", "-b", "0"])).end.sum;
    const df = await iperf(from, address, ["-n", "50M", "--dont-fragment"]);
    const row = {
      driver,
      path,
      gbps: sorted[Math.floor(sorted.length / 2)],
      samplesGbps: samples.map((g) => Number(g.toFixed(3))),
      flows100Gbps,
      udp64Kpps: (udp.packets - udp.lost_packets) / udp.seconds / 1000,
      // TCP retransmits until every byte is acknowledged: a completed run means the path MTU and
      // the MSS clamp let full-size DF segments through (a black hole would stall it).
      df50MComplete: df.end.sum_sent.bytes === 50 * 1024 * 1024,
      loadavg: loadavg()[0],
    };
    console.error(`  ${driver} ${path}: ${row.gbps.toFixed(2)} Gbit/s, 100 flows ${flows100Gbps.toFixed(2)}, 64 B UDP ${row.udp64Kpps.toFixed(0)} kpps, 50 MB DF ${row.df50MComplete ? "complete" : "INCOMPLETE"}`);
    rows.push(row);
  };

  for (const driver of ["wireguard", "vxlan"]) {
    console.error(`deploying the gateways with the ${driver} cable (load ${loadavg().map((l) => l.toFixed(2)).join(" ")})`);
    await lab.deploy(driver);
    const target = await ipOf("c2", "iperf-n2");
    await waitFor(`c1 -> c2 through the ${driver} gateways`, async () => (await lab.execResult(`c1/${ns}/client-n2`, ["ping", "-c", "1", "-W", "1", target])).code === 0 || undefined, { timeoutMs: 120_000, intervalMs: 500 });
    const c2 = await lab.admin.getCluster({ id: "c2" });
    const tunnelIp = c2.endpoints.find((e) => e.hostname === "c2-n1")?.healthCheckIp;
    if (tunnelIp === undefined) throw new Error("c2-n1 has published no endpoint");
    // The bare tunnel: a server on c2's gateway node bound to its tunnel address.
    const server = lab.execResult("c2/c2-n1", ["timeout", String(runs * (seconds + 60) + 240), "iperf3", "-s", "-B", tunnelIp]);
    await waitFor("iperf3 on c2-n1", async () => (await lab.exec("c2/c2-n1", ["ss", "-ltnH", "sport = :5201"])).trim() !== "" || undefined, { timeoutMs: 30_000, intervalMs: 200 });
    try {
      await measure(driver, "bare tunnel (gateway node -> gateway node)", "c1/c1-n1", tunnelIp);
    } finally {
      await lab.exec("c2/c2-n1", ["pkill", "-f", `iperf3 -s -B ${tunnelIp}`]).catch(() => "");
      await server;
    }
    await measure(driver, "pod -> pod, gateway nodes", `c1/${ns}/client-n1`, await ipOf("c2", "iperf-n1"));
    await measure(driver, "pod -> pod, via route agents", `c1/${ns}/client-n2`, await ipOf("c2", "iperf-n2"));
    await lab.undeploy();
  }
} finally {
  for (const cluster of ["c1", "c2"]) await lab.kubectl(cluster, ["delete", "namespace", ns, "--ignore-not-found", "--wait=false"]).catch(() => "");
  await lab.stop();
}

const pad = (s, n) => String(s).padEnd(n);
console.log(`${pad("driver", 10)} ${pad("path", 44)} ${pad("Gbit/s", 7)} ${pad("% bare", 7)} ${pad("100 flows", 10)} ${pad("64B kpps", 9)} 50 MB DF`);
for (const r of rows) {
  const bare = rows.find((b) => b.driver === r.driver && b.path.startsWith("bare"));
  r.pctOfBareTunnel = (100 * r.gbps) / bare.gbps;
  console.log(`${pad(r.driver, 10)} ${pad(r.path, 44)} ${pad(r.gbps.toFixed(2), 7)} ${pad(r.pctOfBareTunnel.toFixed(0), 7)} ${pad(r.flows100Gbps.toFixed(2), 10)} ${pad(r.udp64Kpps.toFixed(0), 9)} ${r.df50MComplete ? "complete" : "INCOMPLETE"}`);
}
const wgPod = rows.find((r) => r.driver === "wireguard" && r.path.includes("route agents"));
const vxBare = rows.find((r) => r.driver === "vxlan" && r.path.startsWith("bare"));
if (wgPod !== undefined && vxBare !== undefined) console.log(`wireguard pod -> pod (via route agents) is ${((100 * wgPod.gbps) / vxBare.gbps).toFixed(0)} % of the bare vxlan tunnel`);
const results = join(repo, "bench", "results");
mkdirSync(results, { recursive: true });
writeFileSync(
  join(results, "dataplane-lab.json"),
  `${JSON.stringify({ date: new Date().toISOString(), durationS: (Date.now() - started) / 1000, machine: { cpus: cpus().length, kernel: readFileSync("/proc/sys/kernel/osrelease", "utf8").trim(), node: process.version }, loadavg: readFileSync("/proc/loadavg", "utf8").trim(), seconds, runs, rows }, null, 2)}\n`,
);
console.error(`wrote ${join(results, "dataplane-lab.json")}`);
