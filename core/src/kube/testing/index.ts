// Fakes of the Kubernetes helpers' dependencies, for unit tests only. Re-exports only.
export * from "./fake-informer.js";
export * from "./fake-lease-client.js";
