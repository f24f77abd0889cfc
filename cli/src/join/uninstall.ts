/**
 * `isthmus uninstall`: undoes what join recorded. Order: stop the agents (delete their
 * workloads and wait for their pods to go), clean every node with one-shot pods running the
 * agents' own `--uninstall` (links, routes, nft tables, keys), remove the objects the agents
 * made (Gateways, Leases, the cluster certificate Secret, imported Services and EndpointSlices),
 * revert CoreDNS, delete what join applied except what existed before, remove the node labels
 * and annotations join added and the route agents' CNI config reports, and evict the cluster
 * from the broker when an admin file is given.
 */
import type { KubernetesObject, V1Pod } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core/constants";
import { httpStatusOf } from "@isthmus/core/kube";
import { CliError } from "../command.js";
import { deleteObjects, waitUntil } from "../kube/apply.js";
import type { ClusterTarget } from "../kube/cluster.js";
import { joinManifests } from "./install.js";
import { revertCoreDns } from "./coredns.js";
import { removeNodeMeta } from "./nodes.js";
import { joinStateName, type JoinState } from "./state.js";
import type { StepRunner } from "../steps.js";
import { objectKeyOf } from "../manifests/load.js";

const cleanupLabel = "isthmus.io/cleanup";

function cleanupPod(state: JoinState, node: { name: string; ip: string }): V1Pod {
  const container = (name: string, image: string, args: string[]): NonNullable<V1Pod["spec"]>["containers"][number] => ({
    name,
    image: `isthmus/${image}:0.1.0`,
    args,
    securityContext: { capabilities: { add: ["NET_ADMIN", "NET_RAW"] } },
    volumeMounts: [{ name: "wireguard", mountPath: "/var/run/wireguard" }, { name: "keys", mountPath: "/var/lib/isthmus/gateway" }],
  });
  const containers = [
    container("gateway", "gateway", ["--uninstall", "--node-name", node.name, "--pod-cidrs", state.podCidrs.join(","), "--service-cidrs", state.serviceCidrs.join(","), "--kubeconfig", "/dev/null/none"]),
    container("route-agent", "route-agent", ["--uninstall", "--node-name", node.name, "--node-ip", node.ip]),
    ...(state.components.includes("cni") ? [container("node", "node", ["--uninstall"])] : []),
  ];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `isthmus-cleanup-${node.name}`, namespace: defaults.namespace, labels: { [cleanupLabel]: "true" } },
    spec: {
      nodeName: node.name,
      hostNetwork: true,
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      tolerations: [{ operator: "Exists" }],
      containers,
      volumes: [
        { name: "wireguard", hostPath: { path: "/var/run/wireguard", type: "DirectoryOrCreate" } },
        { name: "keys", hostPath: { path: "/var/lib/isthmus/gateway", type: "DirectoryOrCreate" } },
      ],
    },
  };
}

async function cleanNodes(target: ClusterTarget, state: JoinState): Promise<number> {
  const nodes = (await target.kube.core.listNode()).items.map((n) => ({ name: n.metadata?.name ?? "", ip: n.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "" }));
  const pods = nodes.map((n) => cleanupPod(state, n));
  for (const pod of pods) {
    await target.kube.core.deleteNamespacedPod({ namespace: defaults.namespace, name: pod.metadata?.name ?? "" }).catch((err: unknown) => {
      if (httpStatusOf(err) !== 404) throw err;
    });
  }
  await waitUntil("old cleanup pods to go", async () => ((await target.kube.core.listNamespacedPod({ namespace: defaults.namespace, labelSelector: cleanupLabel })).items.length === 0 ? true : undefined), { timeoutMs: 30_000 });
  for (const pod of pods) await target.kube.core.createNamespacedPod({ namespace: defaults.namespace, body: pod });
  await waitUntil("the node cleanup pods to finish", async () => {
    const list = (await target.kube.core.listNamespacedPod({ namespace: defaults.namespace, labelSelector: cleanupLabel })).items;
    const failed = list.find((p) => p.status?.phase === "Failed");
    if (failed !== undefined) throw new CliError("Failed", `Cleanup on ${failed.spec?.nodeName ?? "?"} failed: ${(failed.status?.containerStatuses ?? []).map((c) => `${c.name} exit ${c.state?.terminated?.exitCode ?? "?"}`).join(", ")}`);
    return list.length === pods.length && list.every((p) => p.status?.phase === "Succeeded") ? true : undefined;
  }, {
    timeoutMs: 90_000,
    state: async () => (await target.kube.core.listNamespacedPod({ namespace: defaults.namespace, labelSelector: cleanupLabel })).items.map((p) => `  ${p.metadata?.name ?? ""}: ${p.status?.phase ?? "?"}`).join("\n"),
  });
  for (const pod of pods) await target.kube.core.deleteNamespacedPod({ namespace: defaults.namespace, name: pod.metadata?.name ?? "", gracePeriodSeconds: 0 });
  await waitUntil("the cleanup pods to be deleted", async () => ((await target.kube.core.listNamespacedPod({ namespace: defaults.namespace, labelSelector: cleanupLabel })).items.length === 0 ? true : undefined), { timeoutMs: 30_000 });
  return nodes.length;
}

