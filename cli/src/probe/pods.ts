/**
 * Temporary pods for `verify` and `benchmark`: in each cluster, namespace `isthmus-verify` with
 * an echo server behind Service `echo-<cluster id>` (exported), an iperf3 server and a client
 * pod; commands run inside the client pod. Running a command in a pod needs the lab (the lab
 * kubelet has no exec API): other clusters get a clear error.
 */
import { join } from "node:path";
import { labExecArgv, workloadEntry } from "@isthmus/lab";
import { defaults } from "@isthmus/core/constants";
import { runCommand } from "@isthmus/core/runtime";
import { CliError } from "../command.js";
import { applyObjects, waitForWorkload, waitUntil } from "../kube/apply.js";
import type { ClusterTarget } from "../kube/cluster.js";
import { repoRoot } from "../manifests/components.js";
import type { ManifestObject } from "../manifests/load.js";
import { exportService } from "../commands/export.js";
import { readJoinState } from "../join/state.js";

/** The namespace of the temporary pods. */
export const probeNamespace = "isthmus-verify";

/** A joined cluster with its probe pods. */
export interface ProbeCluster {
  readonly id: string;
  readonly target: ClusterTarget;
  /** IPs of its echo and iperf3 pods. */
  readonly echoIp: string;
  readonly iperfIp: string;
}

const pod = (name: string, image: string, labels: Record<string, string>, args: string[] = []): ManifestObject => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, namespace: probeNamespace, labels },
  spec: { enableServiceLinks: false, containers: [{ name, image, args, ...(image === "lab/echo" ? { ports: [{ containerPort: 8080 }] } : {}) }] },
});

async function podIp(target: ClusterTarget, name: string): Promise<string> {
  return waitUntil(`the IP of ${probeNamespace}/${name} in ${target.name}`, async () => (await target.kube.core.readNamespacedPod({ namespace: probeNamespace, name })).status?.podIP, { timeoutMs: 30_000 });
}

/** Creates the probe pods in `target` and exports its echo Service. */
export async function startProbes(target: ClusterTarget, options: { iperf: boolean }): Promise<ProbeCluster> {
  if (target.lab === undefined) throw new CliError("Failed", `${target.name} is not a lab cluster: verify and benchmark run commands inside pods, which needs the lab (or kubectl exec, not implemented yet)`);
  const state = await readJoinState(target);
  if (state === undefined) throw new CliError("Failed", `${target.name} is not joined: run isthmus join first`);
  const id = state.clusterId;
  const objects: ManifestObject[] = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: probeNamespace } },
    pod("echo", "lab/echo", { app: "isthmus-verify-echo" }),
    pod("client", "lab/client", { app: "isthmus-verify-client" }),
    ...(options.iperf ? [pod("iperf3", "lab/iperf3", { app: "isthmus-verify-iperf3" })] : []),
    { apiVersion: "v1", kind: "Service", metadata: { name: `echo-${id}`, namespace: probeNamespace }, spec: { selector: { app: "isthmus-verify-echo" }, ports: [{ port: 80, targetPort: 8080, protocol: "TCP" }] } },
  ];
  await applyObjects(target, objects);
  for (const app of ["echo", "client", ...(options.iperf ? ["iperf3"] : [])]) {
    await waitForWorkload(target, { namespace: probeNamespace, labelSelector: `app=isthmus-verify-${app}`, what: `the ${app} probe pod in ${target.name}`, timeoutMs: 120_000 });
  }
  await exportService(target, { name: `echo-${id}`, namespace: probeNamespace });
  return { id, target, echoIp: await podIp(target, "echo"), iperfIp: options.iperf ? await podIp(target, "iperf3") : "" };
}

/** Deletes the probe namespace and waits until it is gone. */
export async function stopProbes(target: ClusterTarget): Promise<void> {
  await target.kube.core.deleteNamespace({ name: probeNamespace }).catch(() => undefined);
  await waitUntil(`namespace ${probeNamespace} in ${target.name} to go`, async () => target.kube.core.readNamespace({ name: probeNamespace }).then(() => undefined, () => true), { timeoutMs: 120_000 });
}

/** Runs `argv` in the client pod of `from`; returns exit code and output. */
export async function inClient(from: ProbeCluster, argv: readonly string[], timeoutMs = 30_000): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const lab = from.target.lab;
  if (lab === undefined) throw new CliError("Failed", `${from.target.name} is not a lab cluster`);
  const prefix = await labExecArgv(`${lab.cluster.id}/${probeNamespace}/client`, { stateDir: lab.plan.stateDir });
  return runCommand([...prefix, ...argv], { timeoutMs, allowExitCodes: Array.from({ length: 255 }, (_, i) => i + 1) });
}

/** GETs `url` from `from`'s client; returns the answering cluster or the error. */
export async function httpGet(from: ProbeCluster, url: string): Promise<{ cluster?: string; error?: string }> {
  const result = await inClient(from, [process.execPath, join(repoRoot, workloadEntry), "http-get", url, "--timeout", "3000"], 10_000);
  if (result.exitCode !== 0) return { error: (result.stderr || result.stdout).trim().split("\n")[0] ?? "failed" };
  return { cluster: (JSON.parse(result.stdout) as { cluster: string }).cluster };
}

/** The clusterset DNS name of `to`'s echo Service. */
export function echoName(to: ProbeCluster): string {
  return `echo-${to.id}.${probeNamespace}.svc.${defaults.dnsZone}`;
}
