import { access, constants } from "node:fs/promises";
import { ensureBinaries, type LabBinaries } from "../binaries/index.js";

/**
 * The prebuilt binaries on this machine while the cache is being filled (lab contract). When
 * every one is present they are used; otherwise `ensureBinaries` finds or builds them.
 */
const prebuilt = {
  kubeApiserver: "/tmp/k8sbuild/bin/kube-apiserver",
  kubeControllerManager: "/tmp/k8sbuild/bin/kube-controller-manager",
  kubeScheduler: "/tmp/k8sbuild/bin/kube-scheduler",
  kubeProxy: "/tmp/k8sbuild/bin/kube-proxy",
  kubectl: "/tmp/k8sbuild/bin/kubectl",
  etcd: "/tmp/etcdbuild/bin/etcd",
  coredns: "/tmp/etcdbuild/bin/coredns",
  wireguardGo: "/tmp/etcdbuild/bin/wireguard",
};

/** The binaries the lab runs: the one place to change where they come from. */
export async function labBinaries(options: { readonly onProgress?: (line: string) => void; readonly env?: Readonly<Record<string, string | undefined>> } = {}): Promise<LabBinaries> {
  const env = options.env ?? process.env;
  const explicit = [env.ISTHMUS_K8S_BIN, env.KUBEBUILDER_ASSETS].some((d) => d !== undefined && d !== "");
  if (!explicit && (await allExecutable(Object.values(prebuilt)))) {
    return { ...prebuilt, kubernetesVersion: "v1.34.4" };
  }
  return ensureBinaries({ env, ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }) });
}

async function allExecutable(paths: readonly string[]): Promise<boolean> {
  for (const p of paths) {
    try {
      await access(p, constants.X_OK);
    } catch {
      return false;
    }
  }
  return true;
}
