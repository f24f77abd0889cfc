// Startup benchmark (issue #23): CPU and wall time of each entry point from exec to exit, beside
// `node -e 0` measured the same way in the same run. CPU is user + system of the process and its
// children (bash's `times` after the command). Each entry runs --runs times (default 7); the
// median is reported and every sample kept. `isthmus lab exec` is measured only when a lab is up.
// Prints a table, writes bench/results/startup.json.
//
//   node bench/startup/run.js [--runs 7]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const i = process.argv.indexOf("--runs");
const runs = Math.min(Math.max(i < 0 ? 7 : Number(process.argv[i + 1]), 1), 50);
const node = process.execPath;
const isthmus = join(repo, "cli", "bin", "isthmus.js");
const labUp = existsSync("/var/lib/isthmus-lab/lab.json");

const entries = [
  { name: "node -e 0 (baseline)", argv: [node, "-e", "0"] },
  { name: "isthmus --help", argv: [node, isthmus, "--help"] },
  { name: "isthmus version", argv: [node, isthmus, "version"] },
  { name: "isthmus bogus (unknown command)", argv: [node, isthmus, "bogus"], exit: 2 },
  { name: "isthmus join --help", argv: [node, isthmus, "join", "--help"] },
  ...(labUp ? [{ name: "isthmus lab exec c1/c1-n1 -- true", argv: [node, isthmus, "lab", "exec", "c1/c1-n1", "--", "true"] }] : []),
  { name: "CNI plugin fallback, VERSION", argv: [node, join(repo, "cni", "dist", "plugin-main.js")], env: { CNI_COMMAND: "VERSION" }, stdin: '{"cniVersion":"1.0.0"}' },
  { name: "isthmus-broker --help", argv: [node, join(repo, "broker", "dist", "main.js"), "--help"] },
  { name: "isthmus-gateway --help", argv: [node, join(repo, "gateway", "dist", "main.js"), "--help"] },
  { name: "isthmus-route-agent --help", argv: [node, join(repo, "gateway", "dist", "route-agent.js"), "--help"] },
  { name: "isthmus-dns --help", argv: [node, join(repo, "dns", "dist", "main.js"), "--help"] },
];

const quote = (a) => `'${a.replaceAll("'", "'\\''")}'`;
/** One run: wall ms and CPU ms (user + sys of the children, from bash's `times`). */
function once(entry) {
  const script = `${entry.argv.map(quote).join(" ")} >/dev/null 2>&1 <<'STDIN'\n${entry.stdin ?? ""}\nSTDIN\necho "rc=$?"; times`;
  const started = process.hrtime.bigint();
  const r = spawnSync("bash", ["-c", script], { encoding: "utf8", env: { ...process.env, ...entry.env }, timeout: 60_000 });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const rc = Number(/rc=(\d+)/.exec(r.stdout)?.[1]);
  if (rc !== (entry.exit ?? 0)) throw new Error(`${entry.name}: exit code ${rc}, expected ${entry.exit ?? 0}`);
  // `times` prints the shell's own times, then its children's: "0m0.412s 0m0.051s".
  const children = r.stdout.trim().split("\n").at(-1);
  const [user, sys] = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60_000 + Number(m[2]) * 1000);
  return { wallMs, cpuMs: user + sys };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
console.error(`startup bench: ${runs} runs per entry (load ${readFileSync("/proc/loadavg", "utf8").trim()})`);
for (const entry of entries) {
  const samples = Array.from({ length: runs }, () => once(entry));
  rows.push({ entry: entry.name, cpuMs: median(samples.map((s) => s.cpuMs)), wallMs: median(samples.map((s) => s.wallMs)), samples });
}
const base = rows[0];
const pad = (s, n) => String(s).padEnd(n);
console.log(`${pad("entry point", 40)} ${pad("CPU ms", 8)} ${pad("+ node", 8)} wall ms`);
for (const r of rows) {
  r.cpuOverNodeMs = r.cpuMs - base.cpuMs;
  console.log(`${pad(r.entry, 40)} ${pad(r.cpuMs.toFixed(0), 8)} ${pad(r === base ? "-" : r.cpuOverNodeMs.toFixed(0), 8)} ${r.wallMs.toFixed(0)}`);
}
const results = join(repo, "bench", "results");
mkdirSync(results, { recursive: true });
writeFileSync(join(results, "startup.json"), `${JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version }, loadavg: readFileSync("/proc/loadavg", "utf8").trim(), runs, rows }, null, 2)}\n`);
console.error(`wrote ${join(results, "startup.json")}`);
