// DNS benchmark (issue #7): dnsperf QPS and latency of isthmus-dns against CoreDNS serving the
// same 10,000 names from a zone file (the `file` plugin), same run, same machine, loopback only.
// Each server runs as its own process; its CPU time during a run (from /proc/<pid>/stat) gives
// QPS per core. Saturated runs measure throughput; runs at a fixed rate measure latency at
// equal load. Needs a build (`npx tsc -b`), dnsperf (`apt-get install -y dnsperf`) and CoreDNS
// (ISTHMUS_COREDNS or ~/.cache/isthmus/bin/coredns-v1.14.7/coredns). Writes bench/results/dns.json.
//
//   node bench/dns/run.js [--services 10000] [--seconds 5] [--runs 3] [--rate 10000]
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os, { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { numberArg } from "../args.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const services = numberArg("services", 10000, { max: 1_000_000 });
const seconds = numberArg("seconds", 5, { max: 60 });
const runs = numberArg("runs", 3, { max: 20 });
const rate = numberArg("rate", 10000, { max: 1_000_000 });
const coredns = process.env.ISTHMUS_COREDNS ?? join(homedir(), ".cache/isthmus/bin/coredns-v1.14.7/coredns");
const work = mkdtempSync(join(tmpdir(), "isthmus-test-dns-bench-"));
const children = [];
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
});

function writeInputs() {
  const zone = [
    "$ORIGIN clusterset.local.",
    "$TTL 5",
    "@ IN SOA ns.dns.clusterset.local. hostmaster.clusterset.local. 1 7200 1800 86400 5",
    "@ IN NS ns.dns.clusterset.local.",
    "ns.dns IN A 127.0.0.1",
    'dns-version IN TXT "1.0.0"',
  ];
  const queries = [];
  for (let i = 0; i < services; i++) {
    const name = `svc-${i}.bench-${i % 10}.svc`;
    zone.push(`${name} IN A 10.96.${i >> 8}.${i & 255}`);
    zone.push(`_http._tcp.${name} IN SRV 0 100 80 ${name}.clusterset.local.`);
    queries.push(`${name}.clusterset.local A`);
  }
  // Deterministic shuffle so both servers see the same order.
  let seed = 42;
  for (let i = queries.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const j = seed % (i + 1);
    [queries[i], queries[j]] = [queries[j], queries[i]];
  }
  writeFileSync(join(work, "db.clusterset.local"), `${zone.join("\n")}\n`);
  writeFileSync(join(work, "queries.txt"), `${queries.join("\n")}\n`);
}

function startProcess(argv, readyPattern) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], cwd: work });
    children.push(child);
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${argv[0]} not ready within 20 s: ${out}`)), 20_000);
    const onData = (b) => {
      out += b;
      if (readyPattern.test(out)) {
        clearTimeout(timer);
        resolve({ child, out });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${argv[0]} exited with ${code}: ${out}`)));
  });
}

function freePort() {
  return 20000 + Math.floor(Math.random() * 20000);
}

function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function dnsperf(port, extra) {
  const out = execFileSync("dnsperf", ["-s", "127.0.0.1", "-p", String(port), "-d", join(work, "queries.txt"), "-l", String(seconds), "-t", "2", ...extra], {
    encoding: "utf8",
    timeout: (seconds + 30) * 1000,
  });
  const num = (re) => Number(re.exec(out)?.[1] ?? NaN);
  return {
    qps: num(/Queries per second:\s+([\d.]+)/),
    lost: num(/Queries lost:\s+(\d+)/),
    completed: num(/Queries completed:\s+(\d+)/),
    noerror: num(/NOERROR (\d+)/),
    avgMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    maxMs: num(/Average Latency \(s\):.*max ([\d.]+)/) * 1000,
    stddevMs: num(/Latency StdDev \(s\):\s+([\d.]+)/) * 1000,
  };
}

