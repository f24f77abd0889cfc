/**
 * Issue #16's cross-cluster case on the lab (docs/adr/0406): c1 and c2 joined with the CLI; c1
 * shares namespace xc (label isthmus.io/share-pods=true) with pods `frontend` and `other`; c2's
 * xc holds `server` (exported as a Service), `bystander` and a local client `local`. A c2 policy
 * admits to `server` only `{isthmus.io/cluster: c1, app: frontend}`: c1's frontend reaches the
 * c2 service (clusterset DNS) and the pod, c1's other pod does not, and nothing else in c2
 * changes (every source still reaches `bystander`; the policy is the only one c2's nodes
 * enforce). Probes are TCP from inside the pods; an expected-open probe is retried (up to 3
 * rounds, the machine is loaded), an expected-closed one never.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaults } from "@isthmus/core/constants";
import { labExecOutput, labKubectl, waitFor } from "@isthmus/lab/testing";
import { httpBatch, joinLab, type JoinedLab } from "../mcs/fixture.js";
import { counterName } from "./fixture.js";

const ns = "xc";
const port = 8080;
const policyName = "only-c1-frontend";
const sources = ["c1/frontend", "c1/other", "c2/local"] as const;
const targets = ["server", "bystander"] as const;
const serviceUrl = `http://server.${ns}.svc.${defaults.dnsZone}/`;

const pod = (name: string, app: string): object => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: ns, labels: { app } },
  spec: { terminationGracePeriodSeconds: 2, enableServiceLinks: false, containers: [{ name: "echo", image: "lab/echo", ports: [{ name: "http", containerPort: port }] }] },
});
const list = (items: readonly object[]): string => JSON.stringify({ apiVersion: "v1", kind: "List", items });
const c1Objects = [{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { [defaults.sharePodsLabel]: "true" } } }, pod("frontend", "frontend"), pod("other", "other")];
const c2Objects = [
  { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
  pod("server", "server"),
  pod("bystander", "bystander"),
  pod("local", "local"),
  { apiVersion: "v1", kind: "Service", metadata: { name: "server", namespace: ns }, spec: { selector: { app: "server" }, ports: [{ name: "http", port: 80, targetPort: port, protocol: "TCP" }] } },
];
const policy = {
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: policyName, namespace: ns },
  spec: { podSelector: { matchLabels: { app: "server" } }, ingress: [{ from: [{ podSelector: { matchLabels: { [defaults.clusterLabel]: "c1", app: "frontend" } } }] }] },
};

const report = (line: string): void => {
  process.stderr.write(`[policy-xc] ${line}\n`);
};

let lab: JoinedLab | undefined;
const ips = new Map<string, string>();

const podIp = async (cluster: string, name: string): Promise<string> => (await labKubectl(cluster, ["-n", ns, "get", "pod", name, "-o", "jsonpath={.status.podIP}"])).trim();

/** Probes TCP 8080 of `ip` once from inside `source` ("c1/frontend"); true = connected. */
async function probe(source: string, ip: string): Promise<boolean> {
  const [cluster = "", name = ""] = source.split("/");
  const script = `if timeout 5 socat -T 2 /dev/null "TCP:${ip}:${String(port)},connect-timeout=2" 2>/dev/null; then echo 1; else echo 0; fi`;
  return (await labExecOutput(`${cluster}/${ns}/${name}`, ["sh", "-c", script], { timeoutMs: 30_000 })).trim() === "1";
}

/** The matrix sources × targets as "source→target" → reached; expected-open cells get up to 3 tries. */
async function probeMatrix(want: ReadonlyMap<string, boolean>): Promise<Map<string, boolean>> {
  const got = new Map<string, boolean>();
  await Promise.all(
    sources.flatMap((source) =>
      targets.map(async (target) => {
        const cell = `${source}→${target}`;
        let reached = await probe(source, ips.get(target) ?? "");
        for (let round = 1; round < 3 && !reached && want.get(cell) === true; round++) reached = await probe(source, ips.get(target) ?? "");
        got.set(cell, reached);
      }),
    ),
  );
  return got;
}

const matrixOf = (open: (source: string, target: string) => boolean): Map<string, boolean> => new Map(sources.flatMap((s) => targets.map((t) => [`${s}→${t}`, open(s, t)] as const)));
const show = (m: ReadonlyMap<string, boolean>): string => [...m].sort(([a], [b]) => a.localeCompare(b)).map(([cell, v]) => `${cell} ${v ? "open" : "closed"}`).join(", ");

