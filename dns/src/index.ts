// The public surface of @isthmus/dns: re-exports only.
export * from "./errors.js";
export * from "./wire/index.js";
export * from "./index/index.js";
export * from "./resolver.js";
export * from "./server/index.js";
export * from "./mcs/index.js";
export * from "./controller/index.js";
export * from "./agent/index.js";
