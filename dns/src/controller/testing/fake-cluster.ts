import type { KubernetesObject, V1EndpointSlice, V1Namespace, V1Pod, V1Service } from "@kubernetes/client-node";
import { createFakeUnderlyingInformer, createInformer, KubeError, objectKey, type FakeUnderlyingInformer, type ManagedInformer, type Plain } from "@isthmus/core/kube";
import type { EndpointSliceJson, ServiceJson } from "../../mcs/index.js";
import type { McsInformers } from "../informers.js";
import type { McsKubeApi, ServiceExportResource, ServiceImportResource } from "../kube-api.js";

// An API server in memory for the MCS controller's unit tests: the McsKubeApi writes land in
// the same fake caches the McsInformers read, with the events an informer would deliver, and
// a create in a namespace that does not exist fails NotFound as the real one does. Every write
// is logged ("create ServiceImport demo/echo") so tests can assert what was (not) attempted.

/** The fake cluster: informers, API and test controls. */
export interface FakeCluster {
  readonly informers: McsInformers;
  readonly api: McsKubeApi;
  /** Every write the API received, in order, e.g. "create ServiceImport demo/echo". */
  readonly writes: readonly string[];
  /** Creates a Namespace as a user would (the namespaces informer delivers "add"). */
  createNamespace(name: string): void;
  /** Marks a Namespace as being deleted (deletionTimestamp, phase Terminating; "update"). */
  terminateNamespace(name: string): void;
  /** Creates or replaces a ServiceExport or a Service as a user would ("add" or "update"). */
  apply(kind: "ServiceExport" | "Service", obj: KubernetesObject): void;
  /** Deletes a ServiceExport or a Service as a user would ("delete"). */
  remove(kind: "ServiceExport" | "Service", key: { namespace: string; name: string }): void;
  /** Starts the informers and waits until they report synced. */
  start(): Promise<void>;
  /** Stops the informers. */
  stop(): Promise<void>;
}

interface Caches {
  readonly exports: FakeUnderlyingInformer<ServiceExportResource>;
  readonly imports: FakeUnderlyingInformer<ServiceImportResource>;
  readonly services: FakeUnderlyingInformer<V1Service>;
  readonly slices: FakeUnderlyingInformer<V1EndpointSlice>;
  readonly namespaces: FakeUnderlyingInformer<V1Namespace>;
  readonly pods: FakeUnderlyingInformer<V1Pod>;
}

function managed<T extends KubernetesObject>(name: string, fake: FakeUnderlyingInformer<T>): ManagedInformer<T> {
  return createInformer<T>({ name, path: `/fake/${name}`, list: () => Promise.reject(new Error("unused")), factory: () => fake });
}

const namespaceObject = (name: string): V1Namespace => ({ metadata: { name }, status: { phase: "Active" } });

/** Creates a fake cluster that has `namespaces`. */
export function createFakeCluster(options: { readonly namespaces: readonly string[] }): FakeCluster {
  const caches: Caches = {
    exports: createFakeUnderlyingInformer<ServiceExportResource>(),
    imports: createFakeUnderlyingInformer<ServiceImportResource>(),
    services: createFakeUnderlyingInformer<V1Service>(),
    slices: createFakeUnderlyingInformer<V1EndpointSlice>(),
    namespaces: createFakeUnderlyingInformer<V1Namespace>(options.namespaces.map(namespaceObject)),
    pods: createFakeUnderlyingInformer<V1Pod>(),
  };
  const informers = {
    exports: managed("serviceexports", caches.exports),
    imports: managed("serviceimports", caches.imports),
    services: managed("services", caches.services),
    slices: managed("endpointslices", caches.slices),
    namespaces: managed("namespaces", caches.namespaces),
    pods: managed("pods", caches.pods),
  };
  const all = Object.values(informers) as unknown as ManagedInformer<never>[];
  const writes: string[] = [];
  const api = createFakeApi(caches, writes);
  return {
    informers: { ...informers, all },
    api,
    writes,
    createNamespace(name) {
      caches.namespaces.emit("add", namespaceObject(name));
    },
    terminateNamespace(name) {
      caches.namespaces.emit("update", { metadata: { name, deletionTimestamp: new Date() }, status: { phase: "Terminating" } });
    },
    apply(kind, obj) {
      const cache = (kind === "ServiceExport" ? caches.exports : caches.services) as FakeUnderlyingInformer<KubernetesObject>;
      const known = cache.get(obj.metadata?.name ?? "", obj.metadata?.namespace) !== undefined;
      cache.emit(known ? "update" : "add", { ...obj, metadata: { resourceVersion: "1", uid: `uid-${objectKey(obj)}`, ...(obj.metadata as Record<string, unknown> | undefined) } });
    },
    remove(kind, key) {
      const cache = (kind === "ServiceExport" ? caches.exports : caches.services) as FakeUnderlyingInformer<KubernetesObject>;
      const found = cache.get(key.name, key.namespace);
      if (found !== undefined) cache.emit("delete", found);
    },
    async start() {
      for (const informer of all) await informer.start();
      for (const informer of all) await informer.waitForReady(undefined, 1_000);
    },
    async stop() {
      for (const informer of all) await informer.stop();
    },
  };
}

