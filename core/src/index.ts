// The public surface of @isthmus/core: re-exports only.
export * from "./constants.js";
export * from "./errors.js";
export * from "./net/index.js";
export * from "./model/index.js";
export * from "./runtime/index.js";
export * from "./kube/index.js";
export * from "./brokerapi/index.js";
export * from "./pki/index.js";
export * from "./membership/index.js";
