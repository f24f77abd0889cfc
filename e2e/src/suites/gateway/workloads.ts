/**
 * The suite's workloads: in each cluster, an echo pod and a client pod pinned to the non-gateway
 * node (n2) and a ClusterIP Service `echo` in front of the echo pod; helpers to query them from
 * inside the client pod (`lab exec <cluster>/gateway-e2e/client`).
 */
import { join } from "node:path";
import { type EchoReply, waitFor } from "@isthmus/lab/testing";
import { repoRoot, workloadEntry } from "@isthmus/lab";
import { workloadNamespace as ns, type LabAccess } from "./fixture.js";

const workloadsMain = join(repoRoot, workloadEntry);

const manifests = (cluster: string): object => ({
  apiVersion: "v1",
  kind: "List",
  items: [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
    {
      apiVersion: "v1", kind: "Pod", metadata: { name: "echo", namespace: ns, labels: { app: "echo" } },
      spec: { nodeName: `${cluster}-n2`, containers: [{ name: "echo", image: "lab/echo", ports: [{ containerPort: 8080 }] }] },
    },
    { apiVersion: "v1", kind: "Pod", metadata: { name: "client", namespace: ns }, spec: { nodeName: `${cluster}-n2`, containers: [{ name: "client", image: "lab/client" }] } },
    {
      apiVersion: "v1", kind: "Service", metadata: { name: "echo", namespace: ns },
      // "sink": port 9000 of the echo pod, where the bulk-transfer test listens with socat.
      spec: { selector: { app: "echo" }, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }, { name: "sink", port: 9000, targetPort: 9000, protocol: "TCP" }] },
    },
  ],
});

/** Creates the workloads in `clusters` and waits until they are Ready. */
export async function deployWorkloads(lab: LabAccess, clusters: readonly string[]): Promise<void> {
  const { kubectl } = lab;
  // A namespace left terminating by an earlier run would refuse the new pods: start from none.
  for (const cluster of clusters) await kubectl(cluster, ["delete", "namespace", ns, "--ignore-not-found", "--wait=true", "--timeout=120s"]);
  for (const cluster of clusters) await kubectl(cluster, ["apply", "-f", "-"], JSON.stringify(manifests(cluster)));
  for (const cluster of clusters) await kubectl(cluster, ["-n", ns, "wait", "pod/echo", "pod/client", "--for=condition=Ready", "--timeout=120s"]);
}

/** The IP of pod `name` in `cluster`. */
export async function podIp(lab: LabAccess, cluster: string, name: string): Promise<string> {
  return (await lab.kubectl(cluster, ["-n", ns, "get", "pod", name, "-o", "jsonpath={.status.podIP}"])).trim();
}

/** The ClusterIP of Service `name` in `cluster`. */
export async function serviceIp(lab: LabAccess, cluster: string, name: string): Promise<string> {
  return (await lab.kubectl(cluster, ["-n", ns, "get", "service", name, "-o", "jsonpath={.spec.clusterIP}"])).trim();
}

/** GETs `url` from `cluster`'s client pod; returns the echo reply. Throws when it fails. */
export async function echoFrom(lab: LabAccess, cluster: string, url: string, timeoutMs = 3000): Promise<EchoReply> {
  // The slack covers starting node in the pod: with load 25 on the 2-core machine it took ~20 s.
  const result = await lab.execResult(`${cluster}/${ns}/client`, [process.execPath, workloadsMain, "http-get", url, "--timeout", String(timeoutMs)], { timeoutMs: timeoutMs + 45_000 });
  if (result.code !== 0) throw new Error(`GET ${url} from ${cluster} failed: ${result.stderr.trim() || result.stdout.trim()}`);
  return JSON.parse(result.stdout) as EchoReply;
}

/** Waits until `from`'s client pod gets an answer from `to`'s echo pod. */
export async function waitForPath(lab: LabAccess, from: string, to: string, timeoutMs = 60_000): Promise<void> {
  const url = `http://${await podIp(lab, to, "echo")}:8080/wait`;
  let last = "";
  await waitFor(`${from} -> ${to} through the gateways`, async () => {
    try {
      return await echoFrom(lab, from, url, 1000);
    } catch (err) {
      last = String(err);
      return undefined;
    }
  }, { timeoutMs, intervalMs: 500, explain: () => Promise.resolve(last) });
}
