// The public surface of the lab: real Kubernetes clusters on one machine. Re-exports only.
export * from "./errors.js";
export * from "./plan.js";
export * from "./state.js";
export * from "./up.js";
export * from "./verbs.js";
export { nodePaths, type NodePaths } from "./paths.js";
export { findLeftovers, type Leftovers, type TeardownReport } from "./teardown.js";
