import { CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesListObject, NetworkingV1Api, type V1Namespace, type V1NetworkPolicy, type V1Pod } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core/constants";
import { createInformer, type ManagedInformer } from "@isthmus/core/kube";
import type { Logger } from "pino";
import { type RemotePodSetObject, toNamespaceData, toPodData, toPolicyData, toRemotePodSetData } from "./convert.js";
import type { PolicyInput } from "./types.js";

/** Where the policy agent reads the cluster from. */
export interface PolicySource {
  /** The input now, or undefined until every cache has synced once (a partial cache must never be enforced). */
  snapshot(nodeName: string): PolicyInput | undefined;
}

/** The four informers of the policy agent as one source, plus their lifecycle. */
export interface PolicyInformers extends PolicySource {
  start(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Informers (core's self-healing wrappers) of every Pod, Namespace, NetworkPolicy and
 * RemotePodSet (other clusters' shared pods, written by isthmus-dns; ADR 0406); `onChange`
 * runs on every event and when a cache becomes ready. After a cache has synced once it keeps
 * serving while its watch reconnects (stale, never partial).
 */
export function createPolicyInformers(kc: KubeConfig, options: { readonly logger: Logger; readonly onChange: () => void }): PolicyInformers {
  const core = kc.makeApiClient(CoreV1Api);
  const networking = kc.makeApiClient(NetworkingV1Api);
  const common = { kubeConfig: kc, logger: options.logger };
  const pods = createInformer<V1Pod>({ name: "policy-pods", path: "/api/v1/pods", list: () => core.listPodForAllNamespaces(), ...common });
  const namespaces = createInformer<V1Namespace>({ name: "policy-namespaces", path: "/api/v1/namespaces", list: () => core.listNamespace(), ...common });
  const policies = createInformer<V1NetworkPolicy>({
    name: "networkpolicies",
    path: "/apis/networking.k8s.io/v1/networkpolicies",
    list: () => networking.listNetworkPolicyForAllNamespaces(),
    ...common,
  });
  const custom = kc.makeApiClient(CustomObjectsApi);
  const group = defaults.apiGroup;
  const version = defaults.apiVersion;
  const plural = defaults.remotePodSetPlural;
  const remote = createInformer<RemotePodSetObject>({
    name: "remotepodsets",
    path: `/apis/${group}/${version}/${plural}`,
    list: async () => (await custom.listClusterCustomObject({ group, version, plural })) as KubernetesListObject<RemotePodSetObject>,
    ...common,
  });
  const all = [pods, namespaces, policies, remote] as unknown as readonly ManagedInformer<never>[];
  const synced = new Set<string>();
  for (const informer of all) {
    for (const event of ["add", "update", "delete"] as const) informer.on(event, () => { options.onChange(); });
  }
  return {
    snapshot: (nodeName) => {
      for (const informer of all) if (informer.ready) synced.add(informer.name);
      if (synced.size < all.length) return undefined;
      return {
        nodeName,
        pods: pods.list().map(toPodData).filter((p) => p !== undefined),
        namespaces: namespaces.list().map(toNamespaceData),
        policies: policies.list().map(toPolicyData),
        remotePods: remote.list().flatMap((o) => toRemotePodSetData(o) ?? []),
      };
    },
    start: async (signal) => {
      for (const informer of all) await informer.start(signal);
      // Each cache's first sync is a change too (an empty list delivers no event).
      for (const informer of all) {
        // waitForReady rejects only when `signal` aborts: cancellation, not an error.
        void informer.waitForReady(signal).then(() => { options.onChange(); }, () => undefined);
      }
    },
    stop: async () => {
      for (const informer of all) await informer.stop();
    },
  };
}
