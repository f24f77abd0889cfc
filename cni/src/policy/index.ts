/**
 * `@isthmus/cni/policy`: what tools outside the node agent need of NetworkPolicy (`isthmus
 * diagnose policy`): the explanation of a flow and the conversion of client-node objects to its
 * input. Re-exports only; loads neither the Kubernetes client nor nftables code (ADR 0704).
 */
export { type RemotePodSetObject, toNamespaceData, toPodData, toPolicyData, toRemotePodSetData } from "./convert.js";
export { explainFlow, type DirectionVerdict, type FlowExplanation, type FlowQuery, type PolicyVerdict, type RuleVerdict } from "./explain.js";
export type { NamespaceData, NetworkPolicyData, PodData, PolicyInput, RemotePodSetData } from "./types.js";
