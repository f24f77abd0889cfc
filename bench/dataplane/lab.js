// Data-plane benchmark through the real gateway agents of a joined lab (issue #21): what users
// run. On the running lab (`isthmus lab up`), with a broker on the WAN and deploy/gateway in
// both clusters (the gateway suite's fixture), for each cable driver (wireguard, then vxlan):
//   - bare tunnel: iperf3 from c1's active gateway node to c2's gateway tunnel address (the
//     same tunnel and the same binary, no pods, no route agent),
//   - pod to pod, both pods on the gateway nodes (n1): client pod in c1 to an iperf3 pod in c2,
//   - pod to pod across the route agents: pods on the non-gateway nodes (n2), one VXLAN hop to
//     the gateway on each side,
//   - the reference: a bare kernel VXLAN tunnel the benchmark makes between the same two gateway
//     nodes over the same WAN (the "bare VXLAN between the same gateways"), measured
//     during either cable's deployment.
// Single flows run in rounds, one flow per path in turn, so every round carries its own baseline
// (the machine is shared: measuring the paths one after the other once made a path look half
// as fast as it is); each path's figure is the median of --runs, and its ratios are paired: the
// median over rounds of (path / bare tunnel of that round) and (path / reference of that round).
// Then per path: 100 parallel TCP flows, 64-byte UDP packet rate, and a 50 MB transfer with
// don't-fragment set (iperf3 -n 50M --dont-fragment) that must arrive.
// Prints a table, writes bench/results/dataplane-lab.json. Needs root, a lab and a build.
//
// `--route-agent-mode always` deploys the route agents with `vx-isthmus` to the gateway node
// everywhere (the data path before ADR 0503's direct routing), to compare with the default
// (`cross-subnet`: directly to the gateway node on the nodes' shared LAN) in the same session.
//
//   node bench/dataplane/lab.js [--seconds 5] [--runs 3] [--driver wireguard|vxlan (default: both)]
//                               [--route-agent-mode cross-subnet|always (default: the agents' default)]
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { choiceArg, numberArg } from "../args.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const suite = join(repo, "e2e", "dist", "suites", "gateway");
const { startGatewayLab, workloadNamespace: ns } = await import(join(suite, "fixture.js"));
const { defaultLabStateDir } = await import("@isthmus/lab");
const { waitFor } = await import("@isthmus/lab/testing");

const seconds = numberArg("seconds", 5, { max: 30 });
const runs = numberArg("runs", 3, { max: 10 });
const driverArg = choiceArg("driver", ["wireguard", "vxlan"], undefined);
const drivers = driverArg === undefined ? ["wireguard", "vxlan"] : [driverArg];
const modeArg = choiceArg("route-agent-mode", ["cross-subnet", "always"], undefined);
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
/**
 * The reference tunnel: a plain kernel VXLAN device (`isthmus-bvx`, VNI 4242, UDP 4799, MTU 1450)
 * between the two gateway nodes' WAN addresses, with the benchmark range 198.18.254.0/30 inside.
 */
