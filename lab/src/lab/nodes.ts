/**
 * Per node: kube-proxy and the lab kubelet, both inside the node's network and mount
 * namespaces; then, once the controller-manager has given the node its podCIDR, the pod network:
 * routes from the control plane to every podCIDR (CoreDNS and the apiserver answer pods there)
 * and, by the cluster's mode, our CNI from deploy/cni (isthmus-cni.ts), flannel from its own
 * manifest (flannel.ts), or Debian's reference `bridge` + `host-local` conflist with static routes
 * between nodes, or nothing.
 */
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { defaults } from "@isthmus/core/constants";
import type { LabBinaries } from "../binaries/index.js";
import type { KubeletConfigInput } from "../kubelet/config.js";
import { LabError } from "./errors.js";
import type { LabKubeClient } from "./kube-client.js";
import { flannelImageRepository, installFlannel, type FlannelBinaries } from "./flannel.js";
import { installIsthmusCni, type IsthmusCniContext } from "./isthmus-cni.js";
import { nodePaths } from "./paths.js";
import { serviceAccountIssuer } from "./pki.js";
import type { ClusterPlan, LabPlan, NodePlan } from "./plan.js";
import { assertAlive, logTail, startProcess, type LabProcess } from "./processes.js";
import { replaceRoute } from "./topology.js";
import { waitFor } from "./wait.js";

/** Name of the lab's reference CNI network. */
export const labCniNetwork = "isthmus-lab";
/** File name of the reference conflist in each node's /etc/cni/net.d. */
export const labConflistName = "10-isthmus-lab.conflist";

const nodeReadyMs = 90_000;

/** The kubelet config file of a node (lab contract). */
export function kubeletConfig(
  plan: LabPlan,
  where: {
    readonly cluster: ClusterPlan;
    readonly node: NodePlan;
    readonly repoRoot: string;
    readonly binaries: Pick<LabBinaries, "wireguardGo">;
    /** The built flannel binaries; needed by clusters on flannel only. */
    readonly flannel?: FlannelBinaries | undefined;
  },
): KubeletConfigInput {
  const { cluster, node, repoRoot } = where;
  const paths = nodePaths(plan, node);
  return {
    clusterId: cluster.id,
    nodeName: node.name,
    nodeIp: node.lanAddress,
    kubeconfig: paths.kubeletKubeconfig,
    stateDir: paths.kubeletDir,
    labels: node.gateway ? { [defaults.gatewayNodeLabel]: "true" } : {},
    clusterDns: cluster.dnsServiceIp,
    clusterDomain: "cluster.local",
    cniConfDir: "/etc/cni/net.d",
    cniBinDir: "/opt/cni/bin",
    repoRoot,
    // The gateway image ships the pinned wireguard-go (deploy/docker); the lab's build of the
    // same pin sits alone in its cache directory, which therefore stands in for the image's.
    imageToolsDir: dirname(where.binaries.wireguardGo),
    // flannel's DaemonSet runs its image as the flanneld built from the pinned module.
    nativeImages: cluster.podNetwork === "flannel" && where.flannel !== undefined ? { [flannelImageRepository]: where.flannel.flanneld } : {},
    serviceAccountIssuer,
    apiServer: { host: cluster.cpAddress, port: cluster.apiserverPort },
  };
}

/** Starts kube-proxy and the kubelet of every node of the cluster. */
export async function startNodeAgents(
  plan: LabPlan,
  cluster: ClusterPlan,
  context: { readonly binaries: LabBinaries; readonly flannel?: FlannelBinaries | undefined; readonly repoRoot: string; readonly kubeletEntry: string },
): Promise<LabProcess[]> {
  const started: LabProcess[] = [];
  for (const node of cluster.nodes) {
    const paths = nodePaths(plan, node);
    const config = kubeletConfig(plan, { cluster, node, repoRoot: context.repoRoot, binaries: context.binaries, flannel: context.flannel });
    await writeFile(paths.kubeletConfig, `${JSON.stringify(config, null, 2)}\n`);
    const where = { netns: node.netns, mountNsFile: paths.mountNsFile };
    started.push(
      await startProcess(plan, {
        name: `${node.name}-kube-proxy`,
        ...where,
        logFile: join(paths.logDir, "kube-proxy.log"),
        argv: [
          context.binaries.kubeProxy,
          `--kubeconfig=${paths.kubeProxyKubeconfig}`,
          `--hostname-override=${node.name}`,
          `--cluster-cidr=${cluster.podCidr}`,
          "--proxy-mode=nftables",
          "--conntrack-max-per-core=0",
          "--v=1",
        ],
      }),
      await startProcess(plan, {
        name: `${node.name}-kubelet`,
        ...where,
        logFile: join(paths.logDir, "kubelet.log"),
        argv: [process.execPath, context.kubeletEntry, "--config", paths.kubeletConfig],
      }),
    );
  }
  return started;
}

interface NodeObject {
  readonly metadata: { readonly name: string };
  readonly spec?: { readonly podCIDR?: string };
  readonly status?: { readonly conditions?: readonly { readonly type: string; readonly status: string }[] };
}

