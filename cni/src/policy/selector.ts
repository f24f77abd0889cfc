// metav1.LabelSelector matching is core's (@isthmus/core/model), shared with the gateway's
// GlobalEgressIPs: one implementation of the API server's rules. An operator other than In,
// NotIn, Exists and DoesNotExist selects nothing there (a policy that selects nothing isolates
// nothing; a peer that matches nothing allows nothing).
export { matchesLabelSelector as matchesSelector } from "@isthmus/core/model";
