// The public surface of core/net: IP addresses, CIDR blocks and their allocation. Re-exports only.
export * from "./errors.js";
export * from "./ip.js";
export * from "./cidr.js";
export * from "./split.js";
export * from "./allocate-block.js";
export * from "./allocate-address.js";
