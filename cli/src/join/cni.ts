/**
 * Which CNI a cluster runs, as `isthmus join` can tell from the API (the nodes' CNI directories
 * are out of its reach, but the route agents read them): the DaemonSets of known CNIs; the CNI
 * config each route agent found on its node, on the Node as `isthmus.io/cni-config` (ADR 0408:
 * the file the runtime uses, its network name and plugin chain), which names a CNI configured on
 * the nodes themselves such as the reference bridge; and what flannel leaves on the Nodes (its
 * `flannel.alpha.coreos.com/*` annotations). On a first join the route agents come with join, so
 * join reads the Nodes again once the gateway is up (`describeNodeReport`). Whether a CNI is
 * tested says whether the interop lab suite runs it; an untested one may work, and join says
 * which checks matter.
 */
import { defaults } from "@isthmus/core/constants";
import { parseCniConfigReport } from "@isthmus/core/model";

/** What the route agents reported across the nodes (`isthmus.io/cni-config`). */
export interface NodeCniConfigs {
  /** Each distinct value with its number of nodes, most nodes first. */
  readonly values: readonly { readonly value: string; readonly nodes: number }[];
  /** Nodes in the cluster, annotated or not. */
  readonly total: number;
}

/** A CNI join can name. */
export interface DetectedCni {
  /** "isthmus-cni", "flannel", "bridge (reference plugins)", …, or "unknown" when nothing known was found. */
  readonly name: string;
  /** True when the lab's suites run clusters on it (isthmus-cni, flannel, the reference bridge). */
  readonly tested: boolean;
  /** What it was recognised by. */
  readonly evidence: string;
  /** The route agents' reports it saw. */
  readonly nodeConfigs: NodeCniConfigs;
}

/** What the detection reads from the cluster. */
export interface CniEvidence {
  readonly daemonSets: readonly { readonly namespace: string; readonly name: string }[];
  /** Every Node's annotations (flannel's, and the route agents' `isthmus.io/cni-config`). */
  readonly nodeAnnotations: readonly Readonly<Record<string, string>>[];
}

/** Known CNIs by the name of the DaemonSet their own manifests install (first match wins). */
const knownDaemonSets: readonly { readonly cni: string; readonly name: RegExp; readonly tested: boolean }[] = [
  { cni: "isthmus-cni", name: /^isthmus-node$/, tested: true },
  { cni: "flannel", name: /^(kube-)?flannel(-ds)?(-amd64)?$/, tested: true },
  { cni: "calico", name: /^calico-node$/, tested: false },
  { cni: "cilium", name: /^cilium$/, tested: false },
  { cni: "weave", name: /^weave-net$/, tested: false },
  { cni: "kube-router", name: /^kube-router$/, tested: false },
  { cni: "antrea", name: /^antrea-agent$/, tested: false },
];

/** Known CNIs by the type of the first plugin in the runtime's config (the one that makes the pod's interface). */
const knownPlugins: readonly { readonly cni: string; readonly type: string; readonly tested: boolean }[] = [
  { cni: "isthmus-cni", type: "isthmus-cni", tested: true },
  { cni: "flannel", type: "flannel", tested: true },
  ...["bridge", "ptp", "macvlan", "ipvlan", "host-device", "vlan"].map((type) => ({ cni: `${type} (reference plugins)`, type, tested: type === "bridge" })),
  { cni: "calico", type: "calico", tested: false },
  { cni: "cilium", type: "cilium-cni", tested: false },
  { cni: "weave", type: "weave-net", tested: false },
  { cni: "antrea", type: "antrea", tested: false },
  { cni: "kube-ovn", type: "kube-ovn", tested: false },
];

const flannelAnnotation = "flannel.alpha.coreos.com/backend-type";
const configKey = defaults.cniConfigAnnotation;

