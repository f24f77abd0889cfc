import { CustomObjectsApi, DiscoveryV1Api, type KubernetesListObject, type V1EndpointSlice, type V1Namespace, type V1Pod, type V1Service } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core/constants";
import { createInformer, type KubeClient, type ManagedInformer } from "@isthmus/core/kube";
import { type Logger } from "@isthmus/core/runtime";
import { managedByValue, mcsLabels } from "../mcs/index.js";
import { mcsPlurals, type ServiceExportResource, type ServiceImportResource } from "./kube-api.js";

// The caches the MCS controller and the DNS index read: ServiceExports, Services and
// EndpointSlices of every namespace, the ServiceImports we manage, the Namespaces (an
// import goes only into a namespace that exists, and is made as soon as it is created) and the
// Pods (those of shared namespaces are published for network policy, workloads.ts).
// Every replica runs them (the derived Services' cluster IPs feed DNS everywhere); only the
// leader writes.

/** The informers of the MCS controller. */
export interface McsInformers {
  readonly exports: ManagedInformer<ServiceExportResource>;
  readonly imports: ManagedInformer<ServiceImportResource>;
  readonly services: ManagedInformer<V1Service>;
  readonly slices: ManagedInformer<V1EndpointSlice>;
  /** Namespaces, cluster-scoped (keys are names). */
  readonly namespaces: ManagedInformer<V1Namespace>;
  /** Pods of every namespace (the shared ones are published for network policy; workloads.ts). */
  readonly pods: ManagedInformer<V1Pod>;
  /** All six, for starting, stopping and readiness. */
  readonly all: readonly ManagedInformer<never>[];
}

const mcsPath = `/apis/${defaults.mcsGroup}/${defaults.mcsVersion}`;

/** Creates (does not start) the informers over `client`. */
export function createMcsInformers(client: KubeClient, logger: Logger): McsInformers {
  const custom = client.api(CustomObjectsApi);
  const discovery = client.api(DiscoveryV1Api);
  const group = defaults.mcsGroup;
  const version = defaults.mcsVersion;
  const managedSelector = `${mcsLabels.managedBy}=${managedByValue}`;
  const exports = createInformer<ServiceExportResource>({
    name: "serviceexports",
    path: `${mcsPath}/${mcsPlurals.exports}`,
    list: async () => (await custom.listClusterCustomObject({ group, version, plural: mcsPlurals.exports })) as KubernetesListObject<ServiceExportResource>,
    kubeConfig: client.config,
    logger,
  });
  const imports = createInformer<ServiceImportResource>({
    name: "serviceimports",
    path: `${mcsPath}/${mcsPlurals.imports}`,
    labelSelector: managedSelector,
    list: async () =>
      (await custom.listClusterCustomObject({ group, version, plural: mcsPlurals.imports, labelSelector: managedSelector })) as KubernetesListObject<ServiceImportResource>,
    kubeConfig: client.config,
    logger,
  });
  const services = createInformer<V1Service>({
    name: "services",
    path: "/api/v1/services",
    list: () => client.core.listServiceForAllNamespaces(),
    kubeConfig: client.config,
    logger,
  });
  const slices = createInformer<V1EndpointSlice>({
    name: "endpointslices",
    path: "/apis/discovery.k8s.io/v1/endpointslices",
    list: () => discovery.listEndpointSliceForAllNamespaces(),
    kubeConfig: client.config,
    logger,
  });
  const namespaces = createInformer<V1Namespace>({
    name: "namespaces",
    path: "/api/v1/namespaces",
    list: () => client.core.listNamespace(),
    kubeConfig: client.config,
    logger,
  });
  const pods = createInformer<V1Pod>({
    name: "pods",
    path: "/api/v1/pods",
    list: () => client.core.listPodForAllNamespaces(),
    kubeConfig: client.config,
    logger,
  });
  return { exports, imports, services, slices, namespaces, pods, all: [exports, imports, services, slices, namespaces, pods] as unknown as ManagedInformer<never>[] };
}
