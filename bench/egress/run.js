// Egress gateway benchmark (issue #17, ADR 0407): TCP throughput from a pod on node n1 to an
// "outside" host behind the LAN's router, through the egress gateway (steered over the VXLAN
// overlay to egress node n2, SNATed there to the egress IP; and steered by a plain route to n2,
// as with `--vxlan-mode cross-subnet` on one segment) versus the same pod with no EgressGateway
// (masqueraded by its own node) and versus the bare kernel path of the egress path's shape (a
// source rule on n1 routing the pod's traffic over isthmus.1 to n2, one masquerade rule on n2,
// nothing of ours), in interleaved rounds (the order rotates each round; ratios are
// the medians of the per-round ratios). Needs root and a build (`npx tsc -b`).
// Prints a table and writes bench/results/egress.json. Namespaces are isthmus-test-cni-ebench-*.
//
//   node bench/egress/run.js [--seconds 3] [--runs 5]
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { numberArg } from "../args.js";
import { createScratch } from "../cni/scratch.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const dist = (p) => join(repo, "cni", "dist", p);
const { nodeLab } = await import(dist("testing/node-lab.js"));
const { createCommandRunner } = await import(dist("datapath/exec.js"));
const { planEgress } = await import(dist("egress/plan.js"));
const { applyEgress, readEgressCounters } = await import(dist("egress/apply.js"));

const seconds = numberArg("seconds", 3, { max: 30 });
const runs = numberArg("runs", 5, { max: 15 });
if (process.getuid() !== 0) throw new Error("bench/egress needs root (network namespaces)");

const { ns, work, sh, addNs, children } = createScratch("ebench");

