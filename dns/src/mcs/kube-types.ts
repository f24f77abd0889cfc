import type { Plain } from "@isthmus/core/kube";
import type { V1EndpointSlice, V1Service } from "@kubernetes/client-node";

// The MCS logic reads client-node instances (assignable to these views) and builds plain JSON
// (core's `Plain`).

/** A Service as JSON. */
export type ServiceJson = Plain<V1Service>;
/** An EndpointSlice as JSON. */
export type EndpointSliceJson = Plain<V1EndpointSlice>;
