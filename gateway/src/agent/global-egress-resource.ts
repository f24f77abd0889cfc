// The namespaced `GlobalEgressIP` resource (isthmus.io/v1alpha1, docs/adr/0206): read by every
// gateway candidate's informer; its status is written by the active gateway only (replaced, on
// the version it read), and only when it differs from what is stored (each condition keeps its lastTransitionTime while its status
// holds, metav1.Condition semantics).
import { CustomObjectsApi, type KubernetesObject, type V1Pod } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core/constants";
import { canonicalJson } from "@isthmus/core/model";
import { errorMessage } from "@isthmus/core/errors";
import { httpStatusOf } from "@isthmus/core/kube";
import { AgentError } from "./errors.js";
import type { GlobalEgressCondition, GlobalEgressIpData, GlobalEgressIpStatus, GlobalEgressPodData } from "./global-egress.js";

/** The plural of the GlobalEgressIP CRD (deploy/gateway/10-crd.yaml). */
export const globalEgressPlural = "globalegressips";
const coords = { group: defaults.apiGroup, version: defaults.apiVersion, plural: globalEgressPlural };

/** A condition as stored. */
export interface StoredGlobalEgressCondition extends GlobalEgressCondition {
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

/** The status as stored. */
export interface StoredGlobalEgressStatus {
  readonly globalIP?: string;
  readonly selectedPods: number;
  readonly conditions: readonly StoredGlobalEgressCondition[];
}

/** A GlobalEgressIP as read from the API server. */
export interface GlobalEgressIpObject extends KubernetesObject {
  spec?: { podSelector?: unknown };
  status?: StoredGlobalEgressStatus;
}

/** API path of the GlobalEgressIP list across namespaces (for informers). */
export const globalEgressPath = `/apis/${defaults.apiGroup}/${defaults.apiVersion}/${globalEgressPlural}`;

/** Lists every namespace's GlobalEgressIPs (the informer's list call). */
export async function listGlobalEgressIps(api: CustomObjectsApi): Promise<{ items: GlobalEgressIpObject[] }> {
  return (await api.listClusterCustomObject(coords)) as { items: GlobalEgressIpObject[] };
}

/** The planner's view of a GlobalEgressIP object. */
export function toGlobalEgressIpData(o: GlobalEgressIpObject): GlobalEgressIpData {
  const created = o.metadata?.creationTimestamp;
  return {
    namespace: o.metadata?.namespace ?? "",
    name: o.metadata?.name ?? "",
    ...(created === undefined ? {} : { createdAt: new Date(created).toISOString() }),
    ...(o.spec?.podSelector === undefined ? {} : { podSelector: o.spec.podSelector }),
  };
}

/** The planner's view of a pod. */
export function toGlobalEgressPodData(p: V1Pod): GlobalEgressPodData {
  return {
    namespace: p.metadata?.namespace ?? "",
    name: p.metadata?.name ?? "",
    labels: p.metadata?.labels ?? {},
    ...(p.status?.podIP === undefined ? {} : { ip: p.status.podIP }),
    ...(p.spec?.hostNetwork === true ? { hostNetwork: true } : {}),
    ...(p.status?.phase === undefined ? {} : { phase: p.status.phase }),
  };
}

/** `status` as it is stored over `stored`: a condition whose status holds keeps its lastTransitionTime. */
export function storedGlobalEgressStatus(status: GlobalEgressIpStatus, stored: StoredGlobalEgressStatus | undefined, options: { readonly now: string; readonly generation?: number }): StoredGlobalEgressStatus {
  const conditions = status.conditions.map((c): StoredGlobalEgressCondition => {
    const old = stored?.conditions.find((o) => o.type === c.type);
    return { ...c, lastTransitionTime: old?.status === c.status ? old.lastTransitionTime : options.now, ...(options.generation === undefined ? {} : { observedGeneration: options.generation }) };
  });
  return { ...(status.globalIP === undefined ? {} : { globalIP: status.globalIP }), selectedPods: status.selectedPods, conditions };
}


/**
 * Writes `status` on `current` unless it says the same already (replaces the status subresource
 * of the cached version). Returns whether it wrote; a resource deleted or changed meanwhile is
 * not an error (404, 409: the next reconcile writes on the version the watch brings). Throws
 * AgentError "KubeFailed".
 */
export async function writeGlobalEgressStatus(api: CustomObjectsApi, current: GlobalEgressIpObject, status: GlobalEgressIpStatus): Promise<boolean> {
  const namespace = current.metadata?.namespace ?? "";
  const name = current.metadata?.name ?? "";
  const generation = current.metadata?.generation;
  const want = storedGlobalEgressStatus(status, current.status, { now: new Date().toISOString(), ...(generation === undefined ? {} : { generation }) });
  if (canonicalJson(want) === canonicalJson(current.status ?? {})) return false;
  try {
    await api.replaceNamespacedCustomObjectStatus({ ...coords, namespace, name, body: { ...current, status: want } });
  } catch (err) {
    const code = httpStatusOf(err);
    if (code === 404 || code === 409) return false;
    throw new AgentError("KubeFailed", `Cannot write the status of GlobalEgressIP ${namespace}/${name}: ${errorMessage(err)}`, { cause: err });
  }
  return true;
}
