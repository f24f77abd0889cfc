/**
 * The plain data the egress planner reads and writes (issue #17, ADR 0407): the fields of
 * `EgressGateway` (isthmus.io/v1alpha1, cluster-scoped), Node, Pod and Namespace it needs, in
 * the API's own shape, and what one node programs. Pods, namespaces and selectors are the
 * NetworkPolicy compiler's types: one meaning of "a pod" and "a selector" in the agent.
 */
import type { LabelSelector, NamespaceData, PodData } from "../policy/types.js";

export type { LabelSelector, NamespaceData, PodData };

/** EgressGateway.spec as written by the user (the CRD's schema; the planner re-checks what it relies on). */
export interface EgressGatewaySpec {
  /** Namespaces whose pods may be selected; omitted or empty = every namespace. */
  readonly namespaceSelector?: LabelSelector;
  /** Pods (of those namespaces) whose traffic is steered; omitted or empty = every pod. */
  readonly podSelector?: LabelSelector;
  /** IPv4 CIDRs the steering applies to; omitted or empty = 0.0.0.0/0. Cluster and clusterset destinations are never steered. */
  readonly destinations?: readonly string[];
  /** Nodes that may serve as the egress node (required; an empty selector = every node). */
  readonly nodeSelector?: LabelSelector;
  /**
   * The source address outside systems see. `A.B.C.D/len`: an extra address the agent adds to
   * the active node (on a node whose InternalIP lies in that subnet) and removes when no longer
   * active; `A.B.C.D`: the InternalIP of one eligible node (which alone can serve); omitted:
   * the active node's own InternalIP.
   */
  readonly egressIP?: string;
  /**
   * `active-standby` (default): one node serves, the first eligible by name that answers.
   * `hash`: every eligible node that answers serves at once, each with its own InternalIP (so
   * `egressIP` must be omitted); a pod's traffic goes to the node chosen by a rendezvous hash of
   * its IP over them, so a node's death moves only its own pods.
   */
  readonly distribution?: EgressDistribution;
}

/** How an EgressGateway's pods are spread over its egress nodes. */
export type EgressDistribution = "active-standby" | "hash";

/** One node serving a `hash` EgressGateway, as its status lists it. */
export interface EgressActiveNode {
  readonly name: string;
  /** Its InternalIP: the source address its pods are seen with. */
  readonly egressIP: string;
  /** Pods whose traffic it SNATs. */
  readonly selectedPods: number;
}

/** An EgressGateway: its name, creation time (older wins a conflict) and spec. */
export interface EgressGatewayData {
  readonly name: string;
  /** metadata.creationTimestamp (RFC 3339); missing sorts last. */
  readonly createdAt?: string;
  /** metadata.generation, echoed in conditions. */
  readonly generation?: number;
  readonly spec: EgressGatewaySpec;
}

/** A Node as the egress planner sees it. */
export interface EgressNodeData {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** status.addresses[type=InternalIP] (IPv4). */
  readonly internalIp?: string;
  /** spec.podCIDR. */
  readonly podCidr?: string;
  /** The Ready condition is True (a node that is not Ready never becomes active). */
  readonly ready: boolean;
}

/** Everything the planner reads. */
export interface EgressInput {
  /** The node the plan is for. */
  readonly nodeName: string;
  readonly gateways: readonly EgressGatewayData[];
  readonly nodes: readonly EgressNodeData[];
  readonly pods: readonly PodData[];
  readonly namespaces: readonly NamespaceData[];
  /**
   * Nodes this node's probes find dead (liveness.ts), and this node itself when it is cut off
   * from every peer: never chosen as an egress node, whatever their Ready condition says.
   */
  readonly unreachable?: readonly string[];
}

/** Condition types on EgressGateway.status. */
export type EgressConditionType = "Ready" | "Conflict";

/**
 * Reasons: Ready=True "Active"; Ready=False "InvalidSpec", "NoEligibleNode" (the node selector
 * matches no Ready node with an InternalIP and a podCIDR), "EgressIPNotOnAnyNode" (the egress IP
 * is no eligible node's InternalIP and, with a prefix, no eligible node is on its subnet),
 * "NoReachableNode" (nodes can hold it, but none answers this node's probes);
 * Conflict=True "PodsClaimedByOther" (an older resource selects some of the same pods: they
 * stay with it), Conflict=False "NoConflict".
 */
export type EgressConditionReason = "Active" | "InvalidSpec" | "NoEligibleNode" | "EgressIPNotOnAnyNode" | "NoReachableNode" | "PodsClaimedByOther" | "NoConflict";

/** One metav1.Condition without the transition time (the status writer keeps that). */
export interface EgressCondition {
  readonly type: EgressConditionType;
  readonly status: "True" | "False";
  readonly reason: EgressConditionReason;
  readonly message: string;
}

/** EgressGateway.status as computed (identical on every node for the same input). */
export interface EgressGatewayStatus {
  readonly name: string;
  /** The node that SNATs this resource's traffic (`active-standby`); absent when Ready is False. */
  readonly activeNode?: string;
  /** The address outside systems see (`active-standby`); absent when Ready is False. */
  readonly egressIP?: string;
  /** `hash`: every serving node, sorted by name (the first writes the status); absent when Ready is False. */
  readonly activeNodes?: readonly EgressActiveNode[];
  /** Pods this resource steers (selected, with an IPv4 address, not host-network, not claimed by an older resource). */
  readonly selectedPods: number;
  readonly conditions: readonly EgressCondition[];
}

/** The node a gateway's traffic is steered to. */
export interface EgressTarget {
  readonly name: string;
  readonly internalIp: string;
  readonly podCidr: string;
}

/** What one node does for one ready gateway (with `hash`, for one egress node of it). */
export interface GatewayProgram {
  readonly name: string;
  /** `hash` on a steering node: the egress node this program steers to (one program per such node). */
  readonly part?: string;
  /** 1-based index among this node's programs (marks and routing tables are derived from it). */
  readonly index: number;
  /** Destinations (canonical IPv4 CIDRs, sorted). */
  readonly destinations: readonly string[];
  /**
   * On a steering node, every node this program's traffic may be steered to: the resource's
   * eligible nodes, `active` among them, sorted by name (with `hash`, the part's node alone). The
   * identity SNAT matches the next hop of any of them, so a failover changes the route alone.
   */
  readonly candidates?: readonly EgressTarget[];
  /** Pod IPs of this node steered to `active` (empty on the active node itself), sorted. */
  readonly steer: readonly string[];
  readonly active: EgressTarget;
  /** True on the active node: it SNATs (and holds the extra address) even before any pod is selected. */
  readonly serving: boolean;
  /** On the active node: every pod IP of the resource (all nodes), SNATed to `egressIp`; else empty. */
  readonly snat: readonly string[];
  /** The egress IP (bare address). */
  readonly egressIp: string;
  /** The prefix of an extra address to add on the active node; undefined when it is the node's InternalIP. */
  readonly extraPrefix?: number;
}

/** The planner's result for one node. */
export interface EgressPlan {
  /** Status of every resource, sorted by name. */
  readonly statuses: readonly EgressGatewayStatus[];
  /** This node's programs: gateways with local pods to steer or that this node serves, sorted by name. */
  readonly programs: readonly GatewayProgram[];
  /**
   * Nodes this node probes (sorted): on a node with steered pods, the candidates of their
   * resources; on a candidate, the other candidates, the nodes with the resource's pods and two
   * witnesses (the first other Ready nodes by name), so that a cut-off candidate notices.
   */
  readonly probe: readonly string[];
}
