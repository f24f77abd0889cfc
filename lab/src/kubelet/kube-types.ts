/**
 * The kubelet's views of client-node's model classes (core's `Plain`): it reads class instances
 * (assignable to these views) and writes plain JSON (patch bodies, or
 * `Object.assign(new V1Node(), …)` at the API boundary), so its pure logic works on these
 * structural types.
 */
import type { Plain } from "@isthmus/core/kube";
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