function createFakeApi(caches: Caches, writes: string[]): McsKubeApi {
  let version = 0;
  let nextIp = 1;
  const stamp = <T extends KubernetesObject>(obj: T): T => {
    version += 1;
    const metadata = { ...(obj.metadata as Record<string, unknown> | undefined), resourceVersion: String(version), uid: obj.metadata?.uid ?? `uid-${String(version)}` };
    return { ...obj, metadata };
  };
  const requireNamespace = (kind: string, obj: KubernetesObject): void => {
    const namespace = obj.metadata?.namespace ?? "";
    if (caches.namespaces.get(namespace) === undefined) throw new KubeError("NotFound", `Cannot create ${kind} ${objectKey(obj)}: namespaces "${namespace}" not found`, { status: 404 });
  };
  // `status` as the API server treats a status subresource: the main resource's writes keep the
  // stored status, a status write changes nothing else.
  const write = <T extends KubernetesObject & { status?: unknown }>(options: { verb: "create" | "replace"; kind: string; cache: FakeUnderlyingInformer<T>; obj: T; status?: "subresource" | "write" }): T => {
    writes.push(`${options.verb} ${options.kind}${options.status === "write" ? "/status" : ""} ${objectKey(options.obj)}`);
    if (options.verb === "create") requireNamespace(options.kind, options.obj);
    const current = options.cache.get(options.obj.metadata?.name ?? "", options.obj.metadata?.namespace);
    let next: T = options.obj;
    if (options.status === "subresource") next = { ...options.obj, status: current?.status };
    if (options.status === "write" && current !== undefined) next = { ...current, status: options.obj.status };
    const stored = stamp(next);
    options.cache.emit(options.verb === "create" ? "add" : "update", stored);
    return stored;
  };
  const remove = <T extends KubernetesObject>(kind: string, cache: FakeUnderlyingInformer<T>, key: { namespace: string; name: string }): void => {
    writes.push(`delete ${kind} ${key.namespace}/${key.name}`);
    const found = cache.get(key.name, key.namespace);
    if (found !== undefined) cache.emit("delete", found);
  };
  return {
    getImport: (namespace, name) => Promise.resolve(caches.imports.get(name, namespace)),
    createImport: (body) => Promise.resolve().then(() => write({ verb: "create", kind: "ServiceImport", cache: caches.imports, obj: body as unknown as ServiceImportResource, status: "subresource" })),
    replaceImport: (body) => Promise.resolve().then(() => write({ verb: "replace", kind: "ServiceImport", cache: caches.imports, obj: body, status: "subresource" })),
    replaceImportStatus: (body) => Promise.resolve().then(() => write({ verb: "replace", kind: "ServiceImport", cache: caches.imports, obj: body, status: "write" })),
    deleteImport: (namespace, name) => Promise.resolve().then(() => { remove("ServiceImport", caches.imports, { namespace, name }); }),
    replaceExportStatus: (body) => Promise.resolve().then(() => { write({ verb: "replace", kind: "ServiceExport", cache: caches.exports, obj: body, status: "write" }); }),
    recordExportEvent: (about, event) => Promise.resolve().then(() => { writes.push(`event ${event.type} ${event.reason} ServiceExport ${objectKey(about)}`); }),
    createService: (body) =>
      Promise.resolve().then(() => {
        const ip = `10.101.0.${String(nextIp++)}`;
        const withIp: Plain<V1Service> = { ...body, spec: { ...body.spec, clusterIP: ip, clusterIPs: [ip] } };
        return write({ verb: "create", kind: "Service", cache: caches.services, obj: withIp as V1Service });
      }),
    replaceService: (body) => Promise.resolve().then(() => write({ verb: "replace", kind: "Service", cache: caches.services, obj: body as V1Service }) as ServiceJson),
    deleteService: (namespace, name) => Promise.resolve().then(() => { remove("Service", caches.services, { namespace, name }); }),
    createSlice: (body: EndpointSliceJson) => Promise.resolve().then(() => { write({ verb: "create", kind: "EndpointSlice", cache: caches.slices, obj: body as V1EndpointSlice }); }),
    replaceSlice: (body) => Promise.resolve().then(() => { write({ verb: "replace", kind: "EndpointSlice", cache: caches.slices, obj: body as V1EndpointSlice }); }),
    deleteSlice: (namespace, name) => Promise.resolve().then(() => { remove("EndpointSlice", caches.slices, { namespace, name }); }),
  };
}
