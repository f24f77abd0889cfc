// Certificates for the broker's CA, its clients and the lab's control planes (ADR 0200).
export * from "./errors.js";
export * from "./keys.js";
export * from "./certificates.js";
export * from "./csr.js";
export * from "./parse.js";
