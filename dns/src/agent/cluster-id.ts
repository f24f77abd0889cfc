import { CustomObjectsApi } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core/constants";
import { httpStatusOf, toKubeError, type KubeClient } from "@isthmus/core/kube";
import { DnsError } from "../errors.js";

// The cluster id (KEP-2149): the ClusterProperty `cluster.clusterset.k8s.io` when the cluster
// has one, else the id `isthmus join` stored in the broker Secret. The broker's certificate is
// issued for the Secret's id, so a ClusterProperty naming another id is a misconfiguration we
// refuse at start rather than publish under a name the broker would reject.

/** Where the ClusterProperty lives (about.k8s.io, cluster-scoped). */
export const clusterPropertyResource = Object.freeze({ group: "about.k8s.io", version: "v1alpha1", plural: "clusterproperties" });

/** Reads the ClusterProperty's value; undefined when it (or its CRD) does not exist. */
export async function readClusterProperty(kube: KubeClient): Promise<string | undefined> {
  try {
    const property = (await kube.api(CustomObjectsApi).getClusterCustomObject({ ...clusterPropertyResource, name: defaults.clusterIdProperty })) as {
      spec?: { value?: unknown };
    };
    const value = property.spec?.value;
    return typeof value === "string" ? value : undefined;
  } catch (err) {
    if (httpStatusOf(err) === 404) return undefined;
    throw toKubeError(`Cannot read ClusterProperty ${defaults.clusterIdProperty}`, err);
  }
}

/** The cluster id; throws DnsError "InvalidConfig" when the ClusterProperty contradicts the broker Secret. */
export function resolveClusterId(secretId: string, property: string | undefined): string {
  if (property === undefined || property === secretId) return secretId;
  throw new DnsError(
    "InvalidConfig",
    `ClusterProperty ${defaults.clusterIdProperty} says the cluster id is "${property}" but Secret ${defaults.brokerSecret} (from "isthmus join") says "${secretId}": the broker certificate is for "${secretId}"; fix the ClusterProperty or rejoin`,
  );
}
