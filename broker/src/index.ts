// The public surface of @isthmus/broker: re-exports only.
export * from "./errors.js";
export * from "./config.js";
export * from "./server.js";
export * from "./catalog.js";
export * from "./watch-hub.js";
export * from "./tokens.js";
export * from "./identity.js";
export * from "./broker-pki.js";
export * from "./store/store.js";
export * from "./store/sqlite.js";
export * from "./store/sqlite-schema.js";
export * from "./store/etcd.js";
export * from "./store/etcd-credentials.js";
export * from "./store/registry.js";
