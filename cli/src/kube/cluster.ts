/**
 * The cluster a command works on: `--kubeconfig` / `--context` (else KUBECONFIG, else
 * ~/.kube/config), the API clients, and the lab cluster behind it when it is one.
 */
import { AppsV1Api, CustomObjectsApi, KubernetesObjectApi } from "@kubernetes/client-node";
import { errorMessage } from "@isthmus/core/errors";
import { createKubeClient, type KubeClient } from "@isthmus/core/kube";
import { CliError, type CommandIo } from "../command.js";
import { findLabCluster, type LabCluster } from "../lab-bridge.js";
import { createRawApi, type RawApi } from "./raw.js";

/** Options every cluster command takes. */
export const clusterOptions = {
  kubeconfig: { type: "string" },
  context: { type: "string" },
} as const;

/** A connected cluster. */
export interface ClusterTarget {
  /** A name for messages: the lab cluster id, the context, or the kubeconfig. */
  readonly name: string;
  readonly kube: KubeClient;
  /** Generic object API (server-side apply, delete). */
  readonly objects: KubernetesObjectApi;
  readonly apps: AppsV1Api;
  readonly custom: CustomObjectsApi;
  /** Raw JSON requests (server-side apply of manifests exactly as loaded). */
  readonly raw: RawApi;
  /** Set when the kubeconfig is a lab cluster's admin kubeconfig. */
  readonly lab: LabCluster | undefined;
}

/** Connects to the cluster named by `--kubeconfig` / `--context`. */
export async function connectCluster(values: { kubeconfig?: string | undefined; context?: string | undefined }, io: CommandIo): Promise<ClusterTarget> {
  const path = values.kubeconfig ?? io.env.KUBECONFIG?.split(":")[0];
  let kube: KubeClient;
  try {
    kube = createKubeClient({
      ...(path === undefined ? {} : { kubeconfigPath: path }),
      ...(values.context === undefined ? {} : { context: values.context }),
      inCluster: false,
      env: io.env,
    });
  } catch (err) {
    throw new CliError("Failed", `Cannot load the kubeconfig${path === undefined ? "" : ` ${path}`}: ${errorMessage(err)}`, { cause: err });
  }
  const lab = await findLabCluster(path, io.env);
  return {
    name: lab?.cluster.id ?? values.context ?? kube.config.getCurrentContext(),
    kube,
    objects: KubernetesObjectApi.makeApiClient(kube.config),
    apps: kube.api(AppsV1Api),
    custom: kube.api(CustomObjectsApi),
    raw: createRawApi(kube.config),
    lab,
  };
}
