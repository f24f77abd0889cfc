import type { V1EndpointSlice, V1Service } from "@kubernetes/client-node";

// Plain-object views of client-node's model classes. client-node 1.x models are classes and the
// lint rule `no-unsafe-class-instance-assignment` refuses object literals where an instance is
// expected; the MCS logic reads instances (assignable to these views) and builds plain JSON.

/** The structural (JSON) shape of a client-node model class, recursively. */
export type Plain<T> = T extends Date
  ? Date | string
  : T extends readonly (infer U)[]
    ? Plain<U>[]
    : T extends object
      ? { [K in keyof T]: Plain<T[K]> }
      : T;

/** A Service as JSON. */
export type ServiceJson = Plain<V1Service>;
/** An EndpointSlice as JSON. */
export type EndpointSliceJson = Plain<V1EndpointSlice>;
