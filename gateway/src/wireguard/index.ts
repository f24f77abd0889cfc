// Our small WireGuard control library: keys, the device as plain data, the UAPI protocol, a UAPI
// client and the userspace backend. Re-exports only.
export * from "./errors.js";
export * from "./keys.js";
export * from "./config.js";
export * from "./uapi.js";
export * from "./dump.js";
export * from "./plan.js";
export * from "./uapi-client.js";
export * from "./backend.js";
export * from "./userspace.js";
export * from "./kernel-messages.js";
export * from "./kernel.js";
export * from "./select.js";
