import type { Logger } from "pino";
import type { CableDriver } from "./driver.js";
import { CableError } from "./errors.js";

/** What every driver gets besides its own config. */
export interface CableDriverContext {
  /** Parent logger; drivers log as `component: "cable-<name>"`. */
  readonly logger: Logger;
  /** Program the data plane inside this named network namespace; absent = the process's own. */
  readonly netns?: string;
}

/**
 * Builds a driver from its section of the gateway config (`unknown`: each driver validates its
 * own with its schema and throws CableError "InvalidOptions") and the shared context.
 */
export type CableDriverFactory = (config: unknown, context: CableDriverContext) => CableDriver;

/** An explicit name → factory map, filled in the entry point (never by import side effects). */
export interface CableRegistry {
  /** Adds a driver; throws CableError "DuplicateDriver" when the name is taken. */
  register(name: string, factory: CableDriverFactory): void;
  /** Creates the named driver; throws CableError "UnknownDriver" listing the valid names. */
  create(name: string, config: unknown, context: CableDriverContext): CableDriver;
  /** Registered names, sorted. */
  names(): readonly string[];
}

/** Creates an empty {@link CableRegistry}. */
export function createCableRegistry(): CableRegistry {
  const factories = new Map<string, CableDriverFactory>();
  const names = (): string[] => [...factories.keys()].sort();
  return {
    register(name, factory) {
      if (factories.has(name)) throw new CableError("DuplicateDriver", `Cannot register cable driver "${name}": a driver with that name is already registered`);
      factories.set(name, factory);
    },
    create(name, config, context) {
      const factory = factories.get(name);
      if (factory === undefined) {
        const valid = names().map((n) => `"${n}"`).join(", ") || "(none registered)";
        throw new CableError("UnknownDriver", `Unknown cable driver "${name}": valid drivers are ${valid}`);
      }
      return factory(config, context);
    },
    names,
  };
}
