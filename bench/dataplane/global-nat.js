// Global-address benchmark (issue #15, docs/adr/0206): pod-to-pod throughput through global
// addresses vs the same pair without NAT, in one run on this machine. The netns pair of
// bench/dataplane (testing/topology.js: pod1 — gw1 ══ 198.18.0.0/24 ══ gw2 — pod2) with a cable
// between the gateways that also routes each side's global block (242.1.0.0/16, 242.2.0.0/16):
//   - without NAT: pod1 -> pod2's pod IP, no nft table on either gateway (so no conntrack either),
//   - without NAT, conntrack on: the same, with an empty NAT chain on both gateways, as every
//     Kubernetes node has (kube-proxy's tables make conntrack track every flow),
//   - through global addresses: the gateways' own translation (gateway/src/cable/global-nat.ts,
//     rendered and applied by its module as the agent does): gw1 SNATs pod1 to its egress
//     address 242.1.0.1, gw2 DNATs the global IP 242.2.0.2 (TCP and UDP 5201) to pod2; pod1 ->
//     242.2.0.2.
// Paired rounds: each round measures the three paths (the order rotates), tables are applied for
// a path and removed after it; a path's figure is the median over rounds, a ratio the median of
// the rounds' ratios. Per path: one TCP flow (iperf3) and the packet rate of
// 64-byte UDP datagrams (iperf3 -u -l 64 -b 0), where the per-packet cost of NAT shows most.
// Cables: vxlan (the kernel's) and wireguard (the pinned wireguard-go the gateways run).
// Needs root and a build (`npx tsc -b`). Prints a table, writes bench/results/dataplane-global-nat.json.
//
//   node bench/dataplane/global-nat.js [--seconds 5] [--runs 5] [--cable vxlan|wireguard (default: both)]
// Other work on a shared 2-core machine moves single runs a lot: the load average is recorded.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { choiceArg, numberArg } from "../args.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const gw = await import(join(repo, "gateway", "dist", "index.js"));
const { peerOf } = await import(join(repo, "gateway", "dist", "testing", "topology.js"));
const { inNs, iperf: iperfIn, openPair } = await import("./pair.js");
const { createLogger } = await import("@isthmus/core/runtime");

const seconds = numberArg("seconds", 5, { max: 30 });
const runs = numberArg("runs", 5, { max: 15 });
const cableArg = choiceArg("cable", ["vxlan", "wireguard"], undefined);
if (process.getuid() !== 0) throw new Error("bench/dataplane/global-nat.js needs root (network namespaces)");
const { ensureBinary } = await import("@isthmus/lab/binaries");
const wireguardGo = cableArg === "vxlan" ? undefined : await ensureBinary("wireguardGo", { onProgress: (line) => console.error(`  ${line}`) });

const logger = createLogger({ level: "silent" });
const { tag, pair, cleanup } = await openPair();
const [one, two] = pair.sides;
const blocks = ["242.1.0.0/16", "242.2.0.0/16"];
const egress = ["242.1.0.1", "242.2.0.1"];
const globalIp = "242.2.0.2";
const load = () => readFileSync("/proc/loadavg", "utf8").trim();

/** iperf3 for `seconds` from pod1 to `address` (the server in pod2 listens on its pod IP), with `extra` client args; its JSON report. */
const iperf = (address, extra = []) => iperfIn({ from: one.pod, to: two.pod, bind: two.podIp, address, seconds, extra });

/** One round of a path: single-flow TCP Gbit/s and 64-byte UDP kpps to `address`. */
async function measure(address) {
  inNs(one.pod, ["ping", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "1", two.podIp], 10_000); // ARP, handshakes (a global IP answers only its ports)
  const gbps = (await iperf(address)).end.sum_received.bits_per_second / 1e9;
  const udp = (await iperf(address, ["-u", "-l", "64", "-b", "0"])).end.sum;
  return { gbps, udp64Kpps: (udp.packets - udp.lost_packets) / udp.seconds / 1000 };
}

/** The translation of side `i`, as the gateway agent plans it (side 2 exports pod2's iperf3 at the global IP). */
const natSpec = (i, device) => ({
  device,
  localCidrs: [pair.sides[i].cidrs[0]],
  egressIp: egress[i],
  services: i === 0 ? [] : [{ globalIp, ports: ["TCP", "UDP"].map((protocol) => ({ protocol, port: 5201, backends: [{ ip: two.podIp, port: 5201 }] })) }],
});

