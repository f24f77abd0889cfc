// NetworkPolicy benchmark (issue #16, ADR 0406): pod-to-pod TCP throughput across two node
// namespaces (isthmus-node overlay, VXLAN) with 0, 100 and 1,000 NetworkPolicies in force on the
// server's node, every one of them selecting the server pod (the worst case: all their elements
// belong to the one pod being probed), in alternating rounds; and the time isthmus-node takes
// from a changed input to the new table in force (compile + one nft transaction: the policy
// agent's pass, without the API server and informer delivery) over 50 updates with 1,000 policies.
// Needs root and a build (`npx tsc -b`). Prints a table, writes bench/results/policy.json.
// Everything lives in namespaces named isthmus-test-cni-pbench-*.
//
//   node bench/policy/run.js [--seconds 3] [--runs 3] [--updates 50]
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { numberArg } from "../args.js";
import { createScratch } from "../cni/scratch.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const dist = (p) => join(repo, "cni", "dist", p);
const { createCommandRunner } = await import(dist("datapath/exec.js"));
const { createDatapathBackend } = await import(dist("datapath/backend.js"));
const { createNodeAgent } = await import(dist("agent/agent.js"));
const { handleCniInvocation } = await import(dist("plugin/dispatch.js"));
const { createPolicyAgent } = await import(dist("policy/agent.js"));
const { createLogger } = await import("@isthmus/core/runtime");

const seconds = numberArg("seconds", 3, { max: 30 });
const runs = numberArg("runs", 3, { max: 15 });
const updates = numberArg("updates", 50, { max: 1000 });
if (process.getuid() !== 0) throw new Error("bench/policy needs root (network namespaces)");

const { ns, work, sh, addNs } = createScratch("pbench");
const logger = createLogger({ level: "silent" });
const percentile = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

// Two nodes on a veth LAN, isthmus-node's overlay between them, one pod on each.
const lan = ns("lan");
const nodes = [ns("n1"), ns("n2")];
addNs(lan);
sh(["ip", "link", "add", "br0", "type", "bridge"], lan);
sh(["ip", "link", "set", "br0", "up"], lan);
for (const [i, n] of nodes.entries()) {
  addNs(n);
  sh(["ip", "link", "add", `up${i}`, "netns", lan, "type", "veth", "peer", "name", "eth0", "netns", n]);
  sh(["ip", "link", "set", `up${i}`, "master", "br0", "up"], lan);
  sh(["ip", "addr", "add", `198.18.245.${11 + i}/24`, "dev", "eth0"], n);
  sh(["ip", "link", "set", "eth0", "up"], n);
}
const records = nodes.map((_, i) => ({ name: `n${i + 1}`, podCidr: `10.245.${i + 1}.0/24`, internalIp: `198.18.245.${11 + i}` }));
const runners = nodes.map((n) => createCommandRunner({ hostNetns: `/run/netns/${n}` }));
const mtu = [];
for (const [i] of nodes.entries()) {
  const dir = join(work, `node${i}`);
  const report = await createNodeAgent({ nodeName: records[i].name, runner: runners[i], nodes: { list: () => records }, logger, paths: { cniBinDir: join(dir, "bin"), cniConfDir: join(dir, "net.d"), socketPath: join(dir, "cni.sock"), dataDir: join(dir, "ipam"), pluginMain: "/nonexistent", nodeBinary: process.execPath } }).reconcile();
  mtu[i] = report.mtu;
}
const pods = [ns("server"), ns("client")];
const ips = [];
for (const [i, p] of pods.entries()) {
  addNs(p);
  const backend = createDatapathBackend({ runner: runners[i], hostNsRef: nodes[i] });
  const conf = JSON.stringify({ cniVersion: "1.1.0", name: "isthmus", type: "isthmus-cni", mtu: mtu[i], ipam: { subnet: records[i].podCidr, dataDir: join(work, `node${i}`, "ipam") } });
  const outcome = await handleCniInvocation({ CNI_COMMAND: "ADD", CNI_CONTAINERID: `pb${i}`, CNI_NETNS: `/run/netns/${p}`, CNI_IFNAME: "eth0" }, conf, backend);
  ips.push(JSON.parse(outcome.stdout).ips[0].address.split("/")[0]);
}

