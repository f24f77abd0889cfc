import { CustomObjectsApi, DiscoveryV1Api, type CoreV1Api, type KubernetesObject, type V1EndpointSlice, type V1Service } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core/constants";
import { httpStatusOf, toKubeError, type KubeClient, type Plain } from "@isthmus/core/kube";
import type { Condition, EndpointSliceJson, ServiceJson, ServiceImportObject } from "../mcs/index.js";
import { remotePodSetManagedBy, type RemotePodSetApi, type RemotePodSetResource } from "./workloads.js";

// The Kubernetes writes of the MCS controller, in one small interface so the reconcilers read
// as intent ("create this import") and every failure becomes a KubeError naming the object.
// Objects are plain JSON; reads come from informers, never from here (except after a create
// race, where `getImport` fetches the winner).

/** A ServiceExport as the informer delivers it (plain JSON; times as text or Date). */
export interface ServiceExportResource extends KubernetesObject {
  readonly status?: { readonly conditions?: readonly Condition[] };
}

/** A ServiceImport as the API returns it. */
export type ServiceImportResource = KubernetesObject & Partial<Pick<ServiceImportObject, "spec" | "status">>;

/** Plural resource names of the MCS CRDs. */
export const mcsPlurals = Object.freeze({ exports: "serviceexports", imports: "serviceimports" });

/** The writes the MCS controller makes; each throws KubeError (NotFound, Conflict, ApiError). */
export interface McsKubeApi {
  /** Reads a ServiceImport; undefined when absent. */
  getImport(namespace: string, name: string): Promise<ServiceImportResource | undefined>;
  /** Creates a ServiceImport (the status subresource is ignored); returns the stored object. */
  createImport(body: ServiceImportObject): Promise<ServiceImportResource>;
  /** Replaces a ServiceImport's spec and metadata (body carries resourceVersion). */
  replaceImport(body: ServiceImportResource): Promise<ServiceImportResource>;
  /** Replaces a ServiceImport's status (body carries resourceVersion). */
  replaceImportStatus(body: ServiceImportResource): Promise<ServiceImportResource>;
  /** Deletes a ServiceImport; absent is fine. */
  deleteImport(namespace: string, name: string): Promise<void>;
  /** Replaces a ServiceExport's status (body carries resourceVersion). */
  replaceExportStatus(body: ServiceExportResource): Promise<void>;
  /** Records a core/v1 Event about a ServiceExport, in its namespace. */
  recordExportEvent(about: ServiceExportResource, event: { readonly type: "Normal" | "Warning"; readonly reason: string; readonly message: string }): Promise<void>;
  /** Creates a Service; returns the stored object (with its cluster IPs). */
  createService(body: ServiceJson): Promise<ServiceJson>;
  /** Replaces a Service (body carries resourceVersion and the allocated cluster IPs). */
  replaceService(body: ServiceJson): Promise<ServiceJson>;
  /** Deletes a Service; absent is fine. */
  deleteService(namespace: string, name: string): Promise<void>;
  /** Creates an EndpointSlice. */
  createSlice(body: EndpointSliceJson): Promise<void>;
  /** Replaces an EndpointSlice (body carries resourceVersion). */
  replaceSlice(body: EndpointSliceJson): Promise<void>;
  /** Deletes an EndpointSlice; absent is fine. */
  deleteSlice(namespace: string, name: string): Promise<void>;
}

const group = defaults.mcsGroup;
const version = defaults.mcsVersion;

/** Runs `call`; converts failures to KubeError described by `what`. */
async function kube<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toKubeError(what, err);
  }
}

/** Runs a delete; a 404 means it is already gone. */
async function kubeDelete(what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (httpStatusOf(err) === 404) return;
    throw toKubeError(what, err);
  }
}

/**
 * A JSON object as the client-node model it is sent as. The models are data-only classes whose
 * only non-JSON fields are the Date timestamps the server sets; those are dropped here (the
 * server ignores them on writes) so the serializer never sees a timestamp given as text.
 */
function toModel<T extends KubernetesObject>(body: Plain<T>): T {
  const metadata = { ...(body.metadata as Record<string, unknown> | undefined) };
  delete metadata.creationTimestamp;
  delete metadata.deletionTimestamp;
  delete metadata.managedFields;
  return { ...body, metadata } as unknown as T;
}

const nameOf = (o: { readonly metadata?: { readonly namespace?: string; readonly name?: string } }): { namespace: string; name: string } => ({ namespace: o.metadata?.namespace ?? "", name: o.metadata?.name ?? "" });

