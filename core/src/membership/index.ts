export * from "./credentials.js";