function measure(server, port, extra) {
  const before = cpuSeconds(server.pid);
  const result = dnsperf(port, extra);
  const cpu = cpuSeconds(server.pid) - before;
  return { ...result, cpuCores: cpu / seconds, qpsPerCore: (result.qps * seconds) / cpu };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const loadAverageBefore = os.loadavg();
writeInputs();
const corePort = freePort();
writeFileSync(join(work, "Corefile"), `clusterset.local:${corePort} {\n  bind 127.0.0.1\n  file ${join(work, "db.clusterset.local")}\n}\n`);
const { child: core } = await startProcess([coredns, "-conf", join(work, "Corefile")], /CoreDNS-|clusterset\.local/);
const started = await startProcess(["node", join(repo, "bench/dns/server.js"), String(services), "0"], /ready \d+/);
const isthmus = started.child;
const isthmusPort = Number(/ready (\d+)/.exec(started.out)[1]);

// Answers must agree before anything is timed.
for (const name of ["svc-1234.bench-4.svc.clusterset.local", "svc-9999.bench-9.svc.clusterset.local"]) {
  const ask = (p) => execFileSync("dig", ["@127.0.0.1", "-p", String(p), "+short", name, "A"], { encoding: "utf8" }).trim();
  if (ask(corePort) !== ask(isthmusPort) || ask(corePort) === "") throw new Error(`answers differ for ${name}: ${ask(corePort)} vs ${ask(isthmusPort)}`);
}

const servers = [
  { name: "coredns-file", process: core, port: corePort },
  { name: "isthmus-dns", process: isthmus, port: isthmusPort },
];
const samples = Object.fromEntries(servers.map((s) => [s.name, { saturated: [], fixedRate: [] }]));
for (let run = 0; run < runs; run++) {
  for (const server of servers) {
    samples[server.name].saturated.push(measure(server.process, server.port, ["-q", "200"]));
    samples[server.name].fixedRate.push(measure(server.process, server.port, ["-Q", String(rate), "-q", "200"]));
  }
}

const summary = {};
for (const server of servers) {
  const s = samples[server.name];
  summary[server.name] = {
    qps: median(s.saturated.map((x) => x.qps)),
    qpsPerCore: median(s.saturated.map((x) => x.qpsPerCore)),
    cpuCores: median(s.saturated.map((x) => x.cpuCores)),
    saturatedAvgMs: median(s.saturated.map((x) => x.avgMs)),
    lost: s.saturated.reduce((n, x) => n + x.lost, 0),
    [`avgMsAt${rate}`]: median(s.fixedRate.map((x) => x.avgMs)),
    [`maxMsAt${rate}`]: median(s.fixedRate.map((x) => x.maxMs)),
    [`stddevMsAt${rate}`]: median(s.fixedRate.map((x) => x.stddevMs)),
  };
}

const rows = [["server", "QPS", "CPU cores", "QPS/core", "avg ms (sat.)", `avg ms @${rate}`, `max ms @${rate}`, "lost"]];
for (const [name, x] of Object.entries(summary)) {
  rows.push([name, x.qps.toFixed(0), x.cpuCores.toFixed(2), x.qpsPerCore.toFixed(0), x.saturatedAvgMs.toFixed(3), x[`avgMsAt${rate}`].toFixed(3), x[`maxMsAt${rate}`].toFixed(3), String(x.lost)]);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const row of rows) console.log(row.map((c, i) => c.padEnd(widths[i])).join("  "));

const coreVersion = execFileSync(coredns, ["-version"], { encoding: "utf8" }).split("\n")[0];
const result = {
  benchmark: "dns",
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, node: process.version, coredns: coreVersion, loadAverageBefore, loadAverageAfter: os.loadavg() },
  config: { services, seconds, runs, rate, queries: "A of every service name, shuffled, via dnsperf on loopback" },
  summary,
  samples,
};
mkdirSync(join(repo, "bench/results"), { recursive: true });
writeFileSync(join(repo, "bench/results/dns.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log("wrote bench/results/dns.json");
process.exit(0);
