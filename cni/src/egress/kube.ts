import { CoreV1Api, CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions, type V1Node } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core/constants";
import { errorMessage } from "@isthmus/core/errors";
import { createInformer, httpStatusOf, type ManagedInformer } from "@isthmus/core/kube";
import { canonicalJson } from "@isthmus/core/model";
import type { Logger } from "pino";
import { CniError } from "../plugin/errors.js";
import { type EgressGatewayObject, type StoredCondition, toEgressGatewayData, toEgressNodeData } from "./convert.js";
import type { EgressGatewayStatus, EgressInput, NamespaceData, PodData } from "./types.js";

export { type EgressGatewayObject, toEgressGatewayData, toEgressNodeData } from "./convert.js";

/** The plural of the EgressGateway CRD (deploy/cni/10-egressgateway-crd.yaml). */
export const egressGatewayPlural = "egressgateways";
const coords = { group: defaults.apiGroup, version: defaults.apiVersion, plural: egressGatewayPlural };

/** Where the egress agent reads the cluster and writes statuses. */
export interface EgressSource {
  /** The input now, or undefined until every cache has synced once. */
  snapshot(nodeName: string): EgressInput | undefined;
  /** Writes `status` unless the stored one already says the same; throws CniError "IoFailure". */
  writeStatus(status: EgressGatewayStatus): Promise<boolean>;
}

/**
 * The status to store: `status` with each condition's lastTransitionTime kept from `stored`
 * when its status did not change (metav1.Condition semantics), now otherwise.
 */
export function storedStatus(status: EgressGatewayStatus, stored: EgressGatewayObject["status"], options: { readonly now: string; readonly generation?: number }): NonNullable<EgressGatewayObject["status"]> {
  const conditions = status.conditions.map((c): StoredCondition => {
    const old = stored?.conditions?.find((o) => o.type === c.type);
    return { ...c, lastTransitionTime: old?.status === c.status ? old.lastTransitionTime : options.now, ...(options.generation === undefined ? {} : { observedGeneration: options.generation }) };
  });
  return { ...(status.activeNode === undefined ? {} : { activeNode: status.activeNode }), ...(status.egressIP === undefined ? {} : { egressIP: status.egressIP }), ...(status.activeNodes === undefined ? {} : { activeNodes: [...status.activeNodes] }), selectedPods: status.selectedPods, conditions };
}

/**
 * The body of the merge patch (RFC 7386) that makes the stored status `want`: a merge patch keeps
 * the fields it does not name, so the ones `want` lacks and `stored` has (the active node and
 * address of a resource that stopped being served, `activeNodes` after a switch from `hash`) are
 * named with null, which removes them.
 */
export function statusPatch(want: NonNullable<EgressGatewayObject["status"]>, stored: EgressGatewayObject["status"]): { readonly status: Record<string, unknown> } {
  const cleared = (["activeNode", "egressIP", "activeNodes"] as const).filter((k) => want[k] === undefined && stored?.[k] !== undefined);
  return { status: { ...want, ...Object.fromEntries(cleared.map((k) => [k, null])) } };
}


/** The Event to record for a condition that is new or changed its status or reason (none when it only repeats). */
export function conditionEvents(status: EgressGatewayStatus, stored: EgressGatewayObject["status"]): { readonly type: "Normal" | "Warning"; readonly reason: string; readonly message: string }[] {
  return status.conditions.flatMap((c) => {
    const old = stored?.conditions?.find((o) => o.type === c.type);
    if (old?.status === c.status && old.reason === c.reason) return [];
    if (old === undefined && c.type === "Conflict" && c.status === "False") return [];
    const bad = (c.type === "Ready" && c.status === "False") || (c.type === "Conflict" && c.status === "True");
    return [{ type: bad ? "Warning" as const : "Normal" as const, reason: c.reason, message: c.message }];
  });
}