const [wan1, wan2] = ["c1", "c2"].map((id) => {
  const address = lab.plan.clusters.find((c) => c.id === id)?.nodes.find((n) => n.gateway)?.wan?.address;
  if (address === undefined) throw new Error(`cluster ${id} has no gateway node on the WAN`);
  return address;
});
const referenceVxlan = {
  far: "198.18.254.2",
  ends: [
    { target: "c1/c1-n1", local: wan1, remote: wan2, address: "198.18.254.1/30" },
    { target: "c2/c2-n1", local: wan2, remote: wan1, address: "198.18.254.2/30" },
  ],
  async create() {
    await this.remove();
    for (const e of this.ends) {
      await lab.exec(e.target, ["ip", "link", "add", "isthmus-bvx", "type", "vxlan", "id", "4242", "local", e.local, "remote", e.remote, "dstport", "4799"]);
      await lab.exec(e.target, ["ip", "link", "set", "isthmus-bvx", "mtu", "1450", "up"]);
      await lab.exec(e.target, ["ip", "addr", "add", e.address, "dev", "isthmus-bvx"]);
    }
  },
  async remove() {
    for (const e of this.ends) await lab.execResult(e.target, ["ip", "link", "del", "isthmus-bvx"]);
  },
};
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
  /** A path: where iperf3 runs from and the server address (and port) it talks to. */
  const path = (name, from, address, port = 5201) => ({ name, from, address, port });
  /** Extra figures of one path: 100 flows, 64-byte UDP rate, a 50 MB DF transfer. */
  const extras = async ({ from, address, port }) => {
    const to = ["-p", String(port)];
    const flows100Gbps = (await iperf(from, address, [...to, "-t", String(seconds), "-P", "100"])).end.sum_received.bits_per_second / 1e9;
    const udp = (await iperf(from, address, [...to, "-t", String(seconds), "-u", "-l", "64", "-b", "0"])).end.sum;
    const df = await iperf(from, address, [...to, "-n", "50M", "--dont-fragment"]);
    // TCP retransmits until every byte is acknowledged: a completed run means the path MTU and
    // the MSS clamp let full-size DF segments through (a black hole would stall it). iperf3 -n
    // sometimes sends one 128 KiB block more than asked (52,559,872 bytes seen): at least 50 MiB.
    return { flows100Gbps, udp64Kpps: (udp.packets - udp.lost_packets) / udp.seconds / 1000, df50MComplete: df.end.sum_sent.bytes >= 50 * 1024 * 1024, df50MSentBytes: df.end.sum_sent.bytes };
  };
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

  for (const driver of drivers) {
    console.error(`deploying the gateways with the ${driver} cable (load ${loadavg().map((l) => l.toFixed(2)).join(" ")})`);
    await lab.deploy(driver);
    if (modeArg !== undefined) {
      for (const cluster of ["c1", "c2"]) {
        await lab.kubectl(cluster, ["-n", "isthmus-system", "set", "env", "daemonset/isthmus-route-agent", `ISTHMUS_ROUTE_AGENT_VXLAN_MODE=${modeArg}`]);
        await lab.kubectl(cluster, ["-n", "isthmus-system", "rollout", "status", "daemonset/isthmus-route-agent", "--timeout=120s"]);
      }
    }
    const target = await ipOf("c2", "iperf-n2");
    await waitFor(`c1 -> c2 through the ${driver} gateways`, async () => (await lab.execResult(`c1/${ns}/client-n2`, ["ping", "-c", "1", "-W", "1", target])).code === 0 || undefined, { timeoutMs: 120_000, intervalMs: 500 });
    // c2's gateway publishes its endpoint a moment after the data path answers.
    const tunnelIp = await waitFor("c2-n1's endpoint at the broker", async () => {
      const c2 = await lab.admin.getCluster({ id: "c2" }).catch(() => undefined);
      return c2?.endpoints.find((e) => e.hostname === "c2-n1")?.healthCheckIp;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    // The reference: a bare kernel VXLAN tunnel of our own between the same two gateway nodes
    // over the same WAN, beside whichever cable runs, so every round has its own baseline.
    await referenceVxlan.create();
    // Servers on c2-n1: one bound to the cable's tunnel address, one to the reference's.
    const servers = [
      lab.execResult("c2/c2-n1", ["timeout", "900", "iperf3", "-s", "-B", tunnelIp, "-p", "5201"], { timeoutMs: 910_000 }),
      lab.execResult("c2/c2-n1", ["timeout", "900", "iperf3", "-s", "-B", referenceVxlan.far, "-p", "5202"], { timeoutMs: 910_000 }),
    ];
    await waitFor("iperf3 servers on c2-n1", async () => (await lab.exec("c2/c2-n1", ["ss", "-ltnH", "sport = :5201 or sport = :5202"])).trim().split("\n").length === 2 || undefined, { timeoutMs: 30_000, intervalMs: 200 });
    const paths = [
      path("bare tunnel (gateway node -> gateway node)", "c1/c1-n1", tunnelIp),
      path("pod -> pod, gateway nodes", `c1/${ns}/client-n1`, await ipOf("c2", "iperf-n1")),
      path("pod -> pod, via route agents", `c1/${ns}/client-n2`, await ipOf("c2", "iperf-n2")),
      path("reference: bare kernel VXLAN, same nodes", "c1/c1-n1", referenceVxlan.far, 5202),
    ];
    try {
      // Rounds: one flow over every path in turn, so that all paths of a round see the same load.
      const samples = paths.map(() => []);
      for (let r = 0; r < runs; r++) {
        for (const [k, p] of paths.entries()) samples[k].push((await iperf(p.from, p.address, ["-p", String(p.port), "-t", String(seconds)])).end.sum_received.bits_per_second / 1e9);
        console.error(`  round ${r + 1}/${runs} (load ${loadavg()[0].toFixed(2)}): ${samples.map((s) => s[r].toFixed(2)).join(" / ")} Gbit/s`);
      }
      const paired = (k, base) => median(samples[k].map((g, r) => g / samples[base][r]));
      for (const [k, p] of paths.entries()) {
        const row = {
          driver,
          routeAgentMode: modeArg ?? "default",
          path: p.name,
          gbps: median(samples[k]),
          samplesGbps: samples[k].map((g) => Number(g.toFixed(3))),
          pairedOfBare: paired(k, 0),
          pairedOfReferenceVxlan: paired(k, 3),
          ...(await extras(p)),
          loadavg: loadavg()[0],
        };
        console.error(`  ${driver} ${p.name}: ${row.gbps.toFixed(2)} Gbit/s (paired ${(100 * row.pairedOfBare).toFixed(0)} % of bare, ${(100 * row.pairedOfReferenceVxlan).toFixed(0)} % of reference VXLAN), 100 flows ${row.flows100Gbps.toFixed(2)}, 64 B UDP ${row.udp64Kpps.toFixed(0)} kpps, 50 MB DF ${row.df50MComplete ? "complete" : "INCOMPLETE"}`);
        rows.push(row);
      }
    } finally {
      // Only this benchmark's two servers (lab exec shares the host's PID namespace).
      for (const server of [`iperf3 -s -B ${tunnelIp} -p 5201`, `iperf3 -s -B ${referenceVxlan.far} -p 5202`]) await lab.execResult("c2/c2-n1", ["pkill", "-f", `^${server}$`]);
      await Promise.all(servers);
      await referenceVxlan.remove();
    }
    await lab.undeploy();
  }
} finally {
  for (const cluster of ["c1", "c2"]) await lab.kubectl(cluster, ["delete", "namespace", ns, "--ignore-not-found", "--wait=false"]).catch(() => "");
  await lab.stop();
}

const pad = (s, n) => String(s).padEnd(n);
const pct = (x) => (100 * x).toFixed(0);
console.log(`${pad("driver", 10)} ${pad("path", 42)} ${pad("Gbit/s", 7)} ${pad("% bare", 7)} ${pad("% ref vx", 9)} ${pad("100 flows", 10)} ${pad("64B kpps", 9)} 50 MB DF`);
for (const r of rows) console.log(`${pad(r.driver, 10)} ${pad(r.path, 42)} ${pad(r.gbps.toFixed(2), 7)} ${pad(pct(r.pairedOfBare), 7)} ${pad(pct(r.pairedOfReferenceVxlan), 9)} ${pad(r.flows100Gbps.toFixed(2), 10)} ${pad(r.udp64Kpps.toFixed(0), 9)} ${r.df50MComplete ? "complete" : "INCOMPLETE"}`);
console.log(`route agents: --vxlan-mode ${modeArg ?? "default (cross-subnet)"}`);
console.log("(% bare, % ref vx: medians over rounds of the path's flow / the bare cable's or the reference VXLAN's flow of the same round)");
const wgPod = rows.find((r) => r.driver === "wireguard" && r.path.includes("route agents"));
if (wgPod !== undefined) console.log(`wireguard pod -> pod (via route agents) is ${pct(wgPod.pairedOfReferenceVxlan)} % of the bare kernel VXLAN between the same gateway nodes (paired)`);
const results = join(repo, "bench", "results");
mkdirSync(results, { recursive: true });
writeFileSync(
  join(results, "dataplane-lab.json"),
  `${JSON.stringify({ date: new Date().toISOString(), durationS: (Date.now() - started) / 1000, machine: { cpus: cpus().length, kernel: readFileSync("/proc/sys/kernel/osrelease", "utf8").trim(), node: process.version }, loadavg: readFileSync("/proc/loadavg", "utf8").trim(), seconds, runs, rows }, null, 2)}\n`,
);
console.error(`wrote ${join(results, "dataplane-lab.json")}`);
