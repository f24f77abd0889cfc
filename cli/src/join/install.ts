/**
 * `isthmus join`, after validation: records the state, labels gateway nodes, writes the broker
 * Secret and gateway ConfigMap, applies the components from deploy/ (CNI unless skipped,
 * gateway + route agent, dns), points CoreDNS at isthmus-dns and waits for the gateway.
 */
import { defaults } from "@isthmus/core/constants";
import { CliError, type CommandIo } from "../command.js";
import { applyObjects, objectExists, waitForWorkload, waitUntil } from "../kube/apply.js";
import type { ClusterTarget } from "../kube/cluster.js";
import { labNode, labPublicAddress } from "../lab-bridge.js";
import { findComponent } from "../manifests/components.js";
import type { JoinSettings } from "../manifests/join-objects.js";
import { objectKeyOf, type ManifestObject, type ManifestSettings } from "../manifests/load.js";
import { renderInstall } from "../manifests/values.js";
import type { StepRunner } from "../steps.js";
import { configureCoreDns } from "./coredns.js";
import { activeGateway, listGateways, type GatewayRow } from "./gateways.js";
import { setNodeMeta } from "./nodes.js";
import { joinStateObject, type JoinState } from "./state.js";

/** Everything validated and decided before install. */
export interface JoinPlan {
  readonly settings: JoinSettings;
  readonly gatewayNodes: readonly string[];
  readonly publicIps: ReadonlyMap<string, string>;
  readonly skipCni: boolean;
  /** Remote clusters the gateway must connect to before join returns. */
  readonly peers: readonly string[];
  readonly waitTimeoutMs: number;
}

/** The component names a join applies. */
export function joinComponents(skipCni: boolean): string[] {
  return [...(skipCni ? [] : ["cni"]), "gateway", "dns"];
}

/** Lab-specific settings: one isthmus-dns replica on the lab's WAN node (only it reaches the broker). */
function manifestSettings(target: ClusterTarget): ManifestSettings {
  const wanNode = target.lab?.cluster.nodes.find((n) => n.wan !== undefined);
  if (wanNode === undefined) return {};
  return { workloads: { "isthmus-dns": { replicas: 1, nodeSelector: { "kubernetes.io/hostname": wanNode.name } } } };
}

/** Every object join applies, in order (also what uninstall removes); the chart renders the same. */
export function joinManifests(target: ClusterTarget, options: { settings: JoinSettings; skipCni: boolean }): ManifestObject[] {
  return renderInstall({ components: joinComponents(options.skipCni).map(findComponent), settings: manifestSettings(target), join: options.settings });
}

