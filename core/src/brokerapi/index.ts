// The broker's API contract (ADR 0201): the .proto-generated types, model ↔ wire conversion
// and the clients that gateway, dns and the CLI use. Re-exports only.
export * from "./errors.js";
export * from "./kinds.js";
export * from "./convert.js";
export * from "./channel.js";
export * from "./definitions.js";
export * from "./client.js";
export * from "./admin-client.js";
export * from "./watch-client.js";
export type * from "./wire.js";
