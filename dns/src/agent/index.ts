// The isthmus-dns process parts (config, cluster id, wiring): re-exports only.
export * from "./config.js";
export * from "./cluster-id.js";
export * from "./agent.js";
