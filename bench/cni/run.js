// CNI benchmark (issue #4): ADD/DEL latency over 50 pods and pod-to-pod throughput across two
// nodes, isthmus-cni side by side with Debian's reference `bridge` + `host-local` plugins, in one
// run on this machine. Throughput is measured for isthmus over VXLAN (`--vxlan-mode always`) and
// with direct routing (`--vxlan-mode cross-subnet`, the nodes share one LAN), in alternating rounds
// with the reference. Needs root and a build (`npx tsc -b`). Prints a table, writes
// bench/results/cni.json. Everything lives in namespaces named isthmus-test-cni-bench-*.
//
//   node bench/cni/run.js [--pods 50] [--seconds 3] [--runs 5]
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { numberArg } from "../args.js";
import { createScratch } from "./scratch.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const dist = (p) => join(repo, "cni", "dist", p);
const { createCommandRunner } = await import(dist("datapath/exec.js"));
const { createDatapathBackend } = await import(dist("datapath/backend.js"));
const { installCni } = await import(dist("agent/install.js"));
const { createNodeAgent } = await import(dist("agent/agent.js"));
const { createLogger } = await import("@isthmus/core/runtime");
const { parseCidr } = await import("@isthmus/core/net");

const podCount = numberArg("pods", 50, { max: 1000 });
const seconds = numberArg("seconds", 3, { max: 30 });
const runs = numberArg("runs", 5, { max: 15 });
if (process.getuid() !== 0) throw new Error("bench/cni needs root (network namespaces)");

const { ns, work, sh, addNs } = createScratch("bench");
const logger = createLogger({ level: "silent" });

/** Runs a plugin binary in the node namespace as a runtime would; returns ms and stdout. */
function invoke(binary, node, env, stdin) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn("nsenter", [`--net=/run/netns/${node}`, "--", binary], { env: { PATH: process.env.PATH, CNI_PATH: "/usr/lib/cni", ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (b) => (out += b));
    child.stderr.on("data", (b) => (err += b));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`${binary} ${env.CNI_COMMAND} failed (${code}): ${out} ${err}`));
      else resolve({ ms, out });
    });
    child.stdin.end(stdin);
  });
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const stats = (values) => ({ n: values.length, p50: +percentile(values, 50).toFixed(2), p95: +percentile(values, 95).toFixed(2), mean: +(values.reduce((a, b) => a + b, 0) / values.length).toFixed(2) });

/**
 * ADD then DEL for `count` pods per plugin, one at a time, interleaving the plugins pod by pod so
 * that both see the same machine load (other work on a shared 2-core machine moves the numbers).
 */
