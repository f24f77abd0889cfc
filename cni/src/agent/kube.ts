import { CoreV1Api, KubeConfig, ListWatch, type V1Node, type V1Pod, Watch } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { PodAnnotationSource } from "../datapath/backend.js";
import type { PodRef } from "../plugin/dispatch.js";
import { CniError } from "../plugin/errors.js";
import type { NodeRecord, NodeSource } from "./agent.js";

/** Loads a kubeconfig file, or the in-cluster service account when `path` is undefined. */
export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path === undefined) kc.loadFromCluster();
  else kc.loadFromFile(path);
  return kc;
}

/** A restartable informer: a started ListWatch that restarts after errors and reports sync. */
interface WatchedCache<T> {
  list(): readonly T[];
  synced(): boolean;
  start(): Promise<void>;
  stop(): void;
}

function watched<T extends V1Node | V1Pod>(
  informer: ListWatch<T>,
  what: string,
  logger: Logger,
  onChange: () => void,
): WatchedCache<T> {
  let synced = false;
  let stopped = false;
  let attempt = 0;
  for (const verb of ["add", "update", "delete"] as const) {
    informer.on(verb, () => {
      attempt = 0;
      onChange();
    });
  }
  informer.on("connect", () => {
    synced = true;
    onChange();
  });
  informer.on("error", (err: unknown) => {
    if (stopped) return;
    attempt += 1;
    const delay = Math.min(10_000, 250 * 2 ** attempt);
    logger.warn({ err, resource: what, retryInMs: delay }, "watch failed; restarting (the cache keeps serving the last state)");
    setTimeout(() => {
      if (!stopped) informer.start().catch((e: unknown) => { logger.warn({ err: e, resource: what }, "watch restart failed; retrying on the next error"); });
    }, delay).unref();
  });
  return {
    list: () => informer.list(),
    synced: () => synced,
    start: async () => {
      await informer.start();
      synced = true;
    },
    stop: () => {
      stopped = true;
      void informer.stop();
    },
  };
}

function toRecord(node: V1Node): NodeRecord {
  const internalIp = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
  const podCidr = node.spec?.podCIDR;
  return { name: node.metadata?.name ?? "", ...(podCidr === undefined ? {} : { podCidr }), ...(internalIp === undefined ? {} : { internalIp }) };
}

/** Nodes from an informer; `onChange` runs on every event. */
export function createNodeInformer(kc: KubeConfig, options: { readonly logger: Logger; readonly onChange: () => void }): NodeSource & { start(): Promise<void>; stop(): void } {
  const api = kc.makeApiClient(CoreV1Api);
  const cache = watched(new ListWatch<V1Node>("/api/v1/nodes", new Watch(kc), () => api.listNode(), false), "nodes", options.logger, options.onChange);
  return { list: () => cache.list().map(toRecord), start: () => cache.start(), stop: () => { cache.stop(); } };
}

/**
 * Annotations of the pods bound to `nodeName`, from an informer filtered by spec.nodeName; a pod
 * not in the cache yet (the kubelet may see it first) is read from the API once.
 */
export function createPodAnnotationCache(kc: KubeConfig, options: { readonly nodeName: string; readonly logger: Logger }): PodAnnotationSource & { start(): Promise<void>; stop(): void } {
  const api = kc.makeApiClient(CoreV1Api);
  const fieldSelector = `spec.nodeName=${options.nodeName}`;
  const informer = new ListWatch<V1Pod>("/api/v1/pods", new Watch(kc), () => api.listPodForAllNamespaces({ fieldSelector }), false, undefined, fieldSelector);
  const cache = watched(informer, "pods", options.logger, () => undefined);
  return {
    start: () => cache.start(),
    stop: () => { cache.stop(); },
    get: async (pod: PodRef) => {
      const cached = informer.get(pod.name, pod.namespace);
      if (cached !== undefined && (pod.uid === "" || cached.metadata?.uid === pod.uid)) return cached.metadata?.annotations ?? {};
      try {
        const fresh = await api.readNamespacedPod({ name: pod.name, namespace: pod.namespace });
        return fresh.metadata?.annotations ?? {};
      } catch (err) {
        if ((err as { code?: number }).code === 404) return {};
        throw new CniError("TryAgainLater", `Cannot read pod ${pod.namespace}/${pod.name} from the API server: ${err instanceof Error ? err.message : String(err)}; retry`, { cause: err });
      }
    },
  };
}
