import type { V1ObjectMeta } from "@kubernetes/client-node";
import { KubeError, type Plain } from "@isthmus/core/kube";
import { TerminalReconcileError, type Logger } from "@isthmus/core/runtime";
import {
  buildDerivedService,
  buildEndpointSlices,
  buildServiceImport,
  derivedServiceName,
  managedByValue,
  mcsLabels,
  type ImportRef,
  type LocalBackends,
  serviceEndpointsOf,
  servicePortsOf,
  type MergedService,
  type ServiceJson,
} from "../mcs/index.js";
import { canonicalJson } from "@isthmus/core/model";
import { clusterIpsOf, hasLabels, serviceMatches, sliceMatches } from "./canonical.js";
import { splitKey } from "./exporter.js";
import type { McsKubeApi, ServiceImportResource } from "./kube-api.js";
import type { McsInformers } from "./informers.js";

// The importing side of the MCS controller (leader only): for each exported (namespace, name)
// it makes the cluster hold what the merged clusterset view says — a ServiceImport (spec and
// status.clusters), for ClusterSetIP the derived VIP Service whose cluster IP becomes the
// import's `spec.ips` and the DNS answer, and one EndpointSlice per healthy source cluster and
// family, owned by the import. When nobody exports the service any more, all of it is deleted.
// A namespace that does not exist here (or is terminating) gets no import (namespace
// sameness); the leader reconciles the namespace's keys again when it is created.

/** Options of `createImporter`. */
export interface ImporterOptions {
  /** The local cluster (its own backends are its pods, see LocalBackends). */
  readonly clusterId: string;
  readonly informers: Pick<McsInformers, "imports" | "services" | "slices" | "namespaces">;
  readonly api: McsKubeApi;
  /** The clusterset's merged view of a service. */
  readonly merged: (namespace: string, name: string) => MergedService | undefined;
  /** The clusters whose connection is healthy (the local one included). */
  readonly healthy: () => ReadonlySet<string>;
  readonly logger: Logger;
}

/** The import reconciler. */
export interface Importer {
  /** Makes the import objects of `key` match the merged view; rejects to be retried. */
  reconcile(key: string): Promise<void>;
  /** Keys of every ServiceImport we manage (for resync: orphans get withdrawn). */
  keys(): string[];
}