async function deleteAgentObjects(target: ClusterTarget): Promise<void> {
  const ns = defaults.namespace;
  const ignore404 = (err: unknown): void => {
    if (httpStatusOf(err) !== 404) throw err;
  };
  const gateways = await target.custom.listClusterCustomObject({ group: defaults.apiGroup, version: defaults.apiVersion, plural: "gateways" }).catch(() => ({ items: [] })) as { items?: KubernetesObject[] };
  for (const g of gateways.items ?? []) await target.custom.deleteClusterCustomObject({ group: defaults.apiGroup, version: defaults.apiVersion, plural: "gateways", name: g.metadata?.name ?? "" }).catch(ignore404);
  for (const lease of [defaults.gatewayLease, "isthmus-dns"]) await target.kube.coordination.deleteNamespacedLease({ namespace: ns, name: lease }).catch(ignore404);
  await target.kube.core.deleteNamespacedSecret({ namespace: ns, name: defaults.brokerCredentialsSecret }).catch(ignore404);
  const slices = await target.objects.list("discovery.k8s.io/v1", "EndpointSlice", undefined, undefined, undefined, undefined, undefined, "endpointslice.kubernetes.io/managed-by=dns.isthmus.io");
  await deleteObjects(target, slices.items.map((s) => ({ apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: s.metadata ?? {} })));
  const services = await target.kube.core.listServiceForAllNamespaces({ labelSelector: "isthmus.io/derived-from" });
  await deleteObjects(target, services.items.map((s) => ({ apiVersion: "v1", kind: "Service", metadata: s.metadata ?? {} })));
}

/** Removes everything `state` says join installed. */
export async function uninstallJoin(target: ClusterTarget, state: JoinState, steps: StepRunner): Promise<void> {
  const placeholder = { clusterId: state.clusterId, brokerAddress: "", brokerCa: "", token: "", podCidrs: [], serviceCidrs: [], cableDriver: state.cableDriver };
  const objects = joinManifests(target, { settings: placeholder, skipCni: !state.components.includes("cni") });
  const ours = objects.filter((o) => !state.preexisting.includes(objectKeyOf(o)));
  const workloads = ours.filter((o) => o.kind === "DaemonSet" || o.kind === "Deployment");
  await steps.step(`stop the agents (${workloads.map((w) => w.metadata?.name ?? "").join(", ")})`, async () => {
    await deleteObjects(target, workloads);
    await waitUntil("the agent pods to stop", async () => {
      const pods = await target.kube.core.listNamespacedPod({ namespace: defaults.namespace });
      const names = new Set(workloads.map((w) => w.metadata?.name ?? ""));
      return pods.items.some((p) => names.has(p.metadata?.labels?.["app.kubernetes.io/name"] ?? "")) ? undefined : true;
    }, { timeoutMs: 90_000 });
  });
  await steps.step("clean every node (devices, routes, nft tables)", () => cleanNodes(target, state), (n) => `${n} nodes`);
  await steps.step("delete what the agents created", () => deleteAgentObjects(target));
  await steps.step(`remove the ${defaults.dnsZone} block from CoreDNS`, () => revertCoreDns(target));
  await steps.step(`delete ${ours.length} installed objects (keeping ${objects.length - ours.length} that existed before)`, async () => {
    await target.kube.core.deleteNamespacedConfigMap({ namespace: defaults.namespace, name: joinStateName }).catch((err: unknown) => {
      if (httpStatusOf(err) !== 404) throw err;
    });
    // Returns when they are gone, the Namespace included.
    await deleteObjects(target, ours.filter((o) => o.kind !== "DaemonSet" && o.kind !== "Deployment"));
  });
  await steps.step("remove the node labels and annotations join and the route agents added", async () => {
    for (const node of state.labelledNodes) await removeNodeMeta(target, { node, field: "labels", key: defaults.gatewayNodeLabel });
    for (const node of state.annotatedNodes) await removeNodeMeta(target, { node, field: "annotations", key: defaults.publicIpAnnotation });
    // A stopping route agent removes its own report; one killed before it could does not.
    const reporting = (await target.kube.core.listNode()).items.filter((n) => n.metadata?.annotations?.[defaults.cniConfigAnnotation] !== undefined);
    for (const node of reporting) await removeNodeMeta(target, { node: node.metadata?.name ?? "", field: "annotations", key: defaults.cniConfigAnnotation });
  });
}
