import { buildServiceView } from "./view.js";
import type { ImportedService, ServiceView } from "./types.js";

// The in-memory index DNS answers from. Writers (informers, tests) upsert and remove services
// and replace the set of healthy clusters; readers (every query) get cached views. A view is
// rebuilt lazily, at most once per change of its service or of the healthy set, so a query
// costs two map lookups.

/** The index of imported services, keyed by namespace and name. */
export interface ServiceIndex {
  /** Adds or replaces a service; idempotent. */
  upsert(service: ImportedService): void;
  /** Removes a service; a no-op when absent. */
  remove(namespace: string, name: string): void;
  /** Replaces the set of clusters whose connection is healthy (include the local cluster). */
  setHealthyClusters(clusterIds: Iterable<string>): void;
  /** The current view of a service, or undefined when it has nothing to answer. */
  view(namespace: string, name: string): ServiceView | undefined;
  /** True when some service of `namespace` has a view (its `<ns>.svc` name exists). */
  hasNamespace(namespace: string): boolean;
  /** True when some service anywhere has a view (the `svc` name exists). */
  hasAny(): boolean;
  /** Number of services held (visible or not), for metrics. */
  size(): number;
  /** Changes with every write; the zone's SOA serial (wraps at 2^32). */
  serial(): number;
}

interface Entry {
  readonly service: ImportedService;
  view: ServiceView | undefined;
  builtAt: number;
}

/** Options of `createServiceIndex`. */
export interface ServiceIndexOptions {
  /** The DNS zone (default clusterset.local is the caller's to pass). */
  readonly zone: string;
  /** Initially healthy clusters. */
  readonly healthyClusters?: Iterable<string>;
}

/** Creates an empty index. */
export function createServiceIndex(options: ServiceIndexOptions): ServiceIndex {
  const namespaces = new Map<string, Map<string, Entry>>();
  let healthy: ReadonlySet<string> = new Set(options.healthyClusters ?? []);
  let generation = 1;
  let healthGeneration = 0;
  let count = 0;

  const viewOf = (entry: Entry): ServiceView | undefined => {
    if (entry.builtAt !== healthGeneration) {
      entry.view = buildServiceView(entry.service, { zone: options.zone, healthy });
      entry.builtAt = healthGeneration;
    }
    return entry.view;
  };
  const anyVisible = (services: Map<string, Entry> | undefined): boolean => {
    for (const entry of services?.values() ?? []) if (viewOf(entry) !== undefined) return true;
    return false;
  };

  return {
    upsert(service) {
      let services = namespaces.get(service.namespace);
      if (services === undefined) {
        services = new Map();
        namespaces.set(service.namespace, services);
      }
      if (!services.has(service.name)) count++;
      generation = (generation + 1) >>> 0;
      services.set(service.name, { service, view: undefined, builtAt: -1 });
    },
    remove(namespace, name) {
      const services = namespaces.get(namespace);
      if (services?.delete(name) !== true) return;
      count--;
      generation = (generation + 1) >>> 0;
      if (services.size === 0) namespaces.delete(namespace);
    },
    setHealthyClusters(clusterIds) {
      healthy = new Set(clusterIds);
      healthGeneration++;
      generation = (generation + 1) >>> 0;
    },
    view(namespace, name) {
      const entry = namespaces.get(namespace)?.get(name);
      return entry === undefined ? undefined : viewOf(entry);
    },
    hasNamespace(namespace) {
      return anyVisible(namespaces.get(namespace));
    },
    hasAny() {
      for (const services of namespaces.values()) if (anyVisible(services)) return true;
      return false;
    },
    size: () => count,
    serial: () => generation,
  };
}