// The policy input of node n1: the server pod (app=server) and the client (app=client); `count`
// policies select the server, each admitting its own /32 of 198.51.100.0/22 on its own port,
// and one admits the client on 5201 (iperf3).
const podData = [
  { namespace: "bench", name: "server", ip: ips[0], nodeName: "n1", labels: { app: "server" }, ports: [{ name: "iperf", port: 5201 }] },
  { namespace: "bench", name: "client", ip: ips[1], nodeName: "n2", labels: { app: "client" } },
];
const filler = (k, port) => ({ namespace: "bench", name: `p${k}`, spec: { podSelector: { matchLabels: { app: "server" } }, ingress: [{ from: [{ ipBlock: { cidr: `198.51.${100 + Math.floor(k / 256)}.${k % 256}/32` } }], ports: [{ port }] }] } });
const policiesFor = (count, salt = 0) => [
  { namespace: "bench", name: "client-in", spec: { podSelector: { matchLabels: { app: "server" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "client" } } }], ports: [{ port: "iperf" }] }] } },
  ...Array.from({ length: count }, (_, k) => filler(k, 10000 + ((k + salt) % 50000))),
];
let current = { nodeName: "n1", pods: podData, namespaces: [{ name: "bench", labels: {} }], policies: [] };
const policyAgent = createPolicyAgent({ nodeName: "n1", runner: runners[0], logger, source: { snapshot: () => current } });
async function inForce(count) {
  current = { ...current, policies: count === undefined ? [] : policiesFor(count) };
  await policyAgent.reconcile();
}

async function iperf() {
  const srv = spawn("ip", ["netns", "exec", pods[0], "iperf3", "-s", "-1", "-B", ips[0]], { stdio: "ignore" });
  const deadline = Date.now() + 5000;
  while (!sh(["ss", "-ltn"], pods[0]).includes(":5201")) {
    if (Date.now() > deadline) throw new Error("iperf3 server did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    const report = JSON.parse(sh(["iperf3", "-c", ips[0], "-t", String(seconds), "-J"], pods[1]));
    if (report.error !== undefined) throw new Error(`iperf3: ${report.error}`);
    return report.end.sum_received.bits_per_second / 1e9;
  } finally {
    srv.kill();
    await new Promise((r) => setTimeout(r, 100));
  }
}

const load = { before: loadavg().map((l) => +l.toFixed(2)) };
// Throughput: rounds alternate none (no table content), 0 (the table with only client-in), 100, 1000.
const configs = [["none", undefined], ["0", 0], ["100", 100], ["1000", 1000]];
const gbps = Object.fromEntries(configs.map(([k]) => [k, []]));
for (let r = 0; r < runs; r++) {
  for (const [name, count] of configs) {
    await inForce(count);
    gbps[name].push(await iperf());
  }
}
// Enforcement: 50 updates with 1,000 policies, each moving every filler policy's port (a new
// ruleset of the same size), timed around the agent's pass.
await inForce(1000);
const elements = Number(sh(["sh", "-c", "nft -j list set inet isthmus-policy ingress_ports | grep -o concat | wc -l"], nodes[0]).trim());
const passMs = [];
for (let u = 1; u <= updates; u++) {
  current = { ...current, policies: policiesFor(1000, u) };
  const started = performance.now();
  const result = await policyAgent.reconcile();
  passMs.push(performance.now() - started);
  if (result !== "applied") throw new Error(`update ${u}: ${result}`);
}
load.after = loadavg().map((l) => +l.toFixed(2));
const median = (v) => percentile(v, 50);
const result = {
  date: new Date().toISOString(),
  machine: { cpus: (await import("node:os")).cpus().length, kernel: sh(["uname", "-r"]).trim(), node: process.version },
  loadavg: load,
  throughputGbps: Object.fromEntries(Object.entries(gbps).map(([k, v]) => [k, { runs: v.map((g) => +g.toFixed(2)), median: +median(v).toFixed(2), ratio: +(median(v) / median(gbps.none)).toFixed(3), pairedRatio: +median(v.map((g, r) => g / gbps.none[r])).toFixed(3) }])),
  ingressPortElementsAt1000: elements,
  passMs: { updates, p50: +percentile(passMs, 50).toFixed(1), p95: +percentile(passMs, 95).toFixed(1), max: +Math.max(...passMs).toFixed(1) },
  notes: "iperf3 TCP from a pod on n2 to a pod on n1 over isthmus.1 (VXLAN, pod MTU " + mtu[0] + "). none: no policy selects the server (isolated set empty); 0: only the policy admitting the client; 100/1000: that plus N policies selecting the server, each admitting its own /32 on its own port. ratio = median / median of none; pairedRatio = median of per-round ratios. passMs: policy agent pass (compile + read table + one nft -f) with 1,000 policies, excluding the API server and informers.",
};
mkdirSync(join(repo, "bench", "results"), { recursive: true });
writeFileSync(join(repo, "bench", "results", "policy.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log("policies in force   Gbit/s (median)   ratio   paired ratio   runs");
for (const [k, v] of Object.entries(result.throughputGbps)) console.log(`${k.padEnd(19)} ${String(v.median).padEnd(17)} ${String(v.ratio).padEnd(7)} ${String(v.pairedRatio).padEnd(14)} ${v.runs.join(" ")}`);
console.log(`ingress_ports elements at 1000 policies: ${elements}`);
console.log(`policy pass (compile + nft transaction), 1000 policies, ${updates} updates: p50 ${result.passMs.p50} ms, p95 ${result.passMs.p95} ms, max ${result.passMs.max} ms`);
console.log(`loadavg before ${load.before.join(" ")}, after ${load.after.join(" ")}`);