/** The McsKubeApi over a real API server. */
export function createMcsKubeApi(client: KubeClient): McsKubeApi {
  const custom = client.api(CustomObjectsApi);
  const discovery = client.api(DiscoveryV1Api);
  const core: CoreV1Api = client.core;
  const imports = { group, version, plural: mcsPlurals.imports };
  return {
    async getImport(namespace, name) {
      try {
        return (await custom.getNamespacedCustomObject({ ...imports, namespace, name })) as ServiceImportResource;
      } catch (err) {
        if (httpStatusOf(err) === 404) return undefined;
        throw toKubeError(`Cannot read ServiceImport ${namespace}/${name}`, err);
      }
    },
    createImport: (body) =>
      kube(`Cannot create ServiceImport ${body.metadata.namespace}/${body.metadata.name}`, async () => {
        return (await custom.createNamespacedCustomObject({ ...imports, namespace: body.metadata.namespace, body })) as ServiceImportResource;
      }),
    replaceImport: (body) => {
      const { namespace, name } = nameOf(body);
      return kube(`Cannot replace ServiceImport ${namespace}/${name}`, async () => {
        return (await custom.replaceNamespacedCustomObject({ ...imports, namespace, name, body })) as ServiceImportResource;
      });
    },
    replaceImportStatus: (body) => {
      const { namespace, name } = nameOf(body);
      return kube(`Cannot replace the status of ServiceImport ${namespace}/${name}`, async () => {
        return (await custom.replaceNamespacedCustomObjectStatus({ ...imports, namespace, name, body })) as ServiceImportResource;
      });
    },
    deleteImport: (namespace, name) =>
      kubeDelete(`Cannot delete ServiceImport ${namespace}/${name}`, () => custom.deleteNamespacedCustomObject({ ...imports, namespace, name })),
    replaceExportStatus: (body) => {
      const { namespace, name } = nameOf(body);
      return kube(`Cannot replace the status of ServiceExport ${namespace}/${name}`, async () => {
        await custom.replaceNamespacedCustomObjectStatus({ group, version, plural: mcsPlurals.exports, namespace, name, body });
      });
    },
    recordExportEvent: (about, event) => {
      const { namespace, name } = nameOf(about);
      return kube(`Cannot record an Event about ServiceExport ${namespace}/${name}`, async () => {
        const now = new Date();
        await core.createNamespacedEvent({
          namespace,
          body: {
            metadata: { generateName: `${name}.`, namespace },
            involvedObject: { apiVersion: `${group}/${version}`, kind: "ServiceExport", namespace, name, ...(about.metadata?.uid === undefined ? {} : { uid: about.metadata.uid }) },
            type: event.type,
            reason: event.reason,
            message: event.message,
            source: { component: "isthmus-dns" },
            reportingComponent: "isthmus.io/isthmus-dns",
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
          },
        });
      });
    },
    createService: (body) => {
      const { namespace, name } = nameOf(body);
      return kube(`Cannot create Service ${namespace}/${name}`, () => core.createNamespacedService({ namespace, body: toModel<V1Service>(body) }));
    },
    replaceService: (body) => {
      const { namespace, name } = nameOf(body);
      return kube(`Cannot replace Service ${namespace}/${name}`, () => core.replaceNamespacedService({ namespace, name, body: toModel<V1Service>(body) }));
    },
    deleteService: (namespace, name) => kubeDelete(`Cannot delete Service ${namespace}/${name}`, () => core.deleteNamespacedService({ namespace, name })),
    createSlice: (body) => {
      const { namespace, name } = nameOf(body);
      return kube(`Cannot create EndpointSlice ${namespace}/${name}`, async () => {
        await discovery.createNamespacedEndpointSlice({ namespace, body: toModel<V1EndpointSlice>(body) });
      });
    },
    replaceSlice: (body) => {
      const { namespace, name } = nameOf(body);
      return kube(`Cannot replace EndpointSlice ${namespace}/${name}`, async () => {
        await discovery.replaceNamespacedEndpointSlice({ namespace, name, body: toModel<V1EndpointSlice>(body) });
      });
    },
    deleteSlice: (namespace, name) =>
      kubeDelete(`Cannot delete EndpointSlice ${namespace}/${name}`, () => discovery.deleteNamespacedEndpointSlice({ namespace, name })),
  };
}

/** The RemotePodSetApi over a real API server (cluster-scoped custom objects of isthmus.io). */
export function createRemotePodSetApi(client: KubeClient): RemotePodSetApi {
  const custom = client.api(CustomObjectsApi);
  const sets = { group: defaults.apiGroup, version: defaults.apiVersion, plural: defaults.remotePodSetPlural };
  const labelSelector = `${remotePodSetManagedBy.key}=${remotePodSetManagedBy.value}`;
  return {
    list: () =>
      kube("Cannot list RemotePodSets", async () => {
        const list = (await custom.listClusterCustomObject({ ...sets, labelSelector })) as { items?: RemotePodSetResource[] };
        return list.items ?? [];
      }),
    create: (body) =>
      kube(`Cannot create RemotePodSet ${body.metadata?.name ?? ""}`, async () => {
        await custom.createClusterCustomObject({ ...sets, body });
      }),
    replace: (body) =>
      kube(`Cannot replace RemotePodSet ${body.metadata?.name ?? ""}`, async () => {
        await custom.replaceClusterCustomObject({ ...sets, name: body.metadata?.name ?? "", body });
      }),
    delete: (name) => kubeDelete(`Cannot delete RemotePodSet ${name}`, () => custom.deleteClusterCustomObject({ ...sets, name })),
  };
}
