/**
 * A cluster's certificates and kubeconfigs, made with core's PKI module: a CA, the apiserver's
 * serving certificate (SANs: the in-cluster names, the service IP .1, the control-plane address
 * and loopback for the host-side forwarder), one client certificate per identity with the CN/O
 * Kubernetes' authorizers expect, and the service-account signing key pair.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createCa, exportPrivateKeyPem, exportPublicKeyPem, generateKeyPair, issueCertificate, type CertificateAuthority } from "@isthmus/core/pki";
import { clusterPaths, nodePaths } from "./paths.js";
import type { ClusterPlan, LabPlan } from "./plan.js";

/** Files of a cluster's PKI. */
export interface ClusterPki {
  readonly caCert: string;
  readonly caKey: string;
  readonly apiserverCert: string;
  readonly apiserverKey: string;
  /** The apiserver's client certificate towards kubelets (`kubectl logs`). */
  readonly kubeletClientCert: string;
  readonly kubeletClientKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
  /** Kubeconfig per control-plane identity. */
  readonly controllerManagerKubeconfig: string;
  readonly schedulerKubeconfig: string;
  readonly corednsKubeconfig: string;
}

/** The user every lab kubeconfig names; the file's client certificate says who it really is. */
const labUser = "lab";
const validityDays = 365;
/** Service-account issuer of every lab cluster (also the audience of projected tokens). */
export const serviceAccountIssuer = "https://kubernetes.default.svc.cluster.local";

/** Identity of CoreDNS's client certificate (bound to a ClusterRole by the bootstrap objects). */
export const corednsUser = "isthmus-lab:coredns";

/** Creates the cluster's CA, certificates, keys and kubeconfigs under its state directory. */
export async function createClusterPki(plan: LabPlan, cluster: ClusterPlan): Promise<ClusterPki> {
  const paths = clusterPaths(plan, cluster);
  await mkdir(paths.pkiDir, { recursive: true, mode: 0o700 });
  const file = (name: string): string => join(paths.pkiDir, name);
  const ca = await createCa({ commonName: `isthmus-lab-${cluster.id}-ca`, validityDays });
  await writeSecret(file("ca.crt"), ca.certPem);
  await writeSecret(file("ca.key"), ca.keyPem);
  const serving = await issueCertificate({
    ca,
    commonName: "kube-apiserver",
    dnsNames: ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "localhost"],
    ipAddresses: [cluster.apiServiceIp, cluster.cpAddress, "127.0.0.1"],
    usages: "server",
    validityDays,
  });
  await writeSecret(file("apiserver.crt"), serving.certPem);
  await writeSecret(file("apiserver.key"), serving.keyPem);
  const kubeletClient = await issueCertificate({
    ca,
    commonName: "kube-apiserver-kubelet-client",
    organizations: ["system:masters"],
    usages: "client",
    validityDays,
  });
  await writeSecret(file("apiserver-kubelet-client.crt"), kubeletClient.certPem);
  await writeSecret(file("apiserver-kubelet-client.key"), kubeletClient.keyPem);
  const sa = await generateKeyPair();
  await writeSecret(file("sa.key"), await exportPrivateKeyPem(sa.privateKey));
  await writeSecret(file("sa.pub"), await exportPublicKeyPem(sa.publicKey));
  const inCluster = `https://${cluster.cpAddress}:${cluster.apiserverPort}`;
  const kubeconfig = async (name: string, cn: string, orgs: string[] = [], server = inCluster): Promise<string> => {
    const path = name.startsWith("/") ? name : join(paths.dir, name);
    await writeKubeconfig(path, { ca, server, commonName: cn, organizations: orgs });
    return path;
  };
  await kubeconfig(paths.adminKubeconfig, "isthmus-lab-admin", ["system:masters"], `https://127.0.0.1:${cluster.localApiserverPort}`);
  await kubeconfig("admin-incluster.kubeconfig", "isthmus-lab-admin", ["system:masters"]);
  for (const node of cluster.nodes) {
    const np = nodePaths(plan, node);
    await mkdir(np.dir, { recursive: true });
    await kubeconfig(np.kubeletKubeconfig, `system:node:${node.name}`, ["system:nodes"]);
    await kubeconfig(np.kubeProxyKubeconfig, "system:kube-proxy", ["system:node-proxier"]);
  }
  return {
    ...clusterPkiFiles(plan, cluster),
    controllerManagerKubeconfig: await kubeconfig("controller-manager.kubeconfig", "system:kube-controller-manager"),
    schedulerKubeconfig: await kubeconfig("scheduler.kubeconfig", "system:kube-scheduler"),
    corednsKubeconfig: await kubeconfig("coredns.kubeconfig", corednsUser),
  } satisfies ClusterPki;
}

/** The file names of a cluster's PKI, for a lab that is already up. */
export function clusterPkiFiles(plan: LabPlan, cluster: ClusterPlan): ClusterPki {
  const paths = clusterPaths(plan, cluster);
  const file = (name: string): string => join(paths.pkiDir, name);
  return {
    caCert: file("ca.crt"),
    caKey: file("ca.key"),
    apiserverCert: file("apiserver.crt"),
    apiserverKey: file("apiserver.key"),
    kubeletClientCert: file("apiserver-kubelet-client.crt"),
    kubeletClientKey: file("apiserver-kubelet-client.key"),
    serviceAccountKey: file("sa.key"),
    serviceAccountPub: file("sa.pub"),
    controllerManagerKubeconfig: join(paths.dir, "controller-manager.kubeconfig"),
    schedulerKubeconfig: join(paths.dir, "scheduler.kubeconfig"),
    corednsKubeconfig: join(paths.dir, "coredns.kubeconfig"),
  };
}

interface KubeconfigSpec {
  readonly ca: CertificateAuthority;
  readonly server: string;
  readonly commonName: string;
  readonly organizations: readonly string[];
}

/** Writes a kubeconfig (JSON, which kubectl and client libraries read as YAML) with embedded credentials. */
async function writeKubeconfig(path: string, spec: KubeconfigSpec): Promise<void> {
  const client = await issueCertificate({
    ca: spec.ca,
    commonName: spec.commonName,
    organizations: spec.organizations,
    usages: "client",
    validityDays,
  });
  const b64 = (pem: string): string => Buffer.from(pem).toString("base64");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "lab", cluster: { server: spec.server, "certificate-authority-data": b64(spec.ca.certPem) } }],
    users: [{ name: labUser, user: { "client-certificate-data": b64(client.certPem), "client-key-data": b64(client.keyPem) } }],
    contexts: [{ name: "lab", context: { cluster: "lab", user: labUser } }],
    "current-context": "lab",
  };
  await writeSecret(path, `${JSON.stringify(config, null, 2)}\n`);
}

async function writeSecret(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
}
