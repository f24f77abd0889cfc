// Data-plane benchmark (issues #6, #21): TCP throughput (iperf3) and ping RTT, side by side in one
// run on this machine, between two "gateway" namespaces and between two "pod" namespaces behind
// them (testing/topology.js: pod1 — gw1 ══ 198.18.0.0/24 ══ gw2 — pod2):
//   - raw veth between the gateways (the baseline),
//   - each cable as a bare tunnel (gateway to gateway, tunnel addresses) and pod to pod through it:
//     vxlan, and wireguard with the pinned wireguard-go the gateways run (found or built the way
//     the lab does: @isthmus/lab/binaries), plus any other build named in WIREGUARD_GO_OTHER
//     (e.g. Debian's /usr/bin/wireguard-go, for comparison).
// For each path: one bulk TCP flow (median of --runs), 100 parallel TCP flows, and the packet
// rate of 64-byte UDP datagrams (iperf3 -u -l 64 -b 0), so per-packet cost shows too.
// Needs root and a build (`npx tsc -b`). Prints a table, writes bench/results/dataplane.json.
// Namespaces are isthmus-test-gw-<tag>-*, removed at exit.
//
//   node bench/dataplane/run.js [--seconds 5] [--runs 3] [--pings 50]
// Other work on a shared 2-core machine moves single runs a lot: the load average is recorded.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { numberArg } from "../args.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const gw = await import(join(repo, "gateway", "dist", "index.js"));
const { peerOf } = await import(join(repo, "gateway", "dist", "testing", "topology.js"));
const { inNs, iperf: iperfIn, openPair } = await import("./pair.js");
const { createLogger } = await import("@isthmus/core/runtime");

const seconds = numberArg("seconds", 5, { max: 30 });
const pings = numberArg("pings", 50, { max: 1000 });
const runs = numberArg("runs", 3, { max: 15 });
if (process.getuid() !== 0) throw new Error("bench/dataplane needs root (network namespaces)");
const { ensureBinary } = await import("@isthmus/lab/binaries");
const binaries = {
  pinned: await ensureBinary("wireguardGo", { onProgress: (line) => console.error(`  ${line}`) }),
  ...(process.env.WIREGUARD_GO_OTHER === undefined ? {} : { other: process.env.WIREGUARD_GO_OTHER }),
};
for (const [name, path] of Object.entries(binaries)) if (!existsSync(path)) throw new Error(`wireguard-go (${name}) not found at ${path}`);
const versionOf = (path) => execFileSync(path, ["--version"], { encoding: "utf8" }).split("\n")[0].trim();

const logger = createLogger({ level: "silent" });
const { tag, pair, cleanup } = await openPair();
const [one, two] = pair.sides;

/** iperf3 for `seconds` from `from` to `address` (server in `to`), with `extra` client args; its JSON report. */
const iperf = (from, to, address, extra = []) => iperfIn({ from, to, bind: address, address, seconds, extra });

/** Gbit/s received by one TCP flow. */
const throughput = async (from, to, address) => (await iperf(from, to, address)).end.sum_received.bits_per_second / 1e9;

/** Gbit/s received by 100 parallel TCP flows. */
const manyFlows = async (from, to, address) => (await iperf(from, to, address, ["-P", "100"])).end.sum_received.bits_per_second / 1e9;

/** Packets per second of 64-byte UDP datagrams that arrive (sent as fast as iperf3 can). */
async function smallPackets(from, to, address) {
  const sum = (await iperf(from, to, address, ["-u", "-l", "64", "-b", "0"])).end.sum;
  return (sum.packets - sum.lost_packets) / sum.seconds;
}

/** `pings` pings 20 ms apart; RTT min/avg/max in ms and loss. */
function rtt(from, address) {
  const out = inNs(from, ["ping", "-n", "-q", "-c", String(pings), "-i", "0.02", address], (pings * 0.02 + 10) * 1000);
  const m = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(out);
  const loss = /([\d.]+)% packet loss/.exec(out);
  return { minMs: Number(m?.[1]), avgMs: Number(m?.[2]), maxMs: Number(m?.[3]), lossPct: Number(loss?.[1]) };
}