async function latency(plugins, node, count) {
  const results = plugins.map(() => ({ add: [], del: [] }));
  const pods = plugins.map((p) => Array.from({ length: count }, (_, i) => ns(`${p.label}-p${i}`)));
  for (const list of pods) for (const p of list) addNs(p);
  const env = (label, i, p, command) => ({ CNI_COMMAND: command, CNI_CONTAINERID: `${label}-${i}`, CNI_NETNS: `/run/netns/${p}`, CNI_IFNAME: "eth0", CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;K8S_POD_NAME=${label}-${i}` });
  for (const command of ["ADD", "DEL"]) {
    for (let i = 0; i < count; i++) {
      for (const [k, plugin] of plugins.entries()) {
        const { ms } = await invoke(plugin.binary, node, env(plugin.label, i, pods[k][i], command), plugin.conf());
        results[k][command === "ADD" ? "add" : "del"].push(ms);
      }
    }
  }
  for (const list of pods) for (const p of list) spawnSync("ip", ["netns", "del", p]);
  return results.map((r) => ({ add: stats(r.add), del: stats(r.del) }));
}

// ---- latency on one node: ours (launcher -> agent socket) vs reference bridge + host-local ----
const node = ns("node");
addNs(node);
const paths = { cniBinDir: join(work, "bin"), cniConfDir: join(work, "net.d"), socketPath: join(work, "run", "cni.sock"), dataDir: join(work, "ipam"), pluginMain: dist("plugin-main.js"), nodeBinary: process.execPath };
sh(["ip", "link", "add", "isthmus0", "type", "bridge"], node);
sh(["ip", "addr", "add", "10.1.9.1/24", "dev", "isthmus0"], node);
sh(["ip", "link", "set", "isthmus0", "up"], node);
await installCni(parseCidr("10.1.9.0/24"), 1450, paths);
// The agent side runs as its own process inside the node namespace, as isthmus-node does.
const agentProcess = spawn("ip", ["netns", "exec", node, process.execPath, join(repo, "bench", "cni", "agent-server.js"), paths.socketPath], { stdio: ["ignore", "pipe", "inherit"] });
await new Promise((resolve, reject) => {
  agentProcess.stdout.once("data", resolve);
  agentProcess.once("exit", (code) => reject(new Error(`bench agent exited with ${code}`)));
});
const oursConf = () => JSON.stringify({ cniVersion: "1.1.0", name: "isthmus", type: "isthmus-cni", mtu: 1450, ipam: { subnet: "10.1.9.0/24", dataDir: paths.dataDir } });
const refConf = () => JSON.stringify({ cniVersion: "1.0.0", name: "refnet", type: "bridge", bridge: "refbr0", isGateway: true, isDefaultGateway: true, ipam: { type: "host-local", subnet: "10.1.10.0/24", dataDir: join(work, "ref-ipam") } });
const launcher = join(paths.cniBinDir, "isthmus-cni");

process.stdout.write(`latency: ${podCount} pods each, sequential ADD then DEL\n`);
const [refLatency, oursLatency] = await latency(
  [
    { label: "ref", binary: "/usr/lib/cni/bridge", conf: refConf },
    { label: "ours", binary: launcher, conf: oursConf },
  ],
  node,
  podCount,
);
const roundTrip = [];
for (let i = 0; i < 20; i++) roundTrip.push((await invoke(launcher, node, { CNI_COMMAND: "VERSION" }, oursConf())).ms);
const load = sh(["cat", "/proc/loadavg"]).trim();
agentProcess.kill("SIGTERM");
await new Promise((resolve) => agentProcess.once("exit", resolve));
// Standalone (no agent): a cold Node.js process does the work; a few plain (non-pod) ADDs.
const plainConf = oursConf;
const standalone = await (async () => {
  const pods = [0, 1, 2, 3, 4].map((i) => ns(`solo-p${i}`));
  for (const p of pods) addNs(p);
  const add = [];
  const del = [];
  for (const [i, p] of pods.entries()) add.push((await invoke(launcher, node, { CNI_COMMAND: "ADD", CNI_CONTAINERID: `solo-${i}`, CNI_NETNS: `/run/netns/${p}`, CNI_IFNAME: "eth0" }, plainConf())).ms);
  for (const [i, p] of pods.entries()) del.push((await invoke(launcher, node, { CNI_COMMAND: "DEL", CNI_CONTAINERID: `solo-${i}`, CNI_NETNS: `/run/netns/${p}`, CNI_IFNAME: "eth0" }, plainConf())).ms);
  return { add: stats(add), del: stats(del) };
})();

// ---- throughput across two nodes: ours over VXLAN (n1, n2) and direct (n3, n4) vs reference ----
// All four node namespaces share one LAN; the reference's pods live on n1 and n2 beside ours
// (bridge refbr0, podCIDRs 10.4.x routed between the nodes with plain static routes).
const lan = ns("lan");
const nodes = [ns("n1"), ns("n2"), ns("n3"), ns("n4")];
addNs(lan);
sh(["ip", "link", "add", "br0", "type", "bridge"], lan);
sh(["ip", "link", "set", "br0", "up"], lan);
for (const [i, n] of nodes.entries()) {
  addNs(n);
  sh(["ip", "link", "add", `up${i}`, "netns", lan, "type", "veth", "peer", "name", "eth0", "netns", n]);
  sh(["ip", "link", "set", `up${i}`, "master", "br0", "up"], lan);
  sh(["ip", "addr", "add", `198.18.251.${11 + i}/24`, "dev", "eth0"], n);
  sh(["ip", "link", "set", "eth0", "up"], n);
  sh(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"], n);
}
const records = nodes.map((_, i) => ({ name: `n${i + 1}`, podCidr: `10.3.${i + 1}.0/24`, internalIp: `198.18.251.${11 + i}` }));
const clusters = { vxlan: { mode: "always", members: [0, 1] }, direct: { mode: "cross-subnet", members: [2, 3] } };
/** The pod MTU each node's agent chose (written to its conflist): underlay − 50 over VXLAN, the underlay's with direct routing. */
const podMtu = [];
for (const { mode, members } of Object.values(clusters)) {
  const list = members.map((i) => records[i]);
  for (const i of members) {
    const dir = join(work, `tn${i}`);
    const report = await createNodeAgent({ nodeName: records[i].name, vxlanMode: mode, runner: createCommandRunner({ hostNetns: `/run/netns/${nodes[i]}` }), nodes: { list: () => list }, logger, paths: { ...paths, cniBinDir: join(dir, "bin"), cniConfDir: join(dir, "net.d"), dataDir: join(dir, "ipam") } }).reconcile();
    if (report.direct.length !== (mode === "always" ? 0 : 1)) throw new Error(`${records[i].name} in mode ${mode} routes ${JSON.stringify(report.direct)} directly`);
    podMtu[i] = report.mtu;
  }
}
for (const i of [0, 1]) sh(["ip", "route", "add", `10.4.${2 - i}.0/24`, "via", `198.18.251.${12 - i}`], nodes[i]);
const { handleCniInvocation } = await import(dist("plugin/dispatch.js"));
async function podPair(kind, members) {
  const ips = [];
  const names = [];
  for (const [k, i] of members.entries()) {
    const n = nodes[i];
    const p = ns(`${kind}${k}`);
    addNs(p);
    names.push(p);
    const env = { CNI_COMMAND: "ADD", CNI_CONTAINERID: `${kind}${k}`, CNI_NETNS: `/run/netns/${p}`, CNI_IFNAME: "eth0" };
    if (kind === "ref") {
      const conf = JSON.stringify({ cniVersion: "1.0.0", name: "refnet", type: "bridge", bridge: "refbr0", isGateway: true, isDefaultGateway: true, ipam: { type: "host-local", subnet: `10.4.${k + 1}.0/24`, dataDir: join(work, `ref-tn${i}`) } });
      const { out } = await invoke("/usr/lib/cni/bridge", n, env, conf);
      ips.push(JSON.parse(out).ips[0].address.split("/")[0]);
    } else {
      const b = createDatapathBackend({ runner: createCommandRunner({ hostNetns: `/run/netns/${n}` }), hostNsRef: n });
      const conf = JSON.stringify({ cniVersion: "1.1.0", name: "isthmus", type: "isthmus-cni", mtu: podMtu[i], ipam: { subnet: records[i].podCidr, dataDir: join(work, `tn${i}`, "ipam") } });
      const outcome = await handleCniInvocation(env, conf, b);
      ips.push(JSON.parse(outcome.stdout).ips[0].address.split("/")[0]);
    }
  }
  return { names, ips };
}
const pairs = { reference: await podPair("ref", [0, 1]), vxlan: await podPair("vx", clusters.vxlan.members), direct: await podPair("dr", clusters.direct.members) };
async function iperf(pair) {
  const srv = spawn("ip", ["netns", "exec", pair.names[1], "iperf3", "-s", "-1", "-B", pair.ips[1]], { stdio: "ignore" });
  const deadline = Date.now() + 5000;
  while (!sh(["ss", "-ltn"], pair.names[1]).includes(":5201")) {
    if (Date.now() > deadline) throw new Error("iperf3 server did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    const report = JSON.parse(sh(["iperf3", "-c", pair.ips[1], "-t", String(seconds), "-J"], pair.names[0]));
    if (report.error !== undefined) throw new Error(`iperf3 ${pair.ips.join(" -> ")}: ${report.error}`);
    return report.end.sum_received.bits_per_second / 1e9;
  } finally {
    srv.kill();
    await new Promise((r) => setTimeout(r, 100));
  }
}
// Rounds alternate reference, VXLAN, direct so that all three see the same machine load.
const gbps = { reference: [], vxlan: [], direct: [] };
for (let r = 0; r < runs; r++) for (const kind of Object.keys(gbps)) gbps[kind].push(await iperf(pairs[kind]));
const median = (v) => percentile(v, 50);

const result = {
  date: new Date().toISOString(),
  machine: { cpus: (await import("node:os")).cpus().length, kernel: sh(["uname", "-r"]).trim(), node: process.version },
  pods: podCount,
  loadavg: load,
  latencyMs: { isthmus: oursLatency, reference: refLatency, isthmusStandalone: standalone, launcherRoundTrip: stats(roundTrip) },
  // ratio: median / reference median; pairedRatio: median over rounds of (this / reference in the
  // same round), steadier when the machine's load drifts between rounds.
  throughputGbps: Object.fromEntries(Object.entries(gbps).map(([kind, values]) => [kind, { runs: values.map((g) => +g.toFixed(2)), median: +median(values).toFixed(2), ratio: +(median(values) / median(gbps.reference)).toFixed(3), pairedRatio: +median(values.map((g, r) => g / gbps.reference[r])).toFixed(3) }])),
  notes: `isthmus: /opt/cni/bin launcher (sh + socat) -> isthmus-node socket; reference: /usr/lib/cni/bridge + host-local; both run with nsenter into the node namespace. Throughput: iperf3 TCP pod->pod across two node namespaces on a veth LAN, rounds alternating reference, vxlan, direct; vxlan: isthmus-node --vxlan-mode always (pod MTU ${podMtu[0]}); direct: --vxlan-mode cross-subnet (direct route, pod MTU ${podMtu[2]}); reference: routed (MTU 1500, static routes). ratio = median / reference median; pairedRatio = median of per-round ratios.`,
};
mkdirSync(join(repo, "bench", "results"), { recursive: true });
writeFileSync(join(repo, "bench", "results", "cni.json"), `${JSON.stringify(result, null, 2)}\n`);
const row = (name, l) => `${name.padEnd(28)} ${String(l.add.p50).padStart(8)} ${String(l.add.p95).padStart(8)} ${String(l.del.p50).padStart(8)} ${String(l.del.p95).padStart(8)}`;
console.log(`\n${"plugin".padEnd(28)} ${"ADD p50".padStart(8)} ${"ADD p95".padStart(8)} ${"DEL p50".padStart(8)} ${"DEL p95".padStart(8)}   (ms)`);
console.log(row("isthmus-cni (agent)", oursLatency));
console.log(row("bridge+host-local (ref)", refLatency));
console.log(row("isthmus-cni standalone (5)", standalone));
console.log(`launcher -> agent round trip (VERSION): p50 ${result.latencyMs.launcherRoundTrip.p50} ms; loadavg ${load}`);
console.log(`\nthroughput pod->pod across nodes (Gbit/s, median of ${runs} x ${seconds}s, rounds interleaved)`);
console.log(`${"data path, pod MTU".padEnd(34)} ${"median".padStart(8)} ${"ratio".padStart(8)} ${"paired".padStart(8)}   runs`);
for (const [kind, label] of [["reference", "bridge+host-local (ref), 1500"], ["vxlan", `isthmus vxlan (always), ${podMtu[0]}`], ["direct", `isthmus direct (cross-subnet), ${podMtu[2]}`]]) {
  const t = result.throughputGbps[kind];
  console.log(`${label.padEnd(34)} ${String(t.median).padStart(8)} ${String(t.ratio).padStart(8)} ${String(t.pairedRatio).padStart(8)}   ${t.runs.join(" ")}`);
}
console.log("wrote bench/results/cni.json");
process.exit(0);
