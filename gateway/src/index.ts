// The public surface of @isthmus/gateway: re-exports only.
export * from "./wireguard/index.js";
export * from "./cable/index.js";
export * from "./health/index.js";
export * from "./system/errors.js";
export * from "./system/command.js";
export * from "./system/ip.js";