async function measure(label, from, to, address) {
  rtt(from, address); // warm up ARP, handshakes
  const samples = [];
  for (let i = 0; i < runs; i += 1) samples.push(await throughput(from, to, address));
  const sorted = [...samples].sort((a, b) => a - b);
  const flows100Gbps = await manyFlows(from, to, address);
  const udp64Kpps = (await smallPackets(from, to, address)) / 1000;
  const row = { path: label, gbps: sorted[Math.floor(sorted.length / 2)], samplesGbps: samples.map((g) => Number(g.toFixed(3))), flows100Gbps, udp64Kpps, ...rtt(from, address) };
  console.error(`  ${label}: ${row.gbps.toFixed(2)} Gbit/s, 100 flows ${flows100Gbps.toFixed(2)} Gbit/s, 64 B UDP ${udp64Kpps.toFixed(0)} kpps, RTT avg ${row.avgMs} ms`);
  return row;
}

const keys = [gw.generateKeyPair(), gw.generateKeyPair()];
const cables = [
  {
    name: "vxlan",
    create: (side, i) => gw.createVxlanCable({ device: `bv${i}${tag}`, localIp: side.underlayIp, tunnelIp: side.tunnelIp }, { logger, netns: side.gw }),
    peer: (side) => peerOf(side, side === one ? "c1" : "c2", { port: 4790 }),
  },
  ...Object.entries(binaries).map(([flavour, binary]) => ({
    name: `wireguard (${flavour})`,
    create: (side, i) =>
      gw.createWireguardCable(
        { device: `b${flavour[0]}${i}${tag}`, privateKey: keys[i].privateKey, tunnelIp: side.tunnelIp, backend: "userspace", wireguardGo: binary },
        { logger, netns: side.gw },
      ),
    peer: (side) => peerOf(side, side === one ? "c1" : "c2", { publicKey: keys[side === one ? 0 : 1].publicKey }),
  })),
];

const rows = [];
try {
  console.error(`dataplane bench: ${runs} x ${seconds} s iperf3, ${pings} pings per path (load ${loadavg().map((l) => l.toFixed(2)).join(" ")})`);
  rows.push({ cable: "none", ...(await measure("raw veth gw1 -> gw2", one.gw, two.gw, two.underlayIp)) });
  for (const cable of cables) {
    const drivers = [cable.create(one, 0), cable.create(two, 1)];
    try {
      for (const d of drivers) await d.init();
      await drivers[0].sync([cable.peer(two)]);
      await drivers[1].sync([cable.peer(one)]);
      rows.push({ cable: cable.name, ...(await measure(`${cable.name}: bare tunnel gw1 -> gw2`, one.gw, two.gw, two.tunnelIp)) });
      rows.push({ cable: cable.name, ...(await measure(`${cable.name}: pod1 -> pod2`, one.pod, two.pod, two.podIp)) });
    } finally {
      for (const d of drivers) await d.cleanup();
    }
  }
} finally {
  await cleanup();
}

const baseline = rows[0].gbps;
const table = rows.map((r) => {
  const bare = rows.find((b) => b.cable === r.cable && b.path.includes("bare tunnel"));
  return { ...r, pctOfVeth: (100 * r.gbps) / baseline, pctOfBareTunnel: bare === undefined ? undefined : (100 * r.gbps) / bare.gbps };
});
const pad = (s, n) => String(s).padEnd(n);
for (const [flavour, path] of Object.entries(binaries)) console.log(`wireguard (${flavour}): ${versionOf(path)} at ${path}`);
console.log(`${pad("path", 60)} ${pad("Gbit/s", 7)} ${pad("% veth", 7)} ${pad("% tunnel", 9)} ${pad("100 flows", 10)} ${pad("64B kpps", 9)} RTT min/avg/max ms   loss`);
for (const r of table) {
  console.log(
    `${pad(r.path, 60)} ${pad(r.gbps.toFixed(2), 7)} ${pad(r.pctOfVeth.toFixed(0), 7)} ${pad(r.pctOfBareTunnel === undefined ? "-" : r.pctOfBareTunnel.toFixed(0), 9)} ${pad(r.flows100Gbps.toFixed(2), 10)} ${pad(r.udp64Kpps.toFixed(0), 9)} ${pad(`${r.minMs}/${r.avgMs}/${r.maxMs}`, 20)} ${r.lossPct}%`,
  );
}
const results = join(repo, "bench", "results");
mkdirSync(results, { recursive: true });
writeFileSync(
  join(results, "dataplane.json"),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, kernel: readFileSync("/proc/sys/kernel/osrelease", "utf8").trim(), node: process.version },
      loadavg: readFileSync("/proc/loadavg", "utf8").trim(),
      seconds,
      runs,
      pings,
      wireguardGo: Object.fromEntries(Object.entries(binaries).map(([k, p]) => [k, { path: p, version: versionOf(p) }])),
      rows: table,
    },
    null,
    2,
  )}\n`,
);
console.error(`wrote ${join(results, "dataplane.json")}`);
