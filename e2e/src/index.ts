export * from "./binaries/index.js";
