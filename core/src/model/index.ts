// The shared data model: re-exports only.
export { ModelError, type ModelErrorCode } from "./errors.js";
export * from "./names.js";
export * from "./primitives.js";
export * from "./cluster-id.js";
export * from "./cluster.js";
export * from "./gateway-endpoint.js";
export * from "./service-export.js";
export * from "./connection-status.js";
export * from "./global-request.js";
export * from "./workload-set.js";
export * from "./label-selector.js";
export * from "./canonical-json.js";
export * from "./cni-config.js";
export * from "./cni-node-state.js";
