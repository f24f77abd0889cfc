// `npm run bench`: every benchmark, one after the other, each printing its table and writing
// bench/results/<name>.json with its baseline measured in the same run. Needs root and a build
// (`npm run bench` builds first). The lab benchmarks bring the lab up first (idempotent) and
// leave it running. Pass names to run a subset: `npm run bench -- cni dns`.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../", import.meta.url));
const benches = [
  { name: "broker", script: "bench/broker/run.js", lab: false },
  { name: "cni", script: "bench/cni/run.js", lab: false },
  { name: "dashboard", script: "bench/dashboard/run.js", lab: false },
  { name: "dataplane", script: "bench/dataplane/run.js", lab: false },
  { name: "dataplane-lab", script: "bench/dataplane/lab.js", lab: true },
  { name: "dataplane-global-nat", script: "bench/dataplane/global-nat.js", lab: false },
  { name: "egress", script: "bench/egress/run.js", lab: false },
  { name: "dns", script: "bench/dns/run.js", lab: false },
  { name: "startup", script: "bench/startup/run.js", lab: false },
  { name: "dns-propagation", script: "bench/dns/propagation.js", lab: true },
  { name: "failover", script: "bench/failover/run.js", lab: true },
  // Brings up (and takes down) a lab of its own: c1 isthmus-cni, c2 flannel, c3 reference.
  { name: "cni-interop", script: "bench/cni-interop/run.js", lab: false },
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !benches.some((b) => b.name === w));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s) ${unknown.join(", ")}; known: ${benches.map((b) => b.name).join(", ")}`);
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  console.error("The benchmarks need root (network namespaces): run `npm run bench` as root (in a root shell, or with sudo).");
  process.exit(1);
}

const run = (argv) => spawnSync(process.execPath, argv, { cwd: repo, stdio: "inherit" }).status ?? 1;
const failed = [];
let labUp = false;
for (const bench of benches.filter((b) => wanted.length === 0 || wanted.includes(b.name))) {
  console.log(`\n=== bench ${bench.name} (${bench.script})`);
  if (bench.lab && !labUp) {
    if (run(["cli/bin/isthmus.js", "lab", "up"]) !== 0) {
      failed.push(bench.name);
      continue;
    }
    labUp = true;
  }
  if (run([bench.script]) !== 0) failed.push(bench.name);
}
if (failed.length > 0) {
  console.error(`\nFailed: ${failed.join(", ")}`);
  process.exit(1);
}
console.log("\nAll benchmarks done; results in bench/results/.");
