// The DNS server: re-exports only.
export * from "./metrics.js";
export * from "./handler.js";
export * from "./listeners.js";
export * from "./http.js";
export * from "./dns-server.js";
