// NetworkPolicy enforcement latency on the running shared lab (issue #16): the time from a
// NetworkPolicy write to the API server of c1 until isthmus-node on c1-n1 has it in force (its
// drop counter is in the node's table), over N updates. Each update creates a new policy
// selecting one pod and deletes the previous one. Measured from just before `kubectl apply`
// starts (an upper bound: includes kubectl's own start, ~0.1-0.2 s) and from when it returns.
// Needs root, a lab that is up (`isthmus lab up` or a kept test lab) and `npx tsc -b`.
//
//   node bench/policy/lab-latency.js [--updates 50]
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";

const { labKubectl } = await import("@isthmus/lab/testing");
const { requireLab, findNode } = await import("@isthmus/lab");

const i = process.argv.indexOf("--updates");
const updates = i < 0 ? 50 : Number(process.argv[i + 1]);
const { plan } = await requireLab();
const netns = findNode(plan, "c1", "c1-n1").netns;
const ns = "pol-latency";
const counter = (name) => `in_${createHash("sha256").update(`${ns}/${name}`).digest("hex").slice(0, 16)}`;
const counters = () => execFileSync("ip", ["netns", "exec", netns, "nft", "-j", "list", "counters", "table", "inet", "isthmus-policy"], { encoding: "utf8" });
const percentile = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

await labKubectl("c1", ["apply", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: [
  { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
  { apiVersion: "v1", kind: "Pod", metadata: { name: "target", namespace: ns, labels: { app: "target" } }, spec: { nodeName: "c1-n1", terminationGracePeriodSeconds: 2, containers: [{ name: "echo", image: "lab/echo" }] } },
] }) });
await labKubectl("c1", ["-n", ns, "wait", "pod/target", "--for=condition=Ready", "--timeout=120s"]);
const fromStart = [];
const fromReturn = [];
try {
  for (let u = 1; u <= updates; u++) {
    const name = `lat-${u}`;
    const body = JSON.stringify({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace: ns }, spec: { podSelector: { matchLabels: { app: "target" } }, ingress: [{ ports: [{ port: 1000 + u }] }] } });
    const started = performance.now();
    await labKubectl("c1", ["apply", "-f", "-"], { input: body });
    const returned = performance.now();
    const deadline = returned + 10_000;
    while (!counters().includes(counter(name))) {
      if (performance.now() > deadline) throw new Error(`policy ${name} not in force after 10 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const done = performance.now();
    fromStart.push(done - started);
    fromReturn.push(done - returned);
    if (u > 1) await labKubectl("c1", ["-n", ns, "delete", "networkpolicy", `lat-${u - 1}`]);
  }
} finally {
  await labKubectl("c1", ["delete", "namespace", ns, "--wait=true", "--timeout=90s"]);
}
const fmt = (v) => `p50 ${percentile(v, 50).toFixed(0)} ms, p95 ${percentile(v, 95).toFixed(0)} ms, max ${Math.max(...v).toFixed(0)} ms`;
console.log(`${updates} updates, write -> in force on c1-n1`);
console.log(`  from before kubectl apply: ${fmt(fromStart)}`);
console.log(`  from kubectl apply's return: ${fmt(fromReturn)}`);
