// Kubernetes helpers: client loading, self-healing informers, Lease leader election. Re-exports only.
export * from "./errors.js";
export * from "./client.js";
export * from "./informer.js";
export * from "./lease-client.js";
