/**
 * The versions of the third-party binaries the lab runs. Changing a pin rebuilds that tool
 * once (each version has its own cache directory); nothing else triggers a rebuild.
 */
export const pins = Object.freeze({
  /** k8s.io/kubernetes: kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy, kubectl. */
  kubernetes: "v1.34.4",
  /** go.etcd.io/etcd/server/v3: Debian's etcd 3.4.23 is too old for kube-apiserver ≥ 1.31. */
  etcd: "v3.6.16",
  /** github.com/coredns/coredns: the cluster DNS of lab clusters (ships the multicluster plugin). */
  coredns: "v1.14.7",
  /**
   * golang.zx2c4.com/wireguard: the wireguard-go every gateway runs (the lab's, the gateway
   * image's, the netns tests'); Debian's 0.0.20220316 lacks the offloads (ADR 0503).
   */
  wireguardGo: "v0.0.0-20260522210424-ecfc5a8d5446",
  /** helm.sh/helm/v3: renders and lints the chart in deploy/helm (tests only, not the lab). */
  helm: "v3.22.0",
  /** github.com/flannel-io/flannel: flanneld of lab clusters run with `--cni flannel` (ADR 0408). */
  flannel: "v0.28.10",
  /**
   * github.com/containernetworking/plugins: its last release with `plugins/meta/flannel`, the
   * flannel CNI plugin (the module proxy refuses github.com/flannel-io/cni-plugin; ADR 0408).
   */
  flannelCni: "v0.9.1",
});

/** The tools the lab needs, by the file name each has in a binaries directory. */
export const binaryNames = Object.freeze({
  kubeApiserver: "kube-apiserver",
  kubeControllerManager: "kube-controller-manager",
  kubeScheduler: "kube-scheduler",
  kubeProxy: "kube-proxy",
  kubectl: "kubectl",
  etcd: "etcd",
  coredns: "coredns",
  wireguardGo: "wireguard-go",
});

/** A key of `binaryNames`. */
export type BinaryKey = keyof typeof binaryNames;

/**
 * Tools built on demand only (`ensureTool`): Helm for tests, flanneld and the flannel CNI plugin
 * for labs with a flannel cluster.
 */
export const toolNames = Object.freeze({
  helm: "helm",
  flanneld: "flanneld",
  flannelCni: "flannel",
});

/** A key of `toolNames`. */
export type ToolKey = keyof typeof toolNames;
