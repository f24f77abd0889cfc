// Where the gateway reads GlobalEgressIPs and their pods (docs/adr/0206), and writes their
// statuses. The resources are watched whenever the API serves them; a cluster installed before
// they existed (no CRD, or a ClusterRole without them: 404/403) has none, which is checked again
// every `recheckMs`, so a join that adds them needs no restart. Pods are watched only while the
// cluster holds a block and has a GlobalEgressIP (a busy cluster without them pays nothing).
// Until what is needed has synced once, `inputs` says "not known": the gateway then neither
// publishes its cluster (an empty list would free the addresses) nor reprograms its table.
import { CustomObjectsApi, type V1Pod } from "@kubernetes/client-node";
import { createInformer, httpStatusOf, type KubeClient } from "@isthmus/core/kube";
import type { Logger } from "@isthmus/core/runtime";
import { createLazyInformer, type LazyInformer } from "./lazy-informer.js";
import { globalEgressKey, type GlobalEgressIpData, type GlobalEgressPlan, type GlobalEgressPodData } from "./global-egress.js";
import { globalEgressPath, listGlobalEgressIps, toGlobalEgressIpData, toGlobalEgressPodData, writeGlobalEgressStatus, type GlobalEgressIpObject } from "./global-egress-resource.js";

/** The GlobalEgressIPs of the cluster and the pods they may select. */
export interface GlobalEgressSource {
  /**
   * Starts or stops the watches: the resources' while the API serves them, the pods' while
   * `hasBlock` and there is a resource. Idempotent; a failed check of the API is logged and
   * retried by the next call.
   */
  need(hasBlock: boolean): Promise<void>;
  /** The planner's inputs; undefined until every watch needed has synced once. */
  inputs(): { readonly resources: readonly GlobalEgressIpData[]; readonly pods: readonly GlobalEgressPodData[] } | undefined;
  /** Writes each resource's status from `plan` where it differs (the active gateway). Errors are logged per resource. */
  writeStatuses(plan: GlobalEgressPlan): Promise<void>;
  /** Stops the watches. Idempotent. */
  stop(): Promise<void>;
}

/** Creates a {@link GlobalEgressSource}; `onChange` runs on every relevant event and when a watch first syncs. */
export function createGlobalEgressSource(kube: KubeClient, options: { readonly logger: Logger; readonly onChange: () => void; readonly recheckMs: number }): GlobalEgressSource {
  const log = options.logger.child({ component: "global-egress" });
  const custom = kube.api(CustomObjectsApi);
  const core = kube.core;
  const synced = { resources: false, pods: false };
  // undefined: not checked yet; false: the API does not serve them to us (checked again later).
  let served: boolean | undefined;
  let checkedAt = -Infinity;
  const resources: LazyInformer<GlobalEgressIpObject> = createLazyInformer<GlobalEgressIpObject>({
    create: () => {
      synced.resources = false;
      return createInformer<GlobalEgressIpObject>({ name: "globalegressips", path: globalEgressPath, list: () => listGlobalEgressIps(custom), kubeConfig: kube.config, logger: log });
    },
    handlers: { add: options.onChange, update: options.onChange, delete: options.onChange },
    onReady: () => {
      synced.resources = true;
      options.onChange();
    },
  });
  // Only pods of namespaces with a GlobalEgressIP matter (a busy cluster changes others often).
  const onPod = (pod: V1Pod): void => {
    if (resources.list().some((r) => r.metadata?.namespace === pod.metadata?.namespace)) options.onChange();
  };
  const pods: LazyInformer<V1Pod> = createLazyInformer<V1Pod>({
    create: () => {
      synced.pods = false;
      return createInformer<V1Pod>({ name: "globalegress-pods", path: "/api/v1/pods", list: () => core.listPodForAllNamespaces(), kubeConfig: kube.config, logger: log });
    },
    handlers: { add: onPod, update: onPod, delete: onPod },
    onReady: () => {
      synced.pods = true;
      options.onChange();
    },
  });
  const written = new Map<string, { readonly memo: string; readonly version: string | undefined }>();
  const failing = new Set<string>();
  const podsNeeded = (hasBlock: boolean): boolean => hasBlock && served === true && resources.list().length > 0;
  let lastHasBlock = false;

  return {
    async need(hasBlock) {
      lastHasBlock = hasBlock;
      if (served === undefined || (!served && performance.now() - checkedAt > options.recheckMs)) {
        checkedAt = performance.now();
        try {
          await listGlobalEgressIps(custom);
          served = true;
        } catch (err) {
          const status = httpStatusOf(err);
          if (status !== 404 && status !== 403) {
            log.warn({ err }, "cannot list GlobalEgressIPs; trying again on the next reconcile");
            return;
          }
          if (served === undefined) log.warn({ status }, "the API serves no GlobalEgressIPs to the gateway (CRD or RBAC not installed: join again to add them); every pod leaves as the cluster's egress address");
          served = false;
        }
      }
      await resources.need(served);
      await pods.need(podsNeeded(hasBlock));
    },
    inputs() {
      if (served === undefined) return undefined;
      if (!served) return { resources: [], pods: [] };
      if (!synced.resources) return undefined;
      const list = resources.list().map(toGlobalEgressIpData);
      if (!podsNeeded(lastHasBlock)) return { resources: list, pods: [] };
      if (!synced.pods) return undefined;
      return { resources: list, pods: pods.list().map(toGlobalEgressPodData) };
    },
    async writeStatuses(plan) {
      for (const key of written.keys()) if (!plan.statuses.has(key)) written.delete(key);
      for (const key of failing) if (!plan.statuses.has(key)) failing.delete(key);
      for (const object of resources.list()) {
        const key = globalEgressKey({ namespace: object.metadata?.namespace ?? "", name: object.metadata?.name ?? "" });
        const status = plan.statuses.get(key);
        if (status === undefined) continue;
        // Until the watch brings the version written, the cache still shows the old status: no second write.
        const memo = JSON.stringify(status);
        const last = written.get(key);
        if (last?.memo === memo && last.version === object.metadata?.resourceVersion) continue;
        try {
          const wrote = await writeGlobalEgressStatus(custom, object, status);
          written.set(key, { memo, version: object.metadata?.resourceVersion });
          if (wrote) log.info({ resource: `${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`, globalIP: status.globalIP, selectedPods: status.selectedPods, reason: status.conditions[0]?.reason }, "GlobalEgressIP status written");
          failing.delete(key);
        } catch (err) {
          // Retried by every reconcile; said once until it works (a ClusterRole without the status verb would repeat it each second).
          if (!failing.has(key)) log.warn({ err, resource: key }, "cannot write a GlobalEgressIP status; the next reconcile tries again (the translation does not depend on it)");
          failing.add(key);
        }
      }
    },
    async stop() {
      await pods.stop();
      await resources.stop();
    },
  };
}
