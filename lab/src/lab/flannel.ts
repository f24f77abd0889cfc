/**
 * A lab cluster on flannel (pod network "flannel"), installed as flannel's own manifest installs
 * it: `kubectl apply` of lab/manifests/kube-flannel.yaml (flanneld as a DaemonSet with the
 * Kubernetes subnet manager, the VXLAN backend and `--ip-masq`), its net-conf.json Network set to
 * the cluster's pod CIDR. The manifest's two init containers are done here, since the lab kubelet
 * runs none: the flannel CNI plugin goes into each node's /opt/cni/bin and the ConfigMap's
 * cni-conf.json becomes the node's /etc/cni/net.d/10-flannel.conflist. The lab kubelet runs the
 * image ghcr.io/flannel-io/flannel as the flanneld built from the pinned module (its
 * `nativeImages`). `up` waits until flanneld has written /run/flannel/subnet.env on every node
 * (what the CNI plugin reads). Everything flannel makes lives in the nodes' namespaces and
 * directories, so `lab down` removes it with them (ADR 0408).
 */
import { mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LabError } from "./errors.js";
import { clusterPaths, nodePaths } from "./paths.js";
import type { ClusterPlan, LabPlan } from "./plan.js";
import { runCommand } from "./run.js";
import { waitFor } from "./wait.js";

/** The manifest the lab applies, relative to the repo root. */
export const flannelManifest = "lab/manifests/kube-flannel.yaml";
/** The image flannel's DaemonSet runs; the lab kubelet maps it to the built flanneld. */
export const flannelImageRepository = "ghcr.io/flannel-io/flannel";
/** The conflist the manifest's install-cni init container writes (its name in flannel's manifest). */
export const flannelConflistName = "10-flannel.conflist";
/** Where flanneld writes the node's subnet for the CNI plugin (inside the node's mount namespace). */
export const flannelSubnetFile = "/run/flannel/subnet.env";
/** Namespace, DaemonSet and ConfigMap of flannel's manifest. */
export const flannelObjects = { namespace: "kube-flannel", daemonSet: "kube-flannel-ds", configMap: "kube-flannel-cfg" } as const;

const subnetTimeoutMs = 90_000;

/** The built flannel binaries. */
export interface FlannelBinaries {
  /** flanneld (the image's /opt/bin/flanneld). */
  readonly flanneld: string;
  /** The flannel CNI plugin (the flannel-cni-plugin image's /flannel). */
  readonly cniPlugin: string;
}

/** What {@link installFlannel} needs besides the plan. */
export interface FlannelContext {
  readonly kubectl: string;
  readonly flannel: FlannelBinaries;
  readonly repoRoot: string;
}

interface ManifestObject {
  kind?: string;
  metadata?: { name?: string };
  data?: Record<string, string>;
}

/**
 * Flannel's manifest for one cluster: the documents of lab/manifests/kube-flannel.yaml with
 * net-conf.json's Network set to `podCidr`; also returns the ConfigMap's cni-conf.json (the
 * node conflist). Throws `InvalidOptions` when the manifest lacks them.
 */
export async function renderFlannelManifest(repoRoot: string, podCidr: string): Promise<{ yaml: string; conflist: string }> {
  const { loadAllYaml, dumpYaml } = await import("@kubernetes/client-node");
  const docs = loadAllYaml(await readFile(join(repoRoot, flannelManifest), "utf8")) as ManifestObject[];
  const config = docs.find((d) => d.kind === "ConfigMap" && d.metadata?.name === flannelObjects.configMap);
  const netConf = config?.data?.["net-conf.json"];
  const conflist = config?.data?.["cni-conf.json"];
  if (config?.data === undefined || netConf === undefined || conflist === undefined) {
    throw new LabError("InvalidOptions", `${flannelManifest} has no ConfigMap ${flannelObjects.configMap} with net-conf.json and cni-conf.json`);
  }
  config.data["net-conf.json"] = `${JSON.stringify({ ...(JSON.parse(netConf) as object), Network: podCidr }, null, 2)}\n`;
  return { yaml: docs.map((d) => dumpYaml(d)).join("---\n"), conflist };
}

/** Reads a node's subnet.env inside its mount namespace; undefined while flanneld has not written it. */
async function readSubnetEnv(mountNsFile: string): Promise<string | undefined> {
  try {
    const { stdout } = await runCommand(["nsenter", `--mount=${mountNsFile}`, "--", "cat", flannelSubnetFile], { timeoutMs: 10_000 });
    return stdout.includes("FLANNEL_SUBNET=") ? stdout : undefined;
  } catch {
    // Not written yet (cat fails): the caller waits with a deadline and explains a timeout.
    return undefined;
  }
}

/**
 * Installs flannel on the cluster (idempotent: the files are replaced, `kubectl apply`) and
 * waits until flanneld has written subnet.env on every node; a timeout names the nodes still
 * missing and shows flannel's pods.
 */
export async function installFlannel(plan: LabPlan, cluster: ClusterPlan, context: FlannelContext): Promise<void> {
  const { yaml, conflist } = await renderFlannelManifest(context.repoRoot, cluster.podCidr);
  for (const node of cluster.nodes) {
    const paths = nodePaths(plan, node);
    const plugin = join(paths.cniBinDir, "flannel");
    await rm(plugin, { force: true });
    await symlink(context.flannel.cniPlugin, plugin);
    await writeFile(join(paths.cniConfDir, flannelConflistName), conflist);
  }
  const dir = clusterPaths(plan, cluster).dir;
  await mkdir(dir, { recursive: true });
  const rendered = join(dir, "kube-flannel.yaml");
  await writeFile(rendered, yaml);
  const kubectl = async (args: readonly string[]): Promise<string> =>
    (await runCommand([context.kubectl, "--kubeconfig", clusterPaths(plan, cluster).adminKubeconfig, ...args], { timeoutMs: 60_000 })).stdout;
  await kubectl(["apply", "-f", rendered]);
  const missing = async (): Promise<string[]> => {
    const names: string[] = [];
    for (const node of cluster.nodes) if ((await readSubnetEnv(nodePaths(plan, node).mountNsFile)) === undefined) names.push(node.name);
    return names;
  };
  await waitFor(`${cluster.id} flanneld to write ${flannelSubnetFile} on every node`, async () => ((await missing()).length === 0 ? true : undefined), {
    timeoutMs: subnetTimeoutMs,
    intervalMs: 500,
    explain: async () => {
      const pods = await kubectl(["-n", flannelObjects.namespace, "get", "pods", "-o", "wide"]).catch((err: unknown) => `(cannot list flannel's pods: ${String(err)})`);
      return `still missing on ${(await missing()).join(", ")}; flannel pods:\n${pods}`;
    },
  });
}
