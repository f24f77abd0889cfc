export * from "./ensure.js";
export * from "./pins.js";
