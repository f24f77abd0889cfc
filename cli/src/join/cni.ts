/**
 * Which CNI a cluster runs, as `isthmus join` can tell from the API (the nodes' CNI directories
 * are out of its reach): the DaemonSets of known CNIs, and what flannel leaves on the Nodes (its
 * `flannel.alpha.coreos.com/*` annotations). Whether a CNI is tested says whether the interop lab
 * suite runs it (ADR 0408); an untested one may work, and join says which checks matter.
 */

/** A CNI join can name. */
export interface DetectedCni {
  /** "isthmus-cni", "flannel", …, or "unknown" when no known DaemonSet runs. */
  readonly name: string;
  /** True when the lab's suites run clusters on it (isthmus-cni, flannel, the reference plugins). */
  readonly tested: boolean;
  /** What it was recognised by. */
  readonly evidence: string;
}

/** What the detection reads from the cluster. */
export interface CniEvidence {
  readonly daemonSets: readonly { readonly namespace: string; readonly name: string }[];
  /** Every Node's annotations. */
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

const flannelAnnotation = "flannel.alpha.coreos.com/backend-type";

/** Names the cluster's CNI from its DaemonSets and Node annotations. */
export function detectCni(evidence: CniEvidence): DetectedCni {
  for (const known of knownDaemonSets) {
    const ds = evidence.daemonSets.find((d) => known.name.test(d.name));
    if (ds === undefined) continue;
    const backend = known.cni === "flannel" ? evidence.nodeAnnotations.map((a) => a[flannelAnnotation]).find((b) => b !== undefined) : undefined;
    return { name: known.cni, tested: known.tested, evidence: `DaemonSet ${ds.namespace}/${ds.name}${backend === undefined ? "" : `, nodes annotated ${flannelAnnotation}=${backend}`}` };
  }
  const backend = evidence.nodeAnnotations.map((a) => a[flannelAnnotation]).find((b) => b !== undefined);
  if (backend !== undefined) return { name: "flannel", tested: true, evidence: `nodes annotated ${flannelAnnotation}=${backend} (flanneld runs outside a DaemonSet)` };
  return { name: "unknown", tested: false, evidence: "no DaemonSet of a known CNI: a CNI configured on the nodes themselves (the reference bridge plugin is tested) or one join does not know" };
}

/** The line join prints about the CNI it found. */
export function describeCni(cni: DetectedCni): string {
  const verdict = cni.tested
    ? "tested with Isthmus (e2e/src/suites/cni-interop)"
    : "not tested with Isthmus: check that it masquerades no traffic to or from remote pod CIDRs and that its pod MTU fits the tunnel";
  return `${cni.name} (${cni.evidence}); ${verdict}`;
}
