export * from "./binaries/index.js";
export * from "./lab/index.js";
