/**
 * Plain-object views of client-node's model classes. client-node 1.x models are classes, and the
 * lint rule `no-unsafe-class-instance-assignment` (rightly) refuses object literals where a class
 * instance is expected. The kubelet reads class instances (assignable to these views) and
 * writes plain JSON (patch bodies, or `Object.assign(new V1Node(), …)` at the API boundary), so
 * its pure logic works on these structural types. Dates may be `Date` (from client-node) or ISO
 * strings (JSON we build).
 */
import type {
  V1Container,
  V1ContainerState,
  V1ContainerStatus,
  V1Node,
  V1NodeStatus,
  V1ObjectFieldSelector,
  V1Pod,
  V1PodCondition,
  V1PodStatus,
  V1Volume,
  V1VolumeProjection,
} from "@kubernetes/client-node";

/** The structural (JSON) shape of a client-node model class, recursively. */
export type Plain<T> = T extends Date
  ? Date | string
  : T extends readonly (infer U)[]
    ? Plain<U>[]
    : T extends object
      ? { [K in keyof T]: Plain<T[K]> }
      : T;

/** A Pod as JSON. */
export type Pod = Plain<V1Pod>;
/** A container spec as JSON. */
export type Container = Plain<V1Container>;
/** A pod status as JSON. */
export type PodStatus = Plain<V1PodStatus>;
/** A pod condition as JSON. */
export type PodCondition = Plain<V1PodCondition>;
/** A container status as JSON. */
export type ContainerStatus = Plain<V1ContainerStatus>;
/** A container state as JSON. */
export type ApiContainerState = Plain<V1ContainerState>;
/** A volume as JSON. */
export type Volume = Plain<V1Volume>;
/** A projected volume source as JSON. */
export type VolumeProjection = Plain<V1VolumeProjection>;
/** A downward-API field selector as JSON. */
export type FieldSelector = Plain<V1ObjectFieldSelector>;
/** A Node as JSON. */
export type Node = Plain<V1Node>;
/** A Node status as JSON. */
export type NodeStatus = Plain<V1NodeStatus>;
