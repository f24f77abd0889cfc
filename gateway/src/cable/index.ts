// Cable drivers: the interface, the registry, the fake and the two drivers. Re-exports only.
export * from "./errors.js";
export * from "./driver.js";
export * from "./registry.js";
export * from "./peers.js";
export * from "./mss-clamp.js";
export * from "./global-nat.js";
export * from "./global-nat-keeper.js";
export * from "./wireguard/driver.js";
export * from "./vxlan/driver.js";
export * from "./fake/fake-driver.js";
