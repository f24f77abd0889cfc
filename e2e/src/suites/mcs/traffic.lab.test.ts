/**
 * The Multi-Cluster Services done-when checks with real traffic and the real data plane: c1
 * and c2 joined with the CLI (broker, gateways, route agents, isthmus-dns, CoreDNS forwarding),
 * a client pod in c1 calling `http://echo.<ns>.svc.clusterset.local` through its normal
 * resolver, and an echo Deployment + Service in both clusters (exported or not):
 * exported in c2 only → c2 answers (c1's own, unexported echo never does); exported in both →
 * both answer; c2's gateway node loses its WAN link → c1's gateway reports the tunnel down,
 * c2's slice leaves c1's import and only c1 answers, and both again once the link is back;
 * unexported in c2 → only c1 answers. Then: an export whose namespace does not exist in c1 is
 * imported as soon as the namespace is created there. Every wait has a deadline.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaults } from "@isthmus/core/constants";
import { labExecOutput, labKubectl, waitFor } from "@isthmus/lab/testing";
import { answeringClusters, gatewayWan, httpBatch, joinLab, type Batch, type JoinedLab } from "./fixture.js";

const ns = "mcs-e2e";
const lateNs = "mcs-late";
const url = `http://echo.${ns}.svc.${defaults.dnsZone}/`;
const client = `c1/${ns}/client`;
const kubectl = (cluster: string, args: readonly string[], input?: string): Promise<string> => labKubectl(cluster, args, input === undefined ? {} : { input });
const apply = (cluster: string, objects: readonly object[]): Promise<string> => kubectl(cluster, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));

const echo = (namespace: string): object[] => [
  { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "echo", namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "echo" } },
      template: { metadata: { labels: { app: "echo" } }, spec: { enableServiceLinks: false, containers: [{ name: "echo", image: "lab/echo", ports: [{ containerPort: 8080 }] }] } },
    },
  },
  { apiVersion: "v1", kind: "Service", metadata: { name: "echo", namespace }, spec: { selector: { app: "echo" }, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] } },
];

const report = (line: string): void => {
  process.stderr.write(`[mcs] ${line}\n`);
};

let lab: JoinedLab | undefined;
const joined = (): JoinedLab => {
  if (lab === undefined) throw new Error("the lab was not joined");
  return lab;
};

const sourcesInC1 = async (namespace: string): Promise<string> => {
  const out = await kubectl("c1", ["-n", namespace, "get", "endpointslices", "-l", "multicluster.kubernetes.io/service-name=echo", "-o", "jsonpath={.items[*].metadata.labels.multicluster\\.kubernetes\\.io/source-cluster}"]);
  return out.trim().split(/\s+/).filter((s) => s !== "").sort().join();
};
const waitSources = (expected: string, timeoutMs = 60_000): Promise<true> =>
  waitFor(`c1's imported slices of echo from ${expected}`, async () => ((await sourcesInC1(ns)) === expected ? true : undefined), { timeoutMs, intervalMs: 250 });

/** Sends batches of `count` GETs until one is answered, without failures, by exactly `clusters`. */
async function waitAnswers(clusters: string, count: number, timeoutMs = 90_000): Promise<Batch> {
  let last: Batch | undefined;
  return waitFor(`${String(count)} GETs of ${url} from ${client} answered by ${clusters} only`, async () => {
    last = await httpBatch(client, url, count);
    return last.failed === 0 && answeringClusters(last) === clusters ? last : undefined;
  }, { timeoutMs, intervalMs: 500, explain: () => Promise.resolve(`last batch: ${JSON.stringify(last)}`) });
}

beforeAll(async () => {
  lab = await joinLab();
  await apply("c1", [...echo(ns), { apiVersion: "v1", kind: "Pod", metadata: { name: "client", namespace: ns }, spec: { enableServiceLinks: false, containers: [{ name: "client", image: "lab/client" }] } }]);
  await apply("c2", echo(ns));
  await kubectl("c1", ["-n", ns, "wait", "pod/client", "--for=condition=Ready", "--timeout=120s"]);
  for (const cluster of ["c1", "c2"]) await kubectl(cluster, ["-n", ns, "rollout", "status", "deployment/echo", "--timeout=120s"]);
}, 600_000);

