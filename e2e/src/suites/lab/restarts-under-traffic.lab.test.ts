/**
 * Lab components killed under cross-cluster traffic (issue #20, ADR 0330), on a lab of its own
 * (2 clusters x 1 node) joined with the built CLI as an operator joins clusters: broker in c1,
 * c1 and c2 joined, echo exported from c2, a client pod in c1 calling
 * `http://echo.<ns>.svc.clusterset.local` in a loop. While the loop runs, etcd,
 * kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy and the lab kubelet of
 * both clusters are killed with SIGKILL, one after the other: each runs again within 5 s,
 * `lab status` shows every restart, and the loop loses no call (none of them is on the data
 * path; CoreDNS, which is, is not killed here). Only the controller-manager and the scheduler
 * may die once more on their own meanwhile (and are started again).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaults } from "@isthmus/core/constants";
import { requireLab, type LabStatus } from "@isthmus/lab";
import { isAlive, labBinaries, readPid, runCommand, waitFor } from "@isthmus/lab/testing";
import { batchScript, type Batch } from "../mcs/fixture.js";
import { ownLab } from "./own-lab.js";

const lab = ownLab("labr", 16480);
const ns = "restarts";
const url = `http://echo.${ns}.svc.${defaults.dnsZone}/`;
let dir = "";

async function cli(args: readonly string[], timeoutMs = 300_000): Promise<string> {
  const run = await lab.isthmus(args, timeoutMs);
  if (run.code !== 0) throw new Error(`isthmus ${args.join(" ")} exited ${String(run.code)}: ${run.stderr.slice(-2000)}`);
  return run.stdout;
}

const kubeconfig = async (cluster: string): Promise<string> => (await cli(["lab", "kubeconfig", cluster])).trim();

/** The lab's kubectl against one of this lab's clusters (the host reaches its apiserver on 127.0.0.1). */
async function kubectl(cluster: string, args: readonly string[], input?: string): Promise<string> {
  const { kubectl: bin } = await labBinaries();
  const run = await runCommand([bin, "--kubeconfig", await kubeconfig(cluster), ...args], { timeoutMs: 150_000, ...(input === undefined ? {} : { input }) });
  return run.stdout;
}

const apply = (cluster: string, objects: readonly object[]): Promise<string> =>
  kubectl(cluster, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));

async function batch(count: number): Promise<Batch> {
  const out = await cli(["lab", "exec", `c1/${ns}/client`, "--", process.execPath, "-e", batchScript, url, String(count), "2000"], count * 2_000 + 30_000);
  return JSON.parse(out) as Batch;
}

const echo: object[] = [
  { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "echo", namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "echo" } },
      template: { metadata: { labels: { app: "echo" } }, spec: { enableServiceLinks: false, containers: [{ name: "echo", image: "lab/echo", ports: [{ containerPort: 8080 }] }] } },
    },
  },
  { apiVersion: "v1", kind: "Service", metadata: { name: "echo", namespace: ns }, spec: { selector: { app: "echo" }, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] } },
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "isthmus-restarts-"));
  await cli(["lab", "up", "--clusters", "2", "--nodes", "1"], 900_000);
  const info = join(dir, "broker-info.json");
  await cli(["deploy-broker", "--kubeconfig", await kubeconfig("c1"), "--out", info]);
  for (const cluster of ["c1", "c2"]) await cli(["join", info, "--clusterid", cluster, "--skip-cni", "--kubeconfig", await kubeconfig(cluster)]);
  await apply("c1", [{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }, { apiVersion: "v1", kind: "Pod", metadata: { name: "client", namespace: ns }, spec: { enableServiceLinks: false, containers: [{ name: "client", image: "lab/client" }] } }]);
  await apply("c2", echo);
  await kubectl("c1", ["-n", ns, "wait", "pod/client", "--for=condition=Ready", "--timeout=120s"]);
  await kubectl("c2", ["-n", ns, "rollout", "status", "deployment/echo", "--timeout=120s"]);
  await cli(["export", "service", "echo", "-n", ns, "--kubeconfig", await kubeconfig("c2")]);
  await waitFor("c1's client to be answered by c2", async () => {
    const b = await batch(5);
    return b.failed === 0 && b.answeredBy.c2 === 5 ? true : undefined;
  }, { timeoutMs: 180_000, intervalMs: 1_000 });
}, 1_200_000);

