/**
 * `@isthmus/cni/egress`: what tools outside the node agent need of the egress gateway (`isthmus
 * diagnose`): the planner, the conversion of client-node objects to its input and the names of
 * what it programs. Re-exports only; loads neither the Kubernetes client nor nftables code.
 */
export { type EgressGatewayObject, toEgressGatewayData, toEgressNodeData } from "./convert.js";
export { planEgress } from "./plan.js";
export { egressTable, markOf, programObject, rulePriorities, tableBase } from "./render.js";
export type { EgressGatewayData, EgressNodeData, EgressPlan, GatewayProgram } from "./types.js";