afterAll(async () => {
  try {
    for (const cluster of ["c1", "c2"]) for (const namespace of [ns, lateNs]) await kubectl(cluster, ["delete", "namespace", namespace, "--ignore-not-found", "--wait=true", "--timeout=120s"]).catch(() => "");
  } finally {
    await lab?.stop();
  }
}, 600_000);

describe("MCS traffic across the joined clusters", () => {
  it("exported in c2 only → every call from c1 is answered by c2 (c1's own echo is not exported)", async () => {
    await joined().cli("c2", ["export", "service", "echo", "-n", ns]);
    const batch = await waitAnswers("c2", 10);
    expect(batch.answeredBy).toEqual({ c2: 10 });
  });

  it("exported in c1 too → calls reach both clusters", async () => {
    await joined().cli("c1", ["export", "service", "echo", "-n", ns]);
    await waitSources("c1,c2");
    const batch = await waitAnswers("c1,c2", 24);
    expect(batch.failed).toBe(0);
  });

  it("c2's gateway node loses its WAN link → c2's endpoints leave c1's import and only c1 answers; link back → both again", async () => {
    const wan = gatewayWan("c2");
    expect(await joined().connection("c1", "c2")).toBe("connected");
    const down = Date.now();
    await labExecOutput(wan.target, ["ip", "link", "set", wan.link, "down"]);
    try {
      await waitSources("c1");
      report(`c2's slice withdrawn in c1 ${String(Date.now() - down)} ms after c2's WAN link went down`);
      // The withdrawal follows the tunnel state c1's gateway reports, not some other signal.
      expect(await joined().connection("c1", "c2")).toBe("error");
      expect((await waitAnswers("c1", 16)).answeredBy).toEqual({ c1: 16 });
    } finally {
      await labExecOutput(wan.target, ["ip", "link", "set", wan.link, "up"]);
    }
    const up = Date.now();
    await waitSources("c1,c2", 120_000);
    report(`c2's slice back in c1 ${String(Date.now() - up)} ms after the link came back`);
    expect(await joined().connection("c1", "c2")).toBe("connected");
    await waitAnswers("c1,c2", 24);
  });

  it("unexported in c2 → only c1 answers", async () => {
    await joined().cli("c2", ["unexport", "service", "echo", "-n", ns]);
    await waitSources("c1");
    expect((await waitAnswers("c1", 16)).answeredBy).toEqual({ c1: 16 });
  });
});

describe("an export whose namespace is missing in the importing cluster", () => {
  it("is imported into c1 as soon as the namespace is created there, well before the 60 s resync", async () => {
    await apply("c2", echo(lateNs));
    await joined().cli("c2", ["export", "service", "echo", "-n", lateNs]);
    // A later export of c2 that c1 does import: once it is there, c1 has seen the first one too
    // (the broker's watch delivers c2's records in order) and found no namespace for it.
    await apply("c2", [{ apiVersion: "v1", kind: "Service", metadata: { name: "marker", namespace: ns }, spec: { ports: [{ name: "http", port: 80, protocol: "TCP" }] } }]);
    await joined().cli("c2", ["export", "service", "marker", "-n", ns]);
    await waitFor("c1's import of the marker export", async () => ((await kubectl("c1", ["-n", ns, "get", "serviceimport", "marker", "--ignore-not-found", "-o", "name"])).trim() !== "" ? true : undefined), { timeoutMs: 60_000 });

    const created = Date.now();
    await apply("c1", [{ apiVersion: "v1", kind: "Namespace", metadata: { name: lateNs } }]);
    // The resync is 60 s: a deadline of 15 s fails when only the resync would import it.
    await waitFor(`ServiceImport ${lateNs}/echo in c1`, async () => ((await kubectl("c1", ["-n", lateNs, "get", "serviceimport", "echo", "--ignore-not-found", "-o", "name"])).trim() !== "" ? true : undefined), { timeoutMs: 15_000, intervalMs: 100 });
    report(`ServiceImport ${lateNs}/echo in c1 ${String(Date.now() - created)} ms after its namespace was created`);
    const lateUrl = `http://echo.${lateNs}.svc.${defaults.dnsZone}/`;
    await waitFor(`GET ${lateUrl} from ${client} answered by c2`, async () => {
      const batch = await httpBatch(client, lateUrl, 1);
      return answeringClusters(batch) === "c2" ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 500 });
  });
});