/** Counts the route agents' reports on the Nodes. */
export function nodeCniConfigs(nodeAnnotations: readonly Readonly<Record<string, string>>[]): NodeCniConfigs {
  const counts = new Map<string, number>();
  for (const a of nodeAnnotations) {
    const value = a[configKey];
    if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  const values = [...counts].map(([value, nodes]) => ({ value, nodes })).sort((a, b) => b.nodes - a.nodes || a.value.localeCompare(b.value));
  return { values, total: nodeAnnotations.length };
}

/** `10-flannel.conflist: cbr0 (flannel, portmap) on 2 of 2 nodes`, or the values with their counts when nodes disagree; "" without reports. */
export function describeNodeCniConfigs(configs: NodeCniConfigs): string {
  const [first, ...others] = configs.values;
  if (first === undefined) return "";
  if (others.length === 0) return `${first.value} on ${first.nodes} of ${configs.total} nodes`;
  return `nodes disagree: ${configs.values.map((v) => `${v.value} on ${v.nodes}`).join(", ")} of ${configs.total} nodes`;
}

/** The CNI the most common report names (the first plugin's type), if any report names a config. */
function fromConfig(configs: NodeCniConfigs): { cni: string; tested: boolean } | undefined {
  for (const { value } of configs.values) {
    const report = parseCniConfigReport(value);
    const type = report?.kind === "config" ? report.plugins[0] : undefined;
    if (type === undefined) continue;
    const known = knownPlugins.find((k) => k.type === type);
    return known === undefined ? { cni: type, tested: false } : { cni: known.cni, tested: known.tested };
  }
  return undefined;
}

/** Names the cluster's CNI from its DaemonSets and Node annotations. */
export function detectCni(evidence: CniEvidence): DetectedCni {
  const nodeConfigs = nodeCniConfigs(evidence.nodeAnnotations);
  const reported = nodeConfigs.values.length === 0 ? undefined : `${configKey}: ${describeNodeCniConfigs(nodeConfigs)}`;
  const backend = evidence.nodeAnnotations.map((a) => a[flannelAnnotation]).find((b) => b !== undefined);
  const flannel = backend === undefined ? undefined : `nodes annotated ${flannelAnnotation}=${backend}`;
  const joined = (...parts: (string | undefined)[]): string => parts.filter((p) => p !== undefined).join(", ");
  for (const known of knownDaemonSets) {
    const ds = evidence.daemonSets.find((d) => known.name.test(d.name));
    if (ds === undefined) continue;
    return { name: known.cni, tested: known.tested, evidence: joined(`DaemonSet ${ds.namespace}/${ds.name}`, known.cni === "flannel" ? flannel : undefined, reported), nodeConfigs };
  }
  const configured = fromConfig(nodeConfigs);
  if (configured !== undefined) return { name: configured.cni, tested: configured.tested, evidence: joined(`no DaemonSet of a known CNI; ${reported ?? ""}`, flannel), nodeConfigs };
  if (flannel !== undefined) return { name: "flannel", tested: true, evidence: joined(`${flannel} (flanneld runs outside a DaemonSet)`, reported), nodeConfigs };
  const unknown = "no DaemonSet of a known CNI: a CNI configured on the nodes themselves (the reference bridge plugin is tested) or one join does not know";
  return { name: "unknown", tested: false, evidence: reported === undefined ? `${unknown}; no node reports its CNI config (${configKey}) yet` : `${unknown}; ${reported}`, nodeConfigs };
}

function verdict(cni: DetectedCni): string {
  return cni.tested
    ? "tested with Isthmus (e2e/src/suites/cni-interop)"
    : "not tested with Isthmus: check that it masquerades no traffic to or from remote pod CIDRs and that its pod MTU fits the tunnel";
}

/** The line join prints about the CNI it found. */
export function describeCni(cni: DetectedCni): string {
  return `${cni.name} (${cni.evidence}); ${verdict(cni)}`;
}

/**
 * Reads the cluster (`read`) until every Node carries its route agent's report or `timeoutMs`
 * has passed, and returns the last detection. Throws what `read` throws.
 */
export async function waitForNodeReports(read: () => Promise<CniEvidence>, options: {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly sleep: (ms: number) => Promise<unknown>;
  readonly now: () => number;
}): Promise<DetectedCni> {
  const deadline = options.now() + options.timeoutMs;
  for (;;) {
    const later = detectCni(await read());
    const reported = later.nodeConfigs.values.reduce((sum, v) => sum + v.nodes, 0);
    if (reported >= later.nodeConfigs.total || options.now() >= deadline) return later;
    await options.sleep(options.intervalMs);
  }
}

/**
 * The line join prints once it has waited `waitedMs` for the route agents' reports (`later`), or
 * undefined when they add nothing to what the first detection saw: the reports and, when they
 * change it, the CNI join now names; or that none came.
 */
export function describeNodeReport(first: DetectedCni, later: DetectedCni, waitedMs: number): string | undefined {
  const reports = describeNodeCniConfigs(later.nodeConfigs);
  if (reports === "") return `CNI on the nodes: no route agent reported its node's CNI config (${configKey}) within ${String(Math.round(waitedMs / 1000))} s; isthmus diagnose shows it once they do`;
  if (reports === describeNodeCniConfigs(first.nodeConfigs)) return undefined;
  const renamed = later.name !== first.name || later.tested !== first.tested;
  return `CNI on the nodes: ${reports}${renamed ? ` — ${later.name}; ${verdict(later)}` : ""}`;
}
