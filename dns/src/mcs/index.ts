// The Multi-Cluster Services logic (KEP-1645), pure: re-exports only.
export * from "./constants.js";
export * from "./types.js";
export type * from "./kube-types.js";
export * from "./export-record.js";
export * from "./merge.js";
export * from "./conditions.js";
export * from "./objects.js";
