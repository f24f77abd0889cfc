// Global address translation (docs/adr/0206): what the active gateway of a cluster with a block
// programs, for tools that check it (isthmus diagnose) without loading the agent. Re-exports only.
export { planGlobalNat, ownGlobalBlock, serviceNameLabel, type GlobalNatInputs } from "../agent/global-plan.js";
export { globalNatTable, renderGlobalNat, type GlobalNatSpec, type GlobalServicePort } from "../cable/global-nat.js";
