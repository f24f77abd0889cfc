import type { LabelSelector } from "@isthmus/core/model";

/**
 * The plain data the policy compiler reads: the fields of `networking.k8s.io/v1` NetworkPolicy,
 * Pod and Namespace it needs, in the API's own shape (so a client-node object is assignable
 * after picking fields, and tests write literals). Nothing here is validated by the compiler
 * beyond what the API server already validates; odd but valid input is handled as the API
 * documents (see compile.ts).
 */

/** metav1.LabelSelector (core's, shared with the gateway): an empty selector matches everything. */
export type { LabelSelector };

/** networking.k8s.io/v1 IPBlock. */
export interface IpBlock {
  readonly cidr: string;
  readonly except?: readonly string[];
}

/** networking.k8s.io/v1 NetworkPolicyPeer. */
export interface PolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: IpBlock;
}

/** networking.k8s.io/v1 NetworkPolicyPort: `port` is a number or an IANA port name. */
export interface PolicyPort {
  /** "TCP" (default), "UDP" or "SCTP". */
  readonly protocol?: string;
  readonly port?: number | string;
  readonly endPort?: number;
}

/** networking.k8s.io/v1 NetworkPolicyIngressRule. */
export interface IngressRule {
  readonly from?: readonly PolicyPeer[];
  readonly ports?: readonly PolicyPort[];
}

/** networking.k8s.io/v1 NetworkPolicyEgressRule. */
export interface EgressRule {
  readonly to?: readonly PolicyPeer[];
  readonly ports?: readonly PolicyPort[];
}

/** networking.k8s.io/v1 NetworkPolicySpec. */
export interface PolicySpec {
  readonly podSelector?: LabelSelector;
  readonly policyTypes?: readonly string[];
  readonly ingress?: readonly IngressRule[];
  readonly egress?: readonly EgressRule[];
}

/** A NetworkPolicy: its namespace, name and spec. */
export interface NetworkPolicyData {
  readonly namespace: string;
  readonly name: string;
  readonly spec: PolicySpec;
}

/** A container port of a pod (for named ports). */
export interface NamedPort {
  readonly name: string;
  readonly port: number;
  /** "TCP" (default), "UDP" or "SCTP". */
  readonly protocol?: string;
}

/** A Pod as the compiler sees it. */
export interface PodData {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** status.podIP (IPv4); pods without one are neither targets nor peers. */
  readonly ip?: string;
  /** spec.nodeName. */
  readonly nodeName?: string;
  /** spec.hostNetwork: such pods share the node's address and are never isolated. */
  readonly hostNetwork?: boolean;
  /** Container ports that have a name. */
  readonly ports?: readonly NamedPort[];
}

/** A Namespace as the compiler sees it. */
export interface NamespaceData {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** One namespace's pods shared by another cluster (a RemotePodSet's spec). */
export interface RemotePodSetData {
  readonly clusterId: string;
  readonly namespace: string;
  readonly namespaceLabels: Readonly<Record<string, string>>;
  readonly pods: readonly { readonly name: string; readonly ip: string; readonly labels: Readonly<Record<string, string>> }[];
}

/** Everything the compiler reads: the cluster's policies, pods and namespaces, other clusters' shared pods, and this node's name. */
export interface PolicyInput {
  readonly nodeName: string;
  readonly policies: readonly NetworkPolicyData[];
  readonly pods: readonly PodData[];
  readonly namespaces: readonly NamespaceData[];
  /** Other clusters' shared pods (RemotePodSets); absent = none. */
  readonly remotePods?: readonly RemotePodSetData[];
}
