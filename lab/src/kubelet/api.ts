/** The kubelet's reads and writes of pod-related objects, on top of client-node's CoreV1Api. */
import { AuthenticationV1TokenRequest, V1DeleteOptions, type CoreV1Api } from "@kubernetes/client-node";
import { errorMessage } from "@isthmus/core/errors";
import { httpStatusOf } from "@isthmus/core/kube";
import type { ObjectReader } from "./env.js";
import { KubeletError } from "./errors.js";
import type { Pod, PodStatus } from "./kube-types.js";
import type { TokenIssuer } from "./volumes.js";

/** ConfigMaps and Secrets read from the API server (the node authorizer allows those its pods use). */
export function createApiReader(core: CoreV1Api): ObjectReader {
  const notFoundAsUndefined = async <T>(read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  };
  return {
    async configMap(namespace, name) {
      const cm = await notFoundAsUndefined(() => core.readNamespacedConfigMap({ namespace, name }));
      return cm === undefined ? undefined : { ...(cm.data ?? {}) };
    },
    async secret(namespace, name) {
      const secret = await notFoundAsUndefined(() => core.readNamespacedSecret({ namespace, name }));
      if (secret === undefined) return undefined;
      const decoded: Record<string, string> = { ...(secret.stringData ?? {}) };
      for (const [k, v] of Object.entries(secret.data ?? {})) decoded[k] = Buffer.from(v, "base64").toString("utf8");
      return decoded;
    },
  };
}

/** Service-account tokens from the TokenRequest API, bound to the pod (audiences default to the API server's). */
export function createTokenIssuer(core: CoreV1Api): TokenIssuer {
  return {
    async issue(pod, options) {
      const namespace = pod.metadata?.namespace ?? "default";
      const serviceAccount = pod.spec?.serviceAccountName ?? "default";
      const body = Object.assign(new AuthenticationV1TokenRequest(), {
        spec: {
          audiences: options.audience === undefined ? [] : [options.audience],
          expirationSeconds: options.expirationSeconds,
          boundObjectRef: { apiVersion: "v1", kind: "Pod", name: pod.metadata?.name ?? "", uid: pod.metadata?.uid ?? "" },
        },
      });
      const result = await core.createNamespacedServiceAccountToken({ name: serviceAccount, namespace, body });
      const token = result.status?.token;
      if (token === undefined || token === "") {
        throw new KubeletError("ApiFailed", `TokenRequest for ${namespace}/${serviceAccount} returned no token`);
      }
      const expiresAt = new Date(result.status?.expirationTimestamp ?? Date.now() + options.expirationSeconds * 1000);
      return { token, expiresAt };
    },
  };
}

/** Writes a pod's status (JSON patch guarded by the uid, so a recreated pod is never overwritten). */
export async function writePodStatus(core: CoreV1Api, pod: Pod, status: PodStatus): Promise<void> {
  const name = pod.metadata?.name ?? "";
  const namespace = pod.metadata?.namespace ?? "default";
  try {
    await core.patchNamespacedPodStatus({
      name,
      namespace,
      body: [
        { op: "test", path: "/metadata/uid", value: pod.metadata?.uid },
        { op: "add", path: "/status", value: status },
      ],
    });
  } catch (err) {
    if (httpStatusOf(err) === 404) return;
    throw new KubeletError("ApiFailed", `Cannot update status of pod ${namespace}/${name}: ${errorMessage(err)}`, { cause: err });
  }
}

/** Finishes a pod's termination: delete with grace 0 and a uid precondition; gone already is fine. */
export async function finishPodDeletion(core: CoreV1Api, pod: Pod): Promise<void> {
  const name = pod.metadata?.name ?? "";
  const namespace = pod.metadata?.namespace ?? "default";
  try {
    await core.deleteNamespacedPod({
      name,
      namespace,
      gracePeriodSeconds: 0,
      body: Object.assign(new V1DeleteOptions(), { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } }),
    });
  } catch (err) {
    const status = httpStatusOf(err);
    if (status === 404 || status === 409) return;
    throw new KubeletError("ApiFailed", `Cannot finish deletion of pod ${namespace}/${name}: ${errorMessage(err)}`, { cause: err });
  }
}