const lan = ns("lan");
const outside = ns("out");
const nodes = [ns("n1"), ns("n2")];
const pod = ns("pod");
for (const n of [lan, outside, ...nodes, pod]) addNs(n);
sh(["ip", "link", "add", "br0", "type", "bridge"], lan);
sh(["ip", "addr", "add", "198.18.246.1/24", "dev", "br0"], lan);
sh(["ip", "link", "set", "br0", "up"], lan);
sh(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"], lan);
sh(["ip", "link", "add", "wan", "netns", lan, "type", "veth", "peer", "name", "eth0", "netns", outside]);
sh(["ip", "addr", "add", "203.0.113.1/24", "dev", "wan"], lan);
sh(["ip", "link", "set", "wan", "up"], lan);
sh(["ip", "addr", "add", "203.0.113.10/24", "dev", "eth0"], outside);
sh(["ip", "link", "set", "eth0", "up"], outside);
sh(["ip", "route", "add", "default", "via", "203.0.113.1"], outside);
for (const [i, n] of nodes.entries()) {
  sh(["ip", "link", "add", `up${i}`, "netns", lan, "type", "veth", "peer", "name", "eth0", "netns", n]);
  sh(["ip", "link", "set", `up${i}`, "master", "br0", "up"], lan);
  sh(["ip", "addr", "add", `198.18.246.${11 + i}/24`, "dev", "eth0"], n);
  sh(["ip", "link", "set", "eth0", "up"], n);
  sh(["ip", "route", "add", "default", "via", "198.18.246.1"], n);
}
const records = [
  { name: "n1", podCidr: "10.249.1.0/24", internalIp: "198.18.246.11" },
  { name: "n2", podCidr: "10.249.2.0/24", internalIp: "198.18.246.12" },
];
const lab = nodeLab({ work: () => work, nodes, records });
await lab.agent(0).reconcile();
await lab.agent(1).reconcile();
const podIp = await lab.addPod(0, pod);
const runners = nodes.map((n) => createCommandRunner({ hostNetns: `/run/netns/${n}` }));

const egressNodes = records.map((r) => ({ ...r, labels: r.name === "n2" ? { egress: "true" } : {}, ready: true }));
const gateway = { name: "bench", createdAt: "2026-12-06T00:00:00Z", spec: { podSelector: {}, nodeSelector: { matchLabels: { egress: "true" } }, egressIP: "198.18.246.50/24" } };

async function program(gateways, mode = "always") {
  const pods = [{ namespace: "bench", name: "client", labels: {}, ip: podIp, nodeName: "n1" }];
  for (const [i, rec] of records.entries()) {
    const plan = planEgress({ nodeName: rec.name, gateways, nodes: egressNodes, pods, namespaces: [{ name: "bench", labels: {} }] });
    await applyEgress(runners[i], { programs: plan.programs, nodeIp: rec.internalIp, mode, clusterCidrs: records.map((r) => r.podCidr) });
  }
}

/** One iperf3 run from the pod; returns Gbit/s received and the source address the server saw. */
function iperf() {
  const srv = spawn("ip", ["netns", "exec", outside, "iperf3", "-s", "-1", "-J", "-p", "5301"], { stdio: ["ignore", "pipe", "ignore"] });
  children.push(srv);
  let out = "";
  srv.stdout.on("data", (b) => (out += b));
  const done = new Promise((resolve) => srv.once("exit", resolve));
  for (let i = 0; i < 100; i++) {
    if (sh(["ss", "-ltn"], outside).includes(":5301 ")) break;
    spawnSync("sleep", ["0.05"]);
  }
  const client = JSON.parse(sh(["iperf3", "-c", "203.0.113.10", "-p", "5301", "-t", String(seconds), "-J"], pod));
  return done.then(() => {
    const seen = JSON.parse(out).start?.connected?.[0]?.remote_host ?? "?";
    return { gbps: client.end.sum_received.bits_per_second / 1e9, seen };
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = { before: loadavg().map((l) => Number(l.toFixed(2))) };
/** The bare path: the same hops as the egress path with plain kernel routing and one masquerade rule. */
function bare(on) {
  const [n1, n2] = nodes;
  if (on) {
    sh(["ip", "rule", "add", "from", podIp, "lookup", "7000", "pref", "1000"], n1);
    sh(["ip", "route", "replace", "default", "via", "10.249.2.0", "dev", "isthmus.1", "onlink", "table", "7000"], n1);
    execFileSync("ip", ["netns", "exec", n2, "nft", "-f", "-"], { input: 'add table ip ebench\nadd chain ip ebench post { type nat hook postrouting priority srcnat - 10; }\nadd rule ip ebench post ip saddr 10.249.1.0/24 oifname "eth0" masquerade\n' });
  } else {
    spawnSync("ip", ["netns", "exec", n1, "ip", "rule", "del", "pref", "1000"]);
    spawnSync("ip", ["netns", "exec", n1, "ip", "route", "flush", "table", "7000"]);
    spawnSync("ip", ["netns", "exec", n2, "nft", "delete", "table", "ip", "ebench"]);
  }
}

const paths = ["direct", "bare", "egress", "egressDirect"];
const rounds = [];
for (let r = 0; r < runs; r++) {
  const order = [...paths.slice(r % paths.length), ...paths.slice(0, r % paths.length)];
  const round = {};
  for (const path of order) {
    await program(path === "direct" || path === "bare" ? [] : [gateway], path === "egressDirect" ? "cross-subnet" : "always");
    bare(path === "bare");
    round[path] = await iperf();
    bare(false);
  }
  rounds.push(round);
}
await program([gateway]);
const counters = await readEgressCounters(runners[1]);
await program([]);
load.after = loadavg().map((l) => Number(l.toFixed(2)));

const direct = rounds.map((r) => r.direct.gbps);
const egress = rounds.map((r) => r.egress.gbps);
const egressDirect = rounds.map((r) => r.egressDirect.gbps);
const ratios = rounds.map((r) => r.egress.gbps / r.direct.gbps);
const ratiosDirect = rounds.map((r) => r.egressDirect.gbps / r.direct.gbps);
const ratiosBare = rounds.map((r) => r.bare.gbps / r.direct.gbps);
const ratiosVsBare = rounds.map((r) => r.egress.gbps / r.bare.gbps);
const result = {
  benchmark: "egress",
  seconds,
  runs,
  load,
  seenBy: Object.fromEntries(paths.map((p) => [p, [...new Set(rounds.map((r) => r[p].seen))]])),
  rounds: rounds.map((r) => Object.fromEntries(paths.map((p) => [p, Number(r[p].gbps.toFixed(3))]))),
  medianGbps: { direct: Number(median(direct).toFixed(3)), bare: Number(median(rounds.map((r) => r.bare.gbps)).toFixed(3)), egress: Number(median(egress).toFixed(3)), egressDirect: Number(median(egressDirect).toFixed(3)) },
  /** Per-round ratios to the pod with no EgressGateway (medians); egressVsBare: the egress path over the bare path of the same shape. */
  ratio: { bare: Number(median(ratiosBare).toFixed(3)), egress: Number(median(ratios).toFixed(3)), egressDirect: Number(median(ratiosDirect).toFixed(3)), egressVsBare: Number(median(ratiosVsBare).toFixed(3)) },
  counters: Object.fromEntries(counters),
};
const labels = { direct: "no EgressGateway (own node)", bare: "bare kernel path via n2", egress: "egress node over VXLAN", egressDirect: "egress node, direct route" };
console.log("path                          median Gbit/s   ratio   source seen       rounds");
for (const p of paths) {
  const ratio = p === "direct" ? "1" : result.ratio[p].toFixed(3);
  console.log(`${labels[p].padEnd(30)}${result.medianGbps[p].toFixed(2).padStart(13)}   ${ratio.padStart(5)}   ${result.seenBy[p].join(",").padEnd(16)}  ${result.rounds.map((r) => r[p].toFixed(2)).join(" ")}`);
}
console.log(`egress over VXLAN / bare path of the same shape (median of rounds): ${result.ratio.egressVsBare.toFixed(3)}`);
console.log(`load average before ${load.before.join(" ")}, after ${load.after.join(" ")}`);
mkdirSync(join(repo, "bench", "results"), { recursive: true });
writeFileSync(join(repo, "bench", "results", "egress.json"), `${JSON.stringify(result, null, 2)}\n`);