/** Waits for every node to register and get a podCIDR; returns podCIDR by node name. */
export async function waitForPodCidrs(
  cluster: ClusterPlan,
  context: { readonly admin: LabKubeClient; readonly agents: readonly LabProcess[] },
): Promise<Map<string, string>> {
  return waitFor(
    `${cluster.id} nodes to register and get podCIDRs from the controller-manager`,
    async () => {
      const list = await context.admin.get<{ items: NodeObject[] }>("/api/v1/nodes");
      const cidrs = new Map(list.items.flatMap((n) => (n.spec?.podCIDR === undefined ? [] : [[n.metadata.name, n.spec.podCIDR] as const])));
      return cluster.nodes.every((n) => cidrs.has(n.name)) ? cidrs : undefined;
    },
    {
      timeoutMs: nodeReadyMs,
      intervalMs: 500,
      precheck: async () => {
        for (const p of context.agents) await assertAlive(p);
      },
      explain: async () => `kubelet logs: ${(await Promise.all(context.agents.filter((a) => a.name.endsWith("kubelet")).map((a) => logTail(a.logFile, 3)))).join(" || ")}`,
    },
  );
}

/**
 * Routes every podCIDR from the control plane to its node (CoreDNS and the apiserver answer pods
 * directly, as a control-plane host's network would; the control plane is not on the overlay).
 * By the cluster's mode, "isthmus" then applies deploy/cni and waits for each node's conflist;
 * "flannel" applies flannel's manifest and waits for each node's subnet.env; "reference" and
 * "reference-masq" write each node's conflist and route podCIDRs between nodes; "none" leaves
 * that to a CNI deployed by hand.
 */
export async function applyPodNetwork(
  plan: LabPlan,
  cluster: ClusterPlan,
  context: { readonly podCidrs: ReadonlyMap<string, string>; readonly cni: IsthmusCniContext; readonly flannel?: FlannelBinaries | undefined },
): Promise<void> {
  const { podCidrs } = context;
  for (const node of cluster.nodes) {
    const cidr = podCidrs.get(node.name);
    if (cidr !== undefined) await replaceRoute(cluster.cpNetns, { to: cidr, via: node.lanAddress });
  }
  if (cluster.podNetwork === "isthmus") await installIsthmusCni(plan, cluster, context.cni);
  if (cluster.podNetwork === "flannel") {
    if (context.flannel === undefined) throw new LabError("NotFound", `${cluster.id} runs flannel but no flannel binaries were given`);
    await installFlannel(plan, cluster, { kubectl: context.cni.binaries.kubectl, flannel: context.flannel, repoRoot: context.cni.repoRoot });
  }
  if (cluster.podNetwork !== "reference" && cluster.podNetwork !== "reference-masq") return;
  for (const node of cluster.nodes) {
    const cidr = podCidrs.get(node.name);
    if (cidr === undefined) continue;
    await writeFile(join(nodePaths(plan, node).cniConfDir, labConflistName), `${JSON.stringify(labConflist(cidr, { ipMasq: cluster.podNetwork === "reference-masq" }), null, 2)}\n`);
    for (const other of cluster.nodes) {
      if (other !== node) await replaceRoute(other.netns, { to: cidr, via: node.lanAddress });
    }
  }
}

/**
 * Where the node's CNI records one file per allocated pod address (named by the address): our
 * IPAM's directory, or host-local's for the reference network or under flannel (its delegate
 * keeps the conflist's name, "cbr0"); undefined with "none".
 */
export function podAddressDir(plan: LabPlan, node: NodePlan): string | undefined {
  const lib = nodePaths(plan, node).cniLibDir;
  const mode = plan.clusters.find((c) => c.id === node.clusterId)?.podNetwork;
  if (mode === "isthmus") return join(lib, "isthmus", "isthmus");
  if (mode === "reference" || mode === "reference-masq") return join(lib, "networks", labCniNetwork);
  if (mode === "flannel") return join(lib, "networks", "cbr0");
  return undefined;
}

/**
 * The reference-plugin conflist of a node with the given podCIDR; `ipMasq` has the bridge
 * masquerade what its pods send outside that podCIDR (iptables nat rules per pod, CNI-* chains).
 */
export function labConflist(podCidr: string, options: { readonly ipMasq: boolean } = { ipMasq: false }): unknown {
  return {
    cniVersion: "1.0.0",
    name: labCniNetwork,
    plugins: [
      {
        type: "bridge",
        bridge: "cni0",
        isGateway: true,
        ipMasq: options.ipMasq,
        hairpinMode: true,
        ipam: { type: "host-local", ranges: [[{ subnet: podCidr }]], routes: [{ dst: "0.0.0.0/0" }] },
      },
    ],
  };
}

/** Waits until every node of the cluster reports Ready. */
export async function waitForNodesReady(cluster: ClusterPlan, admin: LabKubeClient): Promise<void> {
  await waitFor(
    `${cluster.id} nodes to be Ready`,
    async () => {
      const list = await admin.get<{ items: NodeObject[] }>("/api/v1/nodes");
      const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
      return cluster.nodes.every((n) => ready.some((r) => r.metadata.name === n.name)) ? true : undefined;
    },
    { timeoutMs: nodeReadyMs, intervalMs: 500 },
  );
}
