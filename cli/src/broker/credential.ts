/**
 * The broker's admin credential as `deploy-broker` gets it. The broker writes it to its data
 * dir at first start (ca.crt, admin.crt, admin.key) and keeps it with its data (a claim, or a
 * host directory). The CLI reads the three files from the running broker — through the API's
 * exec subresource on a real cluster, from the node's directory in the lab (whose kubelet has no
 * exec) — and keeps them in Secret isthmus-broker/isthmus-broker-admin for other tools. Nothing
 * of it is printed or logged; it leaves this machine only in broker-admin.json (mode 0600).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { defaults } from "@isthmus/core/constants";
import { CliError } from "../command.js";
import { applyObjects, waitUntil } from "../kube/apply.js";
import type { ClusterTarget } from "../kube/cluster.js";
import { readPodFile } from "../kube/exec.js";
import { labNode } from "../lab-bridge.js";
import type { BrokerAdmin } from "./info.js";

/** The broker's namespace, Deployment name and in-pod data dir (deploy/broker). */
export const brokerNamespace = "isthmus-broker";
export const brokerName = "isthmus-broker";
const brokerDataDir = "/var/lib/isthmus-broker";

/** Secret where deploy-broker keeps the admin credential. */
export const adminSecretName = "isthmus-broker-admin";

/** Where the credential is read from. */
export interface CredentialSource {
  /** The node the broker runs on. */
  readonly nodeName: string;
  /** `host:port` member clusters and this machine use. */
  readonly address: string;
  /** In the lab: the host directory that holds the broker's data. */
  readonly hostPath?: string;
}

async function brokerPod(target: ClusterTarget): Promise<string> {
  const pods = await target.kube.core.listNamespacedPod({ namespace: brokerNamespace, labelSelector: `app.kubernetes.io/name=${brokerName}` });
  const pod = pods.items.find((p) => p.metadata?.deletionTimestamp === undefined && p.status?.phase === "Running");
  if (pod?.metadata?.name === undefined) throw new CliError("Failed", `No running broker pod in namespace ${brokerNamespace}`);
  return pod.metadata.name;
}

async function readInLab(target: ClusterTarget, source: CredentialSource & { hostPath: string }): Promise<BrokerAdmin> {
  const node = target.lab === undefined ? undefined : labNode(target.lab, source.nodeName);
  if (node === undefined) throw new CliError("Failed", `Node ${source.nodeName} is not a node of lab cluster ${target.name}`);
  const read = (file: string): Promise<string> => readFile(join(source.hostPath, file), "utf8");
  await waitUntil("the broker's admin credential", async () => (await read("admin.key").catch(() => "")) || undefined, { timeoutMs: 30_000 });
  return {
    kind: "isthmus-broker-admin",
    address: source.address,
    caPem: await read("ca.crt"),
    certPem: await read("admin.crt"),
    keyPem: await read("admin.key"),
    serverName: "localhost",
    relayNetns: node.netns,
    relayTarget: `127.0.0.1:${String(defaults.brokerGrpcPort)}`,
  };
}

async function readThroughExec(target: ClusterTarget, source: CredentialSource): Promise<BrokerAdmin> {
  const pod = await brokerPod(target);
  const read = (file: string): Promise<string> => readPodFile(target, { namespace: brokerNamespace, pod, container: "broker", path: `${brokerDataDir}/${file}` });
  return { kind: "isthmus-broker-admin", address: source.address, caPem: await read("ca.crt"), certPem: await read("admin.crt"), keyPem: await read("admin.key") };
}

/** Reads the credential from the running broker (see the module comment). */
export async function readAdminCredential(target: ClusterTarget, source: CredentialSource): Promise<BrokerAdmin> {
  if (target.lab !== undefined) {
    if (source.hostPath === undefined) throw new CliError("Failed", `In the lab the broker's data must be on a host path to read its credential`);
    return readInLab(target, { ...source, hostPath: source.hostPath });
  }
  return readThroughExec(target, source);
}

/** Writes Secret isthmus-broker/isthmus-broker-admin (ca.crt, tls.crt, tls.key). */
export async function writeAdminSecret(target: ClusterTarget, admin: BrokerAdmin): Promise<void> {
  await applyObjects(target, [{
    apiVersion: "v1", kind: "Secret", metadata: { name: adminSecretName, namespace: brokerNamespace, labels: { "app.kubernetes.io/part-of": "isthmus" } },
    type: "Opaque", stringData: { "ca.crt": admin.caPem, "tls.crt": admin.certPem, "tls.key": admin.keyPem },
  }]);
}