/** The drop counters in the policy table of every c2 node. */
async function c2Counters(): Promise<string[]> {
  const out: string[] = [];
  for (const node of ["c2-n1", "c2-n2"]) {
    const text = await labExecOutput(`c2/${node}`, ["sh", "-c", "nft -j list counters table inet isthmus-policy 2>/dev/null || echo '{}'"]);
    out.push(...[...text.matchAll(/"name": "((?:in|eg)_[0-9a-f]{16})"/g)].map((m) => `${node}:${m[1] ?? ""}`));
  }
  return out.sort();
}

beforeAll(async () => {
  lab = await joinLab();
  await labKubectl("c1", ["delete", "namespace", ns, "--ignore-not-found", "--wait=true", "--timeout=120s"]);
  await labKubectl("c2", ["delete", "namespace", ns, "--ignore-not-found", "--wait=true", "--timeout=120s"]);
  await labKubectl("c1", ["apply", "-f", "-"], { input: list(c1Objects) });
  await labKubectl("c2", ["apply", "-f", "-"], { input: list(c2Objects) });
  for (const cluster of ["c1", "c2"]) await labKubectl(cluster, ["-n", ns, "wait", "pod", "--all", "--for=condition=Ready", "--timeout=120s"]);
  for (const target of targets) ips.set(target, await podIp("c2", target));
  await lab.cli("c2", ["export", "service", "server", "-n", ns]);
  // c1's two pods reach c2 as a RemotePodSet (c1's isthmus-dns → broker → c2's isthmus-dns).
  const wanted = [await podIp("c1", "frontend"), await podIp("c1", "other")].sort().join();
  await waitFor(
    "c2's RemotePodSet c1.xc with c1's frontend and other",
    async () => {
      const out = await labKubectl("c2", ["get", "remotepodsets", `c1.${ns}`, "-o", "jsonpath={.spec.pods[*].ip}", "--ignore-not-found"]);
      return out.trim().split(/\s+/).sort().join() === wanted ? true : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 500 },
  );
  report(`c2 server ${ips.get("server") ?? ""}, bystander ${ips.get("bystander") ?? ""}; c1 pods ${wanted}`);
}, 900_000);

afterAll(async () => {
  try {
    for (const cluster of ["c1", "c2"]) await labKubectl(cluster, ["delete", "namespace", ns, "--ignore-not-found", "--wait=true", "--timeout=120s"]).catch(() => "");
  } finally {
    await lab?.stop();
  }
}, 600_000);

describe("a c2 policy that admits only c1's frontend pods", () => {
  it("without it, every source reaches both c2 pods", async () => {
    const want = matrixOf(() => true);
    const got = await probeMatrix(want);
    report(`before: ${show(got)}`);
    expect(show(got)).toBe(show(want));
  });

  it("with it: c1 frontend reaches the c2 service and pod, c1's other pod and c2's own client do not, and bystander stays open to all", async () => {
    await labKubectl("c2", ["apply", "-f", "-"], { input: JSON.stringify(policy) });
    const counter = counterName(ns, policyName, "ingress");
    const serverNode = (await labKubectl("c2", ["-n", ns, "get", "pod", "server", "-o", "jsonpath={.spec.nodeName}"])).trim();
    // The only policy in force in c2 is this one, on the server's node.
    await waitFor("c2's nodes to enforce only the new policy", async () => ((await c2Counters()).join() === `${serverNode}:${counter}` ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
    const want = matrixOf((source, target) => target === "bystander" || source === "c1/frontend");
    const got = await probeMatrix(want);
    report(`after: ${show(got)}`);
    expect(show(got)).toBe(show(want));
    const fromFrontend = await waitFor(
      `GETs of ${serviceUrl} from c1's frontend answered by c2`,
      async () => {
        const batch = await httpBatch(`c1/${ns}/frontend`, serviceUrl, 5);
        return batch.failed === 0 && Object.keys(batch.answeredBy).join() === "c2" ? batch : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    const fromOther = await httpBatch(`c1/${ns}/other`, serviceUrl, 5);
    report(`service from frontend ${JSON.stringify(fromFrontend)}, from other ${JSON.stringify(fromOther)}`);
    expect(fromOther).toMatchObject({ answeredBy: {}, failed: 5 });
  });
});
