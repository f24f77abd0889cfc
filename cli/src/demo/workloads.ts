/**
 * The demo's workloads: an echo server behind Service `echo` in c2 and a client pod in c1,
 * both in namespace `demo` (built-in lab images), and the call from the client.
 */
import { join } from "node:path";
import { labExecArgv, workloadEntry } from "@isthmus/lab";
import { runCommand } from "@isthmus/core/runtime";
import { applyObjects, waitForWorkload, waitUntil } from "../kube/apply.js";
import type { ClusterTarget } from "../kube/cluster.js";
import { repoRoot } from "../manifests/components.js";
import type { ManifestObject } from "../manifests/load.js";

/** The demo namespace. */
export const demoNamespace = "demo";

const namespace: ManifestObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: demoNamespace } };

/** Creates the echo Deployment (one replica) and Service in `target`; waits until ready. */
export async function deployEcho(target: ClusterTarget): Promise<void> {
  const labels = { app: "echo" };
  await applyObjects(target, [
    namespace,
    {
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "echo", namespace: demoNamespace },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { enableServiceLinks: false, containers: [{ name: "echo", image: "lab/echo", ports: [{ containerPort: 8080 }] }] } } },
    },
    { apiVersion: "v1", kind: "Service", metadata: { name: "echo", namespace: demoNamespace }, spec: { selector: labels, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] } },
  ]);
  await waitForWorkload(target, { namespace: demoNamespace, labelSelector: "app=echo", what: "the echo pod", timeoutMs: 120_000 });
}

/** Creates the client pod in `target`; waits until ready. */
export async function deployClient(target: ClusterTarget): Promise<void> {
  await applyObjects(target, [
    namespace,
    { apiVersion: "v1", kind: "Pod", metadata: { name: "client", namespace: demoNamespace, labels: { app: "client" } }, spec: { enableServiceLinks: false, containers: [{ name: "client", image: "lab/client" }] } },
  ]);
  await waitForWorkload(target, { namespace: demoNamespace, labelSelector: "app=client", what: "the client pod", timeoutMs: 120_000 });
}

/** The echo server's answer. */
export interface EchoAnswer {
  readonly cluster: string;
  readonly node: string;
  readonly pod: string;
  readonly client: string;
  readonly path: string;
}

/** GETs `url` from the client pod of lab cluster `cluster` until it answers (DNS and routes converge). */
export async function callFromClient(options: { stateDir: string; cluster: string; url: string; timeoutMs: number }): Promise<EchoAnswer> {
  const prefix = await labExecArgv(`${options.cluster}/${demoNamespace}/client`, { stateDir: options.stateDir });
  const argv = [...prefix, process.execPath, join(repoRoot, workloadEntry), "http-get", options.url, "--timeout", "3000"];
  let last = "";
  return waitUntil(`an answer from ${options.url}`, async () => {
    const result = await runCommand(argv, { timeoutMs: 10_000, allowExitCodes: [1] });
    if (result.exitCode !== 0) {
      last = (result.stderr || result.stdout).trim();
      return undefined;
    }
    return JSON.parse(result.stdout) as EchoAnswer;
  }, { timeoutMs: options.timeoutMs, intervalMs: 1000, state: () => Promise.resolve(`  last attempt: ${last}`) });
}
