// The MCS controller's parts: re-exports only.
export * from "./clusterset-state.js";
