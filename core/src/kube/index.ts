// Kubernetes helpers: client loading, self-healing informers, Lease leader election. Re-exports only.
export * from "./errors.js";
export * from "./client.js";
export * from "./informer.js";
export * from "./lease-client.js";
export * from "./leader-election.js";
export * from "./plain.js";
// Fakes for other packages' unit tests (as runtime exports its fake clock).
export * from "./testing/index.js";
