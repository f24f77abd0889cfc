/**
 * What `isthmus join` changed, so that `isthmus uninstall` undoes exactly that: stored as JSON
 * in ConfigMap `isthmus-join` (namespace isthmus-system). Objects that existed before join
 * (a namespace the CNI made, labels an operator set) are recorded and left alone.
 */
import { defaults } from "@isthmus/core/constants";
import { httpStatusOf } from "@isthmus/core/kube";
import { CliError } from "../command.js";
import type { ClusterTarget } from "../kube/cluster.js";
import type { ManifestObject } from "../manifests/load.js";

/** Name of the state ConfigMap. */
export const joinStateName = "isthmus-join";

/** The record of one join. */
export interface JoinState {
  readonly clusterId: string;
  readonly cableDriver: string;
  readonly brokerAddress: string;
  readonly podCidrs: readonly string[];
  readonly serviceCidrs: readonly string[];
  /** Components applied (cni only without --skip-cni). */
  readonly components: readonly string[];
  /** Keys (kind/namespace/name) of applied objects that existed before join. */
  readonly preexisting: readonly string[];
  /** Nodes join labelled as gateways / annotated with a public IP. */
  readonly labelledNodes: readonly string[];
  readonly annotatedNodes: readonly string[];
  /** True when join added the clusterset.local block to CoreDNS. */
  readonly coredns: boolean;
  readonly joinedAt: string;
}

/** The ConfigMap holding `state`. */
export function joinStateObject(state: JoinState): ManifestObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: joinStateName, namespace: defaults.namespace, labels: { "app.kubernetes.io/part-of": "isthmus", "app.kubernetes.io/managed-by": "isthmus-cli" } },
    data: { state: JSON.stringify(state) },
  };
}

/** Reads the join state, or undefined when the cluster was not joined by this CLI. */
export async function readJoinState(target: ClusterTarget): Promise<JoinState | undefined> {
  try {
    const cm = await target.kube.core.readNamespacedConfigMap({ namespace: defaults.namespace, name: joinStateName });
    const text = cm.data?.state;
    if (text === undefined) throw new CliError("Failed", `ConfigMap ${defaults.namespace}/${joinStateName} in ${target.name} has no "state"`);
    return JSON.parse(text) as JoinState;
  } catch (err) {
    if (httpStatusOf(err) === 404) return undefined;
    throw err;
  }
}
