/**
 * NetworkPolicies, Pods and Namespaces from client-node objects to the compiler's plain data
 * (types.ts). Type imports only: whoever converts (the agent's informers, `isthmus diagnose
 * policy`) has loaded the Kubernetes client already; this file loads nothing.
 */
import type { KubernetesObject, V1Namespace, V1NetworkPolicy, V1Pod } from "@kubernetes/client-node";
import type { IngressRule, NamespaceData, NamedPort, NetworkPolicyData, PodData, RemotePodSetData } from "./types.js";

/** The pod's plain data; undefined for pods that hold no address any more (Succeeded, Failed). */
export function toPodData(pod: V1Pod): PodData | undefined {
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return undefined;
  const ip = (pod.status?.podIPs ?? []).map((p) => p.ip).find((a) => !a.includes(":")) ?? pod.status?.podIP;
  const ports: NamedPort[] = (pod.spec?.containers ?? []).flatMap((c) =>
    (c.ports ?? []).flatMap((p) => (p.name === undefined ? [] : [{ name: p.name, port: p.containerPort, ...(p.protocol === undefined ? {} : { protocol: p.protocol }) }])),
  );
  return {
    namespace: pod.metadata?.namespace ?? "",
    name: pod.metadata?.name ?? "",
    labels: pod.metadata?.labels ?? {},
    ...(ip === undefined || ip === "" ? {} : { ip }),
    ...(pod.spec?.nodeName === undefined ? {} : { nodeName: pod.spec.nodeName }),
    ...(pod.spec?.hostNetwork === true ? { hostNetwork: true } : {}),
    ports,
  };
}

/** The namespace's plain data. */
export function toNamespaceData(ns: V1Namespace): NamespaceData {
  return { name: ns.metadata?.name ?? "", labels: ns.metadata?.labels ?? {} };
}

/** An ingress rule as client-node hands it over: deserialized (`_from`, from a list) or raw JSON (`from`, from a watch event). */
type AnyIngressRule = NonNullable<NonNullable<V1NetworkPolicy["spec"]>["ingress"]>[number] & { readonly from?: IngressRule["from"] };

/**
 * The policy's plain data. client-node renames an ingress rule's `from` to `_from` when it
 * deserializes (the objects of the initial list) but not in watch events (raw JSON): both are
 * read here. Missing it would read "from everywhere": an open door after every restart.
 */
export function toPolicyData(policy: V1NetworkPolicy): NetworkPolicyData {
  const spec = policy.spec;
  if (spec === undefined) return { namespace: policy.metadata?.namespace ?? "", name: policy.metadata?.name ?? "", spec: {} };
  const ingress = (spec.ingress as AnyIngressRule[] | undefined)?.map((rule): IngressRule => {
    const from = rule.from ?? rule._from;
    return { ...(from === undefined ? {} : { from }), ...(rule.ports === undefined ? {} : { ports: rule.ports }) };
  });
  return {
    namespace: policy.metadata?.namespace ?? "",
    name: policy.metadata?.name ?? "",
    spec: {
      podSelector: spec.podSelector,
      ...(spec.policyTypes === undefined ? {} : { policyTypes: spec.policyTypes }),
      ...(ingress === undefined ? {} : { ingress }),
      ...(spec.egress === undefined ? {} : { egress: spec.egress }),
    },
  };
}

/** A RemotePodSet as listed or watched (isthmus.io/v1alpha1; plain JSON). */
export interface RemotePodSetObject extends KubernetesObject {
  readonly spec?: {
    readonly clusterId?: string;
    readonly namespace?: string;
    readonly namespaceLabels?: Readonly<Record<string, string>>;
    readonly pods?: readonly { readonly name: string; readonly ip: string; readonly labels?: Readonly<Record<string, string>> }[];
  };
}

/** The set's plain data; undefined when its spec lacks the cluster or namespace (never written so by isthmus-dns; the CRD requires both). */
export function toRemotePodSetData(set: RemotePodSetObject): RemotePodSetData | undefined {
  const spec = set.spec;
  if (spec?.clusterId === undefined || spec.namespace === undefined) return undefined;
  return {
    clusterId: spec.clusterId,
    namespace: spec.namespace,
    namespaceLabels: spec.namespaceLabels ?? {},
    pods: (spec.pods ?? []).map((p) => ({ name: p.name, ip: p.ip, labels: p.labels ?? {} })),
  };
}
