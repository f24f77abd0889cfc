import { BrokerError } from "../errors.js";
import { createSqliteStore } from "./sqlite.js";
import type { Store } from "./store.js";

/** Everything any store needs to open; each store reads its own part. */
export interface StoreOpenOptions {
  readonly sqlitePath: string;
  readonly etcdEndpoints: readonly string[];
  readonly historyRevisions: number;
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

/** A registry holding the built-in stores ("sqlite"). */
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
  return registry;
}
