// Propagation benchmark (issue #7): a ServiceExport created in c2 → its name resolvable at
// c1's isthmus-dns, p50/p95 over N exports. Runs on the lab (`npx isthmus lab up`, 2 clusters)
// with the real agents and a real broker (the same fixture as the DNS lab suite), after a build
// (`npx tsc -b`). Each export's Service exists beforehand; the clock starts just before the
// ServiceExport create call (through the API, no kubectl start-up) and stops when a dig loop
// running in c1's gateway node gets an A answer (20 ms between queries, same host clock).
// Writes bench/results/dns-propagation.json.
//
//   node bench/dns/propagation.js [--count 20]
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { createKubeClient } from "@isthmus/core/kube";
import { startDnsLab, dnsPort } from "../../e2e/dist/suites/dns/fixture.js";
import { labKubeconfig } from "@isthmus/lab";
import { labExecOutput, labKubectl } from "@isthmus/lab/testing";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const i = process.argv.indexOf("--count");
const count = i < 0 ? 20 : Number(process.argv[i + 1]);
const ns = "dns-propagation";
const zone = "clusterset.local";

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

const lab = await startDnsLab();
try {
  for (const cluster of ["c1", "c2"]) await labKubectl(cluster, ["create", "namespace", ns, "--dry-run=client", "-o", "json"]).then((o) => labKubectl(cluster, ["apply", "-f", "-"], { input: o }));
  await lab.setConnections("c1", { c2: "connected" });
  const services = Array.from({ length: count }, (_, n) => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: `prop-${n}`, namespace: ns },
    spec: { ports: [{ name: "http", port: 80, protocol: "TCP" }] },
  }));
  await labKubectl("c2", ["apply", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: services }) });
  const custom = createKubeClient({ kubeconfigPath: await labKubeconfig("c2") }).api(CustomObjectsApi);
  const server = await lab.dnsAddress("c1");
  const samples = [];
  for (let n = 0; n < count; n++) {
    const name = `prop-${n}.${ns}.svc.${zone}`;
    const loop = `for i in $(seq 1 500); do if [ -n "$(dig +short +time=1 +tries=1 -p ${dnsPort} @${server} ${name} A)" ]; then date +%s%3N; exit 0; fi; sleep 0.02; done; exit 1`;
    const resolved = labExecOutput("c1/c1-n1", ["sh", "-c", loop], { timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 300)); // the dig loop is running before the clock starts
    const start = Date.now();
    await custom.createNamespacedCustomObject({
      group: "multicluster.x-k8s.io",
      version: "v1alpha1",
      namespace: ns,
      plural: "serviceexports",
      body: { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "ServiceExport", metadata: { name: `prop-${n}`, namespace: ns } },
    });
    const ms = Number((await resolved).trim()) - start;
    samples.push(ms);
    process.stdout.write(`export ${n + 1}/${count}: ${ms} ms\n`);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const result = { count, p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95), minMs: sorted[0], maxMs: sorted.at(-1), samplesMs: samples, at: new Date().toISOString() };
  console.table([{ exports: count, "p50 (ms)": result.p50Ms, "p95 (ms)": result.p95Ms, "min (ms)": result.minMs, "max (ms)": result.maxMs }]);
  mkdirSync(`${repo}bench/results`, { recursive: true });
  writeFileSync(`${repo}bench/results/dns-propagation.json`, `${JSON.stringify(result, null, 2)}\n`);
} finally {
  for (const cluster of ["c1", "c2"]) await labKubectl(cluster, ["delete", "namespace", ns, "--ignore-not-found", "--wait=false"]).catch(() => "");
  await lab.stop();
}
