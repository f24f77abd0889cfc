// The runtime toolkit: logging, config, the reconcile queue, component lifecycle, commands.
export * from "./log.js";
export * from "./config.js";
export * from "./clock.js";
export * from "./backoff.js";
export * from "./queue.js";
export * from "./lifecycle.js";
export * from "./exec.js";
export * from "./testing/fake-clock.js";
export * from "./testing/memory-stream.js";
export * from "./main.js";
export * from "./metrics.js";