async function waitForCrds(target: ClusterTarget, objects: readonly ManifestObject[]): Promise<void> {
  for (const crd of objects.filter((o) => o.kind === "CustomResourceDefinition")) {
    const name = crd.metadata?.name ?? "";
    await waitUntil(`CRD ${name} to be established`, async () => {
      const obj = (await target.objects.read({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name } })) as { status?: { conditions?: { type: string; status: string }[] } };
      return obj.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") === true ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
  }
}

async function dnsUpstreams(target: ClusterTarget): Promise<string[]> {
  if (target.lab !== undefined) {
    // The lab's CoreDNS runs in the control-plane namespace, outside the service network:
    // forward to the host-network isthmus-dns pods directly.
    const pods = await target.kube.core.listNamespacedPod({ namespace: defaults.namespace, labelSelector: "app.kubernetes.io/name=isthmus-dns" });
    return pods.items.flatMap((p) => (p.status?.podIP === undefined ? [] : [`${p.status.podIP}:5353`]));
  }
  const svc = await target.kube.core.readNamespacedService({ namespace: defaults.namespace, name: "isthmus-dns" });
  return [`${svc.spec?.clusterIP ?? ""}:53`];
}

/** Waits until the active gateway reports every peer connected; returns the gateways. */
export async function waitForGateway(target: ClusterTarget, options: { peers: readonly string[]; timeoutMs: number }): Promise<GatewayRow[]> {
  return waitUntil(
    options.peers.length === 0 ? "an active gateway" : `the gateway to connect to ${options.peers.join(", ")}`,
    async () => {
      const rows = await listGateways(target);
      const active = activeGateway(rows);
      if (active === undefined) return undefined;
      const connected = new Set(active.connections.filter((c) => c.status === "connected").map((c) => c.cluster));
      return options.peers.every((p) => connected.has(p)) ? rows : undefined;
    },
    {
      timeoutMs: options.timeoutMs,
      intervalMs: 1000,
      state: async () => (await listGateways(target)).map((g) => `  ${g.node} ${g.role || "no role"}: ${g.connections.map((c) => `${c.cluster} ${c.status}${c.reason === undefined ? "" : ` (${c.reason})`}`).join(", ") || "no connections"}`).join("\n") || "  no Gateway objects yet",
    },
  );
}

/** Installs; returns the gateways' state at the end. */
export async function installJoin(target: ClusterTarget, plan: JoinPlan, context: { steps: StepRunner; io: CommandIo; previous: JoinState | undefined }): Promise<GatewayRow[]> {
  const { steps, previous } = context;
  const objects = joinManifests(target, { settings: plan.settings, skipCni: plan.skipCni });
  // A re-join keeps the first join's record: what existed before isthmus, not what it made.
  const preexisting: string[] = [...(previous?.preexisting ?? [])];
  const labelled: string[] = [...(previous?.labelledNodes ?? [])];
  const annotated: string[] = [...(previous?.annotatedNodes ?? [])];
  if (previous === undefined) {
    await steps.step("record what exists already", async () => {
      for (const obj of objects) if (await objectExists(target, obj)) preexisting.push(objectKeyOf(obj));
    }, () => `${preexisting.length} of ${objects.length} objects`);
  }
  const state = (): JoinState => ({
    clusterId: plan.settings.clusterId,
    cableDriver: plan.settings.cableDriver,
    brokerAddress: plan.settings.brokerAddress,
    podCidrs: plan.settings.podCidrs,
    serviceCidrs: plan.settings.serviceCidrs,
    components: joinComponents(plan.skipCni),
    preexisting,
    labelledNodes: labelled,
    annotatedNodes: annotated,
    coredns: true,
    joinedAt: previous?.joinedAt ?? new Date().toISOString(),
  });
  await steps.step(`create namespace ${defaults.namespace} and the join record`, () => applyObjects(target, [...objects.filter((o) => o.kind === "Namespace"), joinStateObject(state())]));
  await steps.step(`label gateway nodes ${plan.gatewayNodes.join(", ")}`, async () => {
    for (const node of plan.gatewayNodes) {
      if ((await setNodeMeta(target, { node, field: "labels", key: defaults.gatewayNodeLabel, value: "true" })) && !labelled.includes(node)) labelled.push(node);
      const publicIp = plan.publicIps.get(node) ?? (target.lab === undefined ? undefined : publicIpInLab(target, node));
      if (publicIp !== undefined && (await setNodeMeta(target, { node, field: "annotations", key: defaults.publicIpAnnotation, value: publicIp })) && !annotated.includes(node)) annotated.push(node);
    }
    await applyObjects(target, [joinStateObject(state())]);
  });
  await steps.step(`apply ${joinComponents(plan.skipCni).join(", ")} (${objects.length} objects)`, async () => {
    const crds = objects.filter((o) => o.kind === "CustomResourceDefinition");
    await applyObjects(target, objects.filter((o) => o.kind === "Namespace" || o.kind === "CustomResourceDefinition"));
    await waitForCrds(target, crds);
    await applyObjects(target, objects.filter((o) => o.kind !== "Namespace" && o.kind !== "CustomResourceDefinition"));
  });
  const wait = (name: string, what: string): Promise<void> => waitForWorkload(target, { namespace: defaults.namespace, labelSelector: `app.kubernetes.io/name=${name}`, what, timeoutMs: 180_000 });
  if (!plan.skipCni) await steps.step("wait for isthmus-node on every node", () => wait("isthmus-node", "isthmus-node"));
  await steps.step("wait for the gateway and route agents", async () => {
    await wait("isthmus-gateway", "isthmus-gateway");
    await wait("isthmus-route-agent", "isthmus-route-agent");
  });
  await steps.step("wait for isthmus-dns", () => wait("isthmus-dns", "isthmus-dns"));
  await steps.step(`forward ${defaults.dnsZone} from CoreDNS to isthmus-dns`, async () => {
    const upstreams = await dnsUpstreams(target);
    if (!(await configureCoreDns(target, upstreams))) throw new CliError("Failed", `${target.name} has no ConfigMap kube-system/coredns: make your cluster DNS forward ${defaults.dnsZone} to ${upstreams.join(" ")}`);
    return upstreams;
  }, (u) => u.join(" "));
  return steps.step(plan.peers.length === 0 ? "wait for an active gateway" : `wait until the gateway is connected to ${plan.peers.join(", ")}`, () => waitForGateway(target, { peers: plan.peers, timeoutMs: plan.waitTimeoutMs }));
}

function publicIpInLab(target: ClusterTarget, nodeName: string): string | undefined {
  const lab = target.lab;
  const node = lab === undefined ? undefined : labNode(lab, nodeName);
  return lab === undefined || node?.wan === undefined ? undefined : labPublicAddress(lab, node);
}