afterAll(async () => {
  try {
    await cli(["lab", "down"], 180_000);
    expect(await lab.leftovers()).toEqual({ namespaces: [], mounts: [], processes: [], files: [] });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 240_000);

describe("lab components killed under cross-cluster traffic", () => {
  it("are back within 5 s each, lab status shows every restart, and the probe loop loses no call", async () => {
    const { plan } = await requireLab(lab.location);
    const victims = ["c1", "c2"].flatMap((c) => [...["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"].map((p) => `${c}-${p}`), `${c}-n1-kube-proxy`, `${c}-n1-kubelet`]);
    // lab status exits 1 while an apiserver does not answer yet; its JSON lists the components all the same.
    const components = async (): Promise<Map<string, LabStatus["clusters"][number]["components"][number]>> =>
      new Map((JSON.parse((await lab.isthmus(["lab", "status", "-o", "json"])).stdout) as LabStatus).clusters.flatMap((c) => c.components.map((p) => [p.name, p] as const)));
    const before = await components();
    const probe = batch(300);
    const backMs: number[] = [];
    for (const name of victims) {
      const old = await readPid(plan, name);
      if (old === undefined) throw new Error(`no pid file for ${name}`);
      process.kill(old, "SIGKILL");
      const t0 = Date.now();
      await waitFor(`${name} to run again`, async () => {
        const now = await readPid(plan, name);
        return now !== undefined && now !== old && (await isAlive(now)) ? true : undefined;
      }, { timeoutMs: 5_000, intervalMs: 50 });
      backMs.push(Date.now() - t0);
    }
    const result = await probe;
    process.stderr.write(`[restarts] ${victims.length} components killed, each back in ${Math.min(...backMs)}-${Math.max(...backMs)} ms; probe: ${JSON.stringify(result)}\n`);
    expect(result.failed, result.lastError).toBe(0);
    expect(result.answeredBy).toEqual({ c2: 300 });
    // Wait (with a deadline) until every victim runs: one that died again may be in its back-off.
    const after = await waitFor("every killed component to run again", async () => {
      const now = await components();
      return victims.every((name) => now.get(name)?.running === true) ? now : undefined;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    // A component may die once more on its own after its kill: kube-controller-manager did
    // (exit code 1) in 4 of the 5 runs here, after etcd and the apiserver of its cluster had just
    // been killed and started again. The supervisor starts it again too.
    const again = victims.filter((name) => (after.get(name)?.restarts ?? 0) > (before.get(name)?.restarts ?? 0) + 1);
    process.stderr.write(`[restarts] died again after the kill: ${again.map((n) => `${n} (${after.get(n)?.lastExit?.reason ?? "?"})`).join(", ") || "none"}\n`);
    for (const name of victims) {
      const seen = after.get(name);
      expect(seen?.running, name).toBe(true);
      expect(seen?.restarts, name).toBeGreaterThanOrEqual((before.get(name)?.restarts ?? 0) + 1);
      if (!again.includes(name)) expect(seen?.lastExit?.reason, name).toBe("killed by SIGKILL");
    }
    expect(again.every((name) => name.endsWith("kube-controller-manager") || name.endsWith("kube-scheduler")), again.join()).toBe(true);
    // And both control planes answer again: lab status exits 0.
    await waitFor("lab status to report everything running and answering", async () => ((await lab.isthmus(["lab", "status"])).code === 0 ? true : undefined), { timeoutMs: 60_000, intervalMs: 1_000 });
  });
});
