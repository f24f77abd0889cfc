// The service index DNS answers from: re-exports only.
export type * from "./types.js";
export { buildServiceView, type ViewOptions } from "./view.js";
export { createServiceIndex, type ServiceIndex, type ServiceIndexOptions } from "./service-index.js";
