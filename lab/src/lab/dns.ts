/**
 * Cluster DNS: CoreDNS as a process in the control-plane namespace, serving `cluster.local` from
 * the API (kubernetes plugin) and forwarding nothing external. Its Corefile lives in the
 * ConfigMap `kube-system/coredns` as an operator would keep it; a small sync process writes the
 * ConfigMap to CoreDNS's file and the `reload` plugin picks the change up, so adding a stub
 * zone (e.g. `clusterset.local`) is an edit of that ConfigMap. `kube-system/kube-dns` is a
 * selectorless Service at 10.(100+i).0.10 whose EndpointSlice points at the control-plane
 * address, so kube-proxy on the nodes DNATs DNS traffic there.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { LabBinaries } from "../binaries/index.js";
import type { LabKubeClient } from "./kube-client.js";
import { clusterPaths } from "./paths.js";
import { corednsUser, type ClusterPki } from "./pki.js";
import type { ClusterPlan, LabPlan } from "./plan.js";
import { assertAlive, startProcess, type LabProcess } from "./processes.js";

/** Port of CoreDNS's `health` plugin on the control-plane address. */
export const corednsHealthPort = 8080;

/** The Corefile a lab cluster starts with. */
export function labCorefile(cluster: ClusterPlan, kubeconfig: string): string {
  return [
    ".:53 {",
    "    errors",
    `    health ${cluster.cpAddress}:${corednsHealthPort}`,
    `    ready ${cluster.cpAddress}:8181`,
    "    kubernetes cluster.local in-addr.arpa ip6.arpa {",
    `        kubeconfig ${kubeconfig} lab`,
    "        pods insecure",
    "        fallthrough in-addr.arpa ip6.arpa",
    "        ttl 30",
    "    }",
    "    cache 30",
    "    reload 2s",
    "    loadbalance",
    "}",
    "",
  ].join("\n");
}

/** Creates CoreDNS's RBAC, the kube-dns Service and EndpointSlice, and the Corefile ConfigMap. */
export async function createDnsObjects(cluster: ClusterPlan, context: { readonly admin: LabKubeClient; readonly corefile: string }): Promise<void> {
  const { admin } = context;
  await admin.ensure("/apis/rbac.authorization.k8s.io/v1/clusterroles", {
    metadata: { name: "isthmus-lab:coredns" },
    rules: [
      { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["list", "watch"] },
      { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
    ],
  });
  await admin.ensure("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
    metadata: { name: "isthmus-lab:coredns" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "isthmus-lab:coredns" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: corednsUser }],
  });
  await admin.ensure("/api/v1/namespaces/kube-system/configmaps", {
    metadata: { name: "coredns", namespace: "kube-system" },
    data: { Corefile: context.corefile },
  });
  const labels = { "k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS" };
  await admin.ensure("/api/v1/namespaces/kube-system/services", {
    metadata: { name: "kube-dns", namespace: "kube-system", labels },
    spec: {
      clusterIP: cluster.dnsServiceIp,
      ports: [
        { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
        { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
      ],
    },
  });
  await admin.ensure("/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices", {
    metadata: {
      name: "kube-dns-lab",
      namespace: "kube-system",
      labels: { "kubernetes.io/service-name": "kube-dns", "endpointslice.kubernetes.io/managed-by": "isthmus-lab" },
    },
    addressType: "IPv4",
    endpoints: [{ addresses: [cluster.cpAddress], conditions: { ready: true } }],
    ports: [
      { name: "dns", port: 53, protocol: "UDP" },
      { name: "dns-tcp", port: 53, protocol: "TCP" },
    ],
  });
}

/** Writes the Corefile, starts CoreDNS and the ConfigMap→file sync process. */
export async function startCoreDns(
  plan: LabPlan,
  cluster: ClusterPlan,
  context: { readonly binaries: LabBinaries; readonly pki: ClusterPki; readonly corefile: string; readonly repoRoot: string },
): Promise<LabProcess[]> {
  const paths = clusterPaths(plan, cluster);
  await writeFile(paths.corefile, context.corefile);
  const coredns = await startProcess(plan, {
    name: `${cluster.id}-coredns`,
    argv: [context.binaries.coredns, "-conf", paths.corefile],
    netns: cluster.cpNetns,
    logFile: join(paths.logDir, "coredns.log"),
  });
  const sync = await startProcess(plan, {
    name: `${cluster.id}-corefile-sync`,
    argv: [
      process.execPath,
      join(context.repoRoot, "lab/dist/lab/corefile-sync-main.js"),
      "--kubeconfig",
      join(paths.dir, "admin-incluster.kubeconfig"),
      "--file",
      paths.corefile,
    ],
    netns: cluster.cpNetns,
    logFile: join(paths.logDir, "corefile-sync.log"),
  });
  await assertAlive(coredns);
  return [coredns, sync];
}
