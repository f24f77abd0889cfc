// The cluster-scoped `Gateway` resource (isthmus.io/v1alpha1): one per gateway candidate node,
// named after the node and owned by it (deleted with it). Its status is how candidates learn about
// each other (the active one publishes every candidate's endpoint to the broker), how route agents
// learn the remote subnets, and what operators read: role, endpoint and each connection.
import { CustomObjectsApi, type KubernetesObject, type V1Node } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core/constants";
import { errorMessage } from "@isthmus/core/errors";
import { type GatewayEndpoint, type RttStats } from "@isthmus/core/model";
import { gatewayDefaults } from "../constants.js";
import { AgentError } from "./errors.js";

/** One tunnel as the Gateway status lists it. */
export interface GatewayConnectionStatus {
  readonly gateway: string;
  readonly cluster: string;
  readonly remoteIp: string;
  readonly behindNat: boolean;
  readonly driver: string;
  readonly subnets: readonly string[];
  /** connecting, connected, error — or "standby" on a passive gateway. */
  readonly status: string;
  readonly reason?: string;
  readonly rtt?: RttStats;
  readonly lossRatio?: number;
}

/** The status of a Gateway resource. */
export interface GatewayStatus {
  readonly clusterId: string;
  readonly role: "active" | "passive";
  /** This gateway's endpoint as it is published (without `role`). */
  readonly endpoint: Omit<GatewayEndpoint, "role">;
  readonly connections: readonly GatewayConnectionStatus[];
  /** When the agent last wrote the status (ISO 8601). */
  readonly lastUpdated: string;
}

/** A Gateway object as read from the API server. */
export interface GatewayObject extends KubernetesObject {
  status?: GatewayStatus;
}

/** API path of the Gateway list (for informers). */
export const gatewaysPath = `/apis/${defaults.apiGroup}/${defaults.apiVersion}/${gatewayDefaults.gatewayPlural}`;

const coords = { group: defaults.apiGroup, version: defaults.apiVersion, plural: gatewayDefaults.gatewayPlural };

/** Lists Gateway objects (the informer's list call). */
export async function listGateways(api: CustomObjectsApi): Promise<{ items: GatewayObject[]; metadata?: { resourceVersion?: string } }> {
  return (await api.listClusterCustomObject(coords)) as { items: GatewayObject[]; metadata?: { resourceVersion?: string } };
}

function httpStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === "number" ? code : undefined;
}

/**
 * Creates this node's Gateway object when missing (owned by its Node) and replaces its status.
 * Retries once on a write conflict. Throws AgentError "KubeFailed".
 */
export async function writeGatewayStatus(api: CustomObjectsApi, node: V1Node, status: GatewayStatus): Promise<void> {
  const name = node.metadata?.name ?? "";
  for (let attempt = 0; ; attempt++) {
    try {
      let current: GatewayObject;
      try {
        current = (await api.getClusterCustomObject({ ...coords, name })) as GatewayObject;
      } catch (err) {
        if (httpStatus(err) !== 404) throw err;
        current = (await api.createClusterCustomObject({
          ...coords,
          body: {
            apiVersion: `${defaults.apiGroup}/${defaults.apiVersion}`,
            kind: gatewayDefaults.gatewayKind,
            metadata: { name, ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid: node.metadata?.uid ?? "" }] },
            spec: {},
          },
        })) as GatewayObject;
      }
      await api.replaceClusterCustomObjectStatus({ ...coords, name, body: { ...current, status } });
      return;
    } catch (err) {
      if (httpStatus(err) === 409 && attempt === 0) continue;
      throw new AgentError("KubeFailed", `Cannot write the status of Gateway ${name}: ${errorMessage(err)}`, { cause: err });
    }
  }
}

/** This node's Gateway object, or undefined when there is none yet. Throws AgentError "KubeFailed". */
export async function readGateway(api: CustomObjectsApi, name: string): Promise<GatewayObject | undefined> {
  try {
    return (await api.getClusterCustomObject({ ...coords, name })) as GatewayObject;
  } catch (err) {
    if (httpStatus(err) === 404) return undefined;
    throw new AgentError("KubeFailed", `Cannot read Gateway ${name}: ${errorMessage(err)}`, { cause: err });
  }
}

/** Deletes this node's Gateway object (uninstall); a missing one is fine. */
export async function deleteGateway(api: CustomObjectsApi, name: string): Promise<void> {
  try {
    await api.deleteClusterCustomObject({ ...coords, name });
  } catch (err) {
    if (httpStatus(err) !== 404) throw new AgentError("KubeFailed", `Cannot delete Gateway ${name}: ${errorMessage(err)}`, { cause: err });
  }
}
