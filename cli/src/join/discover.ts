/**
 * Discovers a cluster's pod and service CIDRs the way an operator would look them up:
 * - pod: the controller-manager's `--cluster-cidr` (its static pod), kubeadm's ClusterConfiguration
 *   `podSubnet`, else the /16 holding every Node's `podCIDRs` (the controller hands /24s out of it);
 * - service: the ServiceCIDR objects (networking.k8s.io/v1, Kubernetes 1.33+), else the range the
 *   apiserver names when asked (dry run) for a Service with an address outside it.
 */
import { NetworkingV1Api, type V1Service } from "@kubernetes/client-node";
import { cidrContaining, isCidr, parseCidr, parseIp, supernet } from "@isthmus/core/net";
import { CliError } from "../command.js";
import { apiMessage } from "../kube/apply.js";
import type { ClusterTarget } from "../kube/cluster.js";

/** Discovered CIDRs and where each came from. */
export interface DiscoveredCidrs {
  readonly podCidrs: string[];
  readonly podSource: string;
  readonly serviceCidrs: string[];
  readonly serviceSource: string;
}

function flagValue(args: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg.startsWith(`${flag}=`)) return arg.slice(flag.length + 1);
    if (arg === flag) return args[i + 1];
  }
  return undefined;
}

async function podCidrsFromControlPlane(target: ClusterTarget): Promise<{ cidrs: string[]; source: string } | undefined> {
  const pods = await target.kube.core.listNamespacedPod({ namespace: "kube-system", labelSelector: "component=kube-controller-manager" });
  for (const pod of pods.items) {
    const c = pod.spec?.containers[0];
    const value = flagValue([...(c?.command ?? []), ...(c?.args ?? [])], "--cluster-cidr");
    if (value !== undefined) return { cidrs: value.split(","), source: `--cluster-cidr of ${pod.metadata?.name ?? "kube-controller-manager"}` };
  }
  const kubeadm = await target.kube.core.readNamespacedConfigMap({ namespace: "kube-system", name: "kubeadm-config" }).catch(() => undefined);
  const match = /podSubnet:\s*(\S+)/.exec(kubeadm?.data?.ClusterConfiguration ?? "");
  if (match?.[1] !== undefined) return { cidrs: match[1].split(","), source: "kubeadm ClusterConfiguration podSubnet" };
  return undefined;
}

async function podCidrsFromNodes(target: ClusterTarget): Promise<{ cidrs: string[]; source: string }> {
  const nodes = (await target.kube.core.listNode()).items;
  const blocks = nodes.flatMap((n) => n.spec?.podCIDRs ?? (n.spec?.podCIDR === undefined ? [] : [n.spec.podCIDR])).filter(isCidr).map(parseCidr);
  const v4 = blocks.filter((b) => b.family === 4);
  if (v4.length === 0) throw new CliError("Failed", `Cannot discover the pod CIDR of ${target.name}: no node has a podCIDR and no controller-manager flag is visible; pass --pod-cidr`);
  const wide = v4.map((b) => (b.prefix > 16 ? supernet(b, 16) : b));
  const first = wide[0];
  if (first === undefined || !wide.every((b) => b.equals(first))) {
    throw new CliError("Failed", `Cannot discover the pod CIDR of ${target.name}: node podCIDRs ${v4.join(", ")} are not in one /16; pass --pod-cidr`);
  }
  return { cidrs: [first.toString()], source: `the /16 of the nodes' podCIDRs (${v4.join(", ")})` };
}

async function serviceCidrs(target: ClusterTarget): Promise<{ cidrs: string[]; source: string }> {
  try {
    const list = await target.kube.api(NetworkingV1Api).listServiceCIDR();
    const cidrs = list.items.flatMap((s) => s.spec?.cidrs ?? []);
    if (cidrs.length > 0) return { cidrs, source: `ServiceCIDR ${list.items.map((s) => s.metadata?.name ?? "").join(", ")}` };
  } catch {
    // Older apiservers have no ServiceCIDR API: fall through to the probe below.
  }
  const probe: V1Service = { metadata: { name: "isthmus-cidr-probe", namespace: "default" }, spec: { clusterIP: "0.0.0.1", ports: [{ port: 80 }] } };
  try {
    await target.kube.core.createNamespacedService({ namespace: "default", body: probe, dryRun: "All" });
  } catch (err) {
    const match = /valid IPs is ([0-9a-f.:/,\s]+)/i.exec(apiMessage(err));
    if (match?.[1] !== undefined) return { cidrs: match[1].split(/[,\s]+/).filter(isCidr), source: "the apiserver's answer to a Service outside the range (dry run)" };
  }
  const kubernetes = await target.kube.core.readNamespacedService({ namespace: "default", name: "kubernetes" });
  const ip = kubernetes.spec?.clusterIP;
  if (ip === undefined) throw new CliError("Failed", `Cannot discover the service CIDR of ${target.name}: pass --service-cidr`);
  return { cidrs: [cidrContaining(parseIp(ip), 16).toString()], source: `the /16 of the kubernetes Service IP ${ip} (a guess: pass --service-cidr to be exact)` };
}

/** Discovers both CIDRs; explicit values win. */
export async function discoverCidrs(target: ClusterTarget, given: { podCidrs?: string[]; serviceCidrs?: string[] }): Promise<DiscoveredCidrs> {
  const pod = given.podCidrs === undefined ? ((await podCidrsFromControlPlane(target)) ?? (await podCidrsFromNodes(target))) : { cidrs: given.podCidrs, source: "--pod-cidr" };
  const svc = given.serviceCidrs === undefined ? await serviceCidrs(target) : { cidrs: given.serviceCidrs, source: "--service-cidr" };
  for (const c of [...pod.cidrs, ...svc.cidrs]) if (!isCidr(c)) throw new CliError("Failed", `"${c}" (from ${pod.cidrs.includes(c) ? pod.source : svc.source}) is not a CIDR`);
  return { podCidrs: pod.cidrs, podSource: pod.source, serviceCidrs: svc.cidrs, serviceSource: svc.source };
}
