/**
 * Client-node objects to the egress planner's plain data: pure (type-only imports), so that
 * tools outside the agent (`isthmus diagnose`) plan with the agent's own rules.
 */
import type { KubernetesObject, V1Node } from "@kubernetes/client-node";
import type { EgressActiveNode, EgressCondition, EgressGatewayData, EgressGatewaySpec, EgressNodeData } from "./types.js";

/** metav1.Condition as stored. */
export interface StoredCondition extends EgressCondition {
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

/** An EgressGateway object as the API serves it. */
export interface EgressGatewayObject extends KubernetesObject {
  spec?: EgressGatewaySpec;
  status?: { activeNode?: string; egressIP?: string; activeNodes?: EgressActiveNode[]; selectedPods?: number; conditions?: StoredCondition[] };
}

/** The resource's plain data. */
export function toEgressGatewayData(obj: EgressGatewayObject): EgressGatewayData {
  const created = obj.metadata?.creationTimestamp as unknown;
  const createdAt = created instanceof Date ? created.toISOString() : typeof created === "string" ? created : undefined;
  return {
    name: obj.metadata?.name ?? "",
    ...(createdAt === undefined ? {} : { createdAt }),
    ...(obj.metadata?.generation === undefined ? {} : { generation: obj.metadata.generation }),
    spec: obj.spec ?? {},
  };
}

/** The node's plain data. */
export function toEgressNodeData(node: V1Node): EgressNodeData {
  const internalIp = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
  const podCidr = node.spec?.podCIDR;
  return {
    name: node.metadata?.name ?? "",
    labels: node.metadata?.labels ?? {},
    ready: node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true,
    ...(internalIp === undefined ? {} : { internalIp }),
    ...(podCidr === undefined ? {} : { podCidr }),
  };
}

