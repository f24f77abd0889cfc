import { BrokerError } from "../errors.js";
import type { Logger } from "../logger.js";
import { createEtcdStore } from "./etcd.js";
import { createSqliteStore } from "./sqlite.js";
import type { Store } from "./store.js";

/** Everything any store needs to open; each store reads its own part. */
export interface StoreOpenOptions {
  readonly sqlitePath: string;
  readonly etcdEndpoints: readonly string[];
  readonly historyRevisions: number;
  readonly logger: Logger;
}

/** A store implementation by name. */
export type StoreFactory = (options: StoreOpenOptions) => Promise<Store>;

/** The explicit registry of stores, filled by `createStoreRegistry` (never by import side effects). */
export interface StoreRegistry {
  /** Adds a store; refuses a duplicate name. */
  register(name: string, factory: StoreFactory): void;
  /** Opens the named store; an unknown name lists the valid ones. */
  open(name: string, options: StoreOpenOptions): Promise<Store>;
}

/** A registry holding the built-in stores ("sqlite", "etcd"). */
export function createStoreRegistry(): StoreRegistry {
  const factories = new Map<string, StoreFactory>();
  const registry: StoreRegistry = {
    register(name, factory) {
      if (factories.has(name)) throw new BrokerError("InvalidArgument", `Store "${name}" is already registered`);
      factories.set(name, factory);
    },
    open(name, options) {
      const factory = factories.get(name);
      if (factory === undefined) {
        throw new BrokerError("InvalidArgument", `Unknown store "${name}": valid stores are ${[...factories.keys()].join(", ")}`);
      }
      return factory(options);
    },
  };
  registry.register("sqlite", (o) => Promise.resolve(createSqliteStore({ path: o.sqlitePath, historyRevisions: o.historyRevisions })));
  registry.register("etcd", (o) => {
    if (o.etcdEndpoints.length === 0) throw new BrokerError("InvalidArgument", "The etcd store needs at least one endpoint (etcdEndpoints)");
    return createEtcdStore({ endpoints: o.etcdEndpoints, historyRevisions: o.historyRevisions, logger: o.logger.child({ component: "etcd" }) });
  });
  return registry;
}