/** Informers of EgressGateways and Nodes; pods and namespaces come from `podsAndNamespaces` (the policy agent's caches). */
export interface EgressInformers extends EgressSource {
  start(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

/** Creates the informers; `onChange` runs on every event and when a cache first syncs. */
export function createEgressInformers(kc: KubeConfig, options: {
  readonly logger: Logger;
  /** Recorded as the Events' reporting instance. */
  readonly nodeName: string;
  readonly onChange: () => void;
  readonly podsAndNamespaces: () => { readonly pods: readonly PodData[]; readonly namespaces: readonly NamespaceData[] } | undefined;
}): EgressInformers {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const common = { kubeConfig: kc, logger: options.logger };
  const gateways = createInformer<EgressGatewayObject>({
    name: "egressgateways",
    path: `/apis/${defaults.apiGroup}/${defaults.apiVersion}/${egressGatewayPlural}`,
    list: async () => (await custom.listClusterCustomObject(coords)) as { items: EgressGatewayObject[] },
    ...common,
  });
  const nodes = createInformer<V1Node>({ name: "egress-nodes", path: "/api/v1/nodes", list: () => core.listNode(), ...common });
  const all = [gateways, nodes] as unknown as readonly ManagedInformer<never>[];
  const synced = new Set<string>();
  // What this process last wrote per resource and the cached version it wrote over: until the
  // watch brings the new version, the cache still shows the old status (no second write, no second Event).
  const written = new Map<string, { readonly version: string | undefined; readonly key: string }>();
  for (const informer of all) {
    for (const event of ["add", "update", "delete"] as const) informer.on(event, () => { options.onChange(); });
  }
  return {
    snapshot: (nodeName) => {
      for (const informer of all) if (informer.ready) synced.add(informer.name);
      const rest = options.podsAndNamespaces();
      if (synced.size < all.length || rest === undefined) return undefined;
      return { nodeName, gateways: gateways.list().map(toEgressGatewayData), nodes: nodes.list().map(toEgressNodeData), ...rest };
    },
    writeStatus: async (status) => {
      const current = gateways.get(status.name);
      if (current === undefined) return false;
      const key = JSON.stringify(status);
      const last = written.get(status.name);
      if (last?.key === key && last.version === current.metadata?.resourceVersion) return false;
      const want = storedStatus(status, current.status, { now: new Date().toISOString(), ...(current.metadata?.generation === undefined ? {} : { generation: current.metadata.generation }) });
      if (canonicalJson(want) === canonicalJson(current.status ?? {})) return false;
      try {
        await custom.patchClusterCustomObjectStatus({ ...coords, name: status.name, body: statusPatch(want, current.status) }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
      } catch (err) {
        if (httpStatusOf(err) === 404) return false;
        throw new CniError("IoFailure", `Cannot write the status of EgressGateway ${status.name}: ${errorMessage(err)}`, { cause: err });
      }
      written.set(status.name, { version: current.metadata?.resourceVersion, key });
      for (const event of conditionEvents(status, current.status)) {
        const now = new Date();
        try {
          await core.createNamespacedEvent({
            namespace: "default",
            body: {
              metadata: { generateName: `${status.name}.` },
              involvedObject: { apiVersion: `${defaults.apiGroup}/${defaults.apiVersion}`, kind: "EgressGateway", name: status.name, ...(current.metadata?.uid === undefined ? {} : { uid: current.metadata.uid }) },
              type: event.type, reason: event.reason, message: event.message,
              source: { component: "isthmus-node", host: options.nodeName },
              reportingComponent: "isthmus.io/isthmus-node", reportingInstance: options.nodeName,
              firstTimestamp: now, lastTimestamp: now, count: 1,
            },
          });
        } catch (err) {
          // An Event is a courtesy: the condition is written already and says the same.
          options.logger.warn({ err, gateway: status.name, reason: event.reason }, "cannot record an EgressGateway event; the status condition carries it");
        }
      }
      return true;
    },
    start: async (signal) => {
      for (const informer of all) await informer.start(signal);
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
