// The MCS controller's parts: re-exports only.
export * from "./clusterset-state.js";
export * from "./kube-api.js";
export * from "./informers.js";
export * from "./canonical.js";
export * from "./exporter.js";
export * from "./importer.js";
export * from "./leader-work.js";
export * from "./mcs-controller.js";