const keys = [gw.generateKeyPair(), gw.generateKeyPair()];
const cables = [
  {
    name: "vxlan",
    device: (i) => `bv${i}${tag}`,
    create: (side, i, device) => gw.createVxlanCable({ device, localIp: side.underlayIp, tunnelIp: side.tunnelIp }, { logger, netns: side.gw }),
    peer: (side, i) => peerOf(side, `c${i + 1}`, { port: 4790, cidrs: [...side.cidrs, blocks[i]] }),
  },
  {
    name: "wireguard",
    device: (i) => `bw${i}${tag}`,
    create: (side, i, device) =>
      gw.createWireguardCable({ device, privateKey: keys[i].privateKey, tunnelIp: side.tunnelIp, backend: "userspace", wireguardGo }, { logger, netns: side.gw }),
    peer: (side, i) => peerOf(side, `c${i + 1}`, { publicKey: keys[i].publicKey, cidrs: [...side.cidrs, blocks[i]] }),
  },
].filter((c) => cableArg === undefined || c.name === cableArg);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = [];
const loadBefore = load();
try {
  console.error(`global-nat bench: ${runs} paired rounds x ${seconds} s per measurement (load ${loadBefore})`);
  for (const cable of cables) {
    const devices = [cable.device(0), cable.device(1)];
    const drivers = [cable.create(one, 0, devices[0]), cable.create(two, 1, devices[1])];
    const tools = [gw.createIpTool(one.gw), gw.createIpTool(two.gw)];
    const rounds = [];
    try {
      for (const d of drivers) await d.init();
      await drivers[0].sync([cable.peer(two, 1)]);
      await drivers[1].sync([cable.peer(one, 0)]);
      const withTables = async (apply, address) => {
        for (const i of [0, 1]) await apply(i);
        try {
          return await measure(address);
        } finally {
          for (const tool of tools) await tool.nft("table ip bench_ct\ndelete table ip bench_ct\n");
          for (const tool of tools) await gw.removeGlobalNat(tool);
        }
      };
      const paths = {
        plain: () => measure(two.podIp),
        conntrack: () => withTables((i) => tools[i].nft("table ip bench_ct {\n  chain post {\n    type nat hook postrouting priority srcnat; policy accept;\n  }\n}\n"), two.podIp),
        nat: () => withTables((i) => gw.applyGlobalNat(tools[i], natSpec(i, devices[i]), "active"), globalIp),
      };
      const names = Object.keys(paths);
      for (let r = 0; r < runs; r += 1) {
        // Rotate the order, so a drift in load during a round favours no path.
        const round = {};
        for (let k = 0; k < names.length; k += 1) {
          const name = names[(r + k) % names.length];
          round[name] = await paths[name]();
        }
        rounds.push({ ...round, load: load() });
        console.error(`  ${cable.name} round ${r + 1}: ${names.map((n) => `${n} ${round[n].gbps.toFixed(2)} Gbit/s ${round[n].udp64Kpps.toFixed(0)} kpps`).join(", ")} (load ${load()})`);
      }
    } finally {
      for (const d of drivers) await d.cleanup();
    }
    results.push({
      cable: cable.name,
      plainGbps: median(rounds.map((r) => r.plain.gbps)),
      conntrackGbps: median(rounds.map((r) => r.conntrack.gbps)),
      natGbps: median(rounds.map((r) => r.nat.gbps)),
      tcpRatio: median(rounds.map((r) => r.nat.gbps / r.plain.gbps)),
      tcpRatioConntrack: median(rounds.map((r) => r.nat.gbps / r.conntrack.gbps)),
      plainUdp64Kpps: median(rounds.map((r) => r.plain.udp64Kpps)),
      conntrackUdp64Kpps: median(rounds.map((r) => r.conntrack.udp64Kpps)),
      natUdp64Kpps: median(rounds.map((r) => r.nat.udp64Kpps)),
      udpRatio: median(rounds.map((r) => r.nat.udp64Kpps / r.plain.udp64Kpps)),
      udpRatioConntrack: median(rounds.map((r) => r.nat.udp64Kpps / r.conntrack.udp64Kpps)),
      rounds,
    });
  }
} finally {
  await cleanup();
}

const pad = (s, n) => String(s).padEnd(n);
const pct = (x) => `${(100 * x).toFixed(0)} %`;
console.log(`medians over ${runs} rounds; ratios: medians of the rounds' NAT/plain and NAT/(plain, conntrack on)`);
console.log(`${pad("cable", 10)} ${pad("measure", 12)} ${pad("plain", 8)} ${pad("+conntrack", 11)} ${pad("NAT", 8)} ${pad("NAT/plain", 10)} NAT/+conntrack`);
for (const r of results) {
  console.log(`${pad(r.cable, 10)} ${pad("TCP Gbit/s", 12)} ${pad(r.plainGbps.toFixed(2), 8)} ${pad(r.conntrackGbps.toFixed(2), 11)} ${pad(r.natGbps.toFixed(2), 8)} ${pad(pct(r.tcpRatio), 10)} ${pct(r.tcpRatioConntrack)}`);
  console.log(`${pad(r.cable, 10)} ${pad("64B kpps", 12)} ${pad(r.plainUdp64Kpps.toFixed(0), 8)} ${pad(r.conntrackUdp64Kpps.toFixed(0), 11)} ${pad(r.natUdp64Kpps.toFixed(0), 8)} ${pad(pct(r.udpRatio), 10)} ${pct(r.udpRatioConntrack)}`);
}
const dir = join(repo, "bench", "results");
mkdirSync(dir, { recursive: true });
const out = join(dir, "dataplane-global-nat.json");
writeFileSync(
  out,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, kernel: readFileSync("/proc/sys/kernel/osrelease", "utf8").trim(), node: process.version },
      loadavg: { before: loadBefore, after: load() },
      seconds,
      runs,
      results,
    },
    null,
    2,
  )}\n`,
);
console.error(`wrote ${out}`);