/** Creates the importer. */
export function createImporter(options: ImporterOptions): Importer {
  const { informers, api } = options;
  const log = options.logger.child({ component: "importer" });

  const namespaceUsable = (namespace: string): boolean => {
    const found = informers.namespaces.get(namespace);
    return found !== undefined && found.metadata?.deletionTimestamp === undefined && found.status?.phase !== "Terminating";
  };

  const ourSlices = (namespace: string, name: string): ReturnType<typeof informers.slices.list> =>
    informers.slices
      .list(namespace)
      .filter((s) => s.metadata?.labels?.[mcsLabels.serviceName] === name && s.metadata.labels[mcsLabels.managedBy] === managedByValue);

  const ourDerivedService = (namespace: string, name: string): ServiceJson | undefined => {
    const service = informers.services.get(`${namespace}/${derivedServiceName(name)}`);
    return service?.metadata?.labels?.[mcsLabels.derivedFrom] === name ? service : undefined;
  };

  const withdraw = async (namespace: string, name: string): Promise<void> => {
    if (informers.imports.get(`${namespace}/${name}`) !== undefined) {
      await api.deleteImport(namespace, name);
      log.info({ namespace, name }, "withdrew ServiceImport");
    }
    // Owner references would let the garbage collector do this; doing it here is immediate.
    if (ourDerivedService(namespace, name) !== undefined) await api.deleteService(namespace, derivedServiceName(name));
    for (const slice of ourSlices(namespace, name)) await api.deleteSlice(namespace, slice.metadata?.name ?? "");
  };

  const ensureImport = async (merged: MergedService): Promise<ServiceImportResource | undefined> => {
    const existing = informers.imports.get(`${merged.namespace}/${merged.name}`);
    if (existing !== undefined) return existing;
    if (!namespaceUsable(merged.namespace)) {
      log.debug({ namespace: merged.namespace, name: merged.name }, "namespace does not exist here (or is terminating); no import until it is created");
      return undefined;
    }
    try {
      const created = await api.createImport(buildServiceImport(merged, []));
      log.info({ namespace: merged.namespace, name: merged.name }, "created ServiceImport");
      return created;
    } catch (err) {
      if (!(err instanceof KubeError) || (err.code !== "NotFound" && err.code !== "Conflict")) throw err;
      if (err.code === "NotFound") {
        // Our namespace cache lagged behind a delete; its creation will bring the key back.
        log.info({ namespace: merged.namespace, name: merged.name }, "namespace does not exist here; no import until it is created");
        return undefined;
      }
      // Conflict: it exists already (our cache lags behind a create of ours).
      const winner = await api.getImport(merged.namespace, merged.name);
      if (winner === undefined) throw err;
      return winner;
    }
  };

  const ensureDerivedService = async (merged: MergedService, ref: ImportRef): Promise<string[]> => {
    const desired = buildDerivedService(merged, ref);
    const existing = informers.services.get(`${ref.namespace}/${derivedServiceName(ref.name)}`);
    if (desired === undefined) {
      if (ourDerivedService(ref.namespace, ref.name) !== undefined) await api.deleteService(ref.namespace, derivedServiceName(ref.name));
      return [];
    }
    if (existing === undefined) return clusterIpsOf(await api.createService(desired));
    if (!hasLabels(existing.metadata?.labels, { [mcsLabels.managedBy]: managedByValue })) {
      throw new TerminalReconcileError(`Service ${ref.namespace}/${derivedServiceName(ref.name)} exists and is not ours: cannot give ${ref.namespace}/${ref.name} a clusterset IP`);
    }
    if (serviceMatches(existing, desired)) return clusterIpsOf(existing);
    const plain: ServiceJson = existing;
    const body: ServiceJson = { ...plain, metadata: { ...plain.metadata, ...desired.metadata }, spec: { ...plain.spec, ports: desired.spec?.ports ?? [] } };
    return clusterIpsOf(await api.replaceService(body));
  };

  const localBackends = (ref: ImportRef): LocalBackends => {
    const own = informers.slices
      .list(ref.namespace)
      .filter((s) => s.metadata?.labels?.[mcsLabels.kubeServiceName] === ref.name && s.metadata.labels[mcsLabels.managedBy] !== managedByValue);
    return { clusterId: options.clusterId, endpoints: serviceEndpointsOf(own, ref), ports: servicePortsOf(own, ref) };
  };

  const syncSlices = async (merged: MergedService, ref: ImportRef): Promise<void> => {
    const desired = buildEndpointSlices(merged, { ref, healthy: options.healthy(), local: localBackends(ref) });
    const existing = new Map(ourSlices(ref.namespace, ref.name).map((s) => [s.metadata?.name ?? "", s]));
    for (const slice of desired) {
      const current = existing.get(slice.metadata?.name ?? "");
      existing.delete(slice.metadata?.name ?? "");
      if (current === undefined) await api.createSlice(slice);
      else if (!sliceMatches(current, slice)) {
        await api.replaceSlice({ ...slice, metadata: { ...slice.metadata, resourceVersion: current.metadata?.resourceVersion ?? "" } });
      }
    }
    for (const name of existing.keys()) await api.deleteSlice(ref.namespace, name);
  };

  return {
    async reconcile(key) {
      const { namespace, name } = splitKey(key);
      const merged = options.merged(namespace, name);
      if (merged === undefined) {
        await withdraw(namespace, name);
        return;
      }
      let current = await ensureImport(merged);
      const uid = current?.metadata?.uid;
      if (current === undefined || uid === undefined) return;
      const ref = { namespace, name, uid };
      const ips = await ensureDerivedService(merged, ref);
      const desired = buildServiceImport(merged, ips);
      if (canonicalJson(current.spec) !== canonicalJson(desired.spec) || !hasLabels(current.metadata?.labels, desired.metadata.labels)) {
        const labels = { ...current.metadata?.labels, ...desired.metadata.labels };
        const metadata: Plain<V1ObjectMeta> = current.metadata ?? {};
        current = await api.replaceImport({ ...current, metadata: { ...metadata, labels }, spec: desired.spec } as ServiceImportResource);
      }
      if (canonicalJson(current.status?.clusters ?? []) !== canonicalJson(desired.status.clusters)) {
        await api.replaceImportStatus({ ...current, status: desired.status });
      }
      await syncSlices(merged, ref);
    },
    keys: () => informers.imports.list().map((i) => `${i.metadata?.namespace ?? ""}/${i.metadata?.name ?? ""}`),
  };
}
