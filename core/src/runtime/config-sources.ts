import type { z } from "zod";

/** A plain JSON-like object, as read from a config file or built from env and flags. */
export type PlainObject = Record<string, unknown>;

/** Where each configured value came from, by dotted path, for error messages. */
export type Origins = Map<string, string>;

interface SchemaDef {
  readonly type: string;
  readonly innerType?: z.core.$ZodType;
  readonly in?: z.core.$ZodType;
  readonly shape?: Readonly<Record<string, z.core.$ZodType>>;
  readonly element?: z.core.$ZodType;
}

const wrapperTypes = new Set(["optional", "nullable", "default", "prefault", "readonly", "catch", "nonoptional"]);

function defOf(schema: z.core.$ZodType): SchemaDef {
  return schema._zod.def;
}

/** The schema of `path` inside `schema`, looking through optional/default/pipe wrappers. */
function schemaAt(schema: z.core.$ZodType, path: readonly string[]): z.core.$ZodType | undefined {
  let current: z.core.$ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    const shape: SchemaDef["shape"] = current === undefined ? undefined : defOf(current).shape;
    const next: z.core.$ZodType | undefined = shape === undefined || !Object.hasOwn(shape, segment) ? undefined : shape[segment];
    current = next === undefined ? undefined : unwrap(next);
  }
  return current;
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (let def = defOf(current); ; def = defOf(current)) {
    const inner = wrapperTypes.has(def.type) ? def.innerType : def.type === "pipe" ? def.in : undefined;
    if (inner === undefined) return current;
    current = inner;
  }
}

const truthy = new Set(["true", "1", "yes", "on"]);
const falsy = new Set(["false", "0", "no", "off"]);

/**
 * Converts a string from the environment or a command line to what the schema expects at that
 * place: numbers, booleans, comma-separated arrays and JSON objects. A string that does not
 * convert is left as it is, so that validation reports it with its path.
 */
function coerce(value: string, schema: z.core.$ZodType | undefined): unknown {
  if (schema === undefined) return value;
  const def = defOf(schema);
  const text = value.trim();
  switch (def.type) {
    case "number":
    case "int": {
      const n = Number(text);
      return text !== "" && Number.isFinite(n) ? n : value;
    }
    case "boolean":
      return truthy.has(text.toLowerCase()) ? true : falsy.has(text.toLowerCase()) ? false : value;
    case "array": {
      const element = def.element === undefined ? undefined : unwrap(def.element);
      return text === "" ? [] : text.split(",").map((part) => coerce(part.trim(), element));
    }
    case "object":
    case "record":
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return value; // validation reports "expected object, got string" at this path
      }
    default:
      return value;
  }
}

/** `LISTEN_ADDRESS` → `listenAddress`. */
function camelCase(screaming: string): string {
  return screaming.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function setPath(target: PlainObject, path: readonly string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (isPlainObject(next) && Object.hasOwn(node, segment)) {
      node = next;
    } else {
      const created: PlainObject = {};
      setOwn(node, segment, created);
      node = created;
    }
  }
  const last = path.at(-1);
  if (last !== undefined) setOwn(node, last, value);
}

/** Sets an own property even for names like `__proto__`, which validation then rejects as unknown. */
function setOwn(target: PlainObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** True for `{...}` values (not arrays, not null). */
export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Builds a config object from environment variables that start with `prefix`:
 * `PREFIX_LISTEN_ADDRESS` → `listenAddress`, `PREFIX_TLS__CERT_FILE` → `tls.certFile`
 * (a double underscore nests). Values are coerced to the schema's types.
 */
export function readEnv(
  schema: z.core.$ZodType,
  env: { readonly prefix: string; readonly vars: Readonly<Record<string, string | undefined>> },
  origins: Origins,
): PlainObject {
  const result: PlainObject = {};
  for (const [name, value] of Object.entries(env.vars)) {
    if (value === undefined || !name.startsWith(env.prefix) || name.length === env.prefix.length) continue;
    const path = name.slice(env.prefix.length).split("__").map(camelCase);
    setPath(result, path, coerce(value, schemaAt(schema, path)));
    origins.set(path.join("."), `env ${name}`);
  }
  return result;
}

/**
 * Builds a config object from parsed command-line flags: keys are config paths (`port`,
 * `tls.certFile`); undefined values (flags not given) are skipped; strings are coerced to the
 * schema's types, other values kept.
 */
export function readFlags(schema: z.core.$ZodType, flags: Readonly<Record<string, unknown>>, origins: Origins): PlainObject {
  const result: PlainObject = {};
  for (const [name, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    const path = name.split(".");
    setPath(result, path, typeof value === "string" ? coerce(value, schemaAt(schema, path)) : value);
    origins.set(path.join("."), `flag ${name}`);
  }
  return result;
}

/** Records `origin` for every path in `value`, objects included (for values read from a file). */
export function recordOrigins(value: PlainObject, origin: string, origins: Origins, prefix = ""): void {
  for (const [key, child] of Object.entries(value)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    origins.set(path, origin);
    if (isPlainObject(child)) recordOrigins(child, origin, origins, path);
  }
}

/** Deep-merges config layers, later layers winning; objects merge, everything else replaces. */
export function mergeLayers(layers: readonly PlainObject[]): PlainObject {
  const result: PlainObject = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      const existing = result[key];
      const own = Object.hasOwn(result, key) ? existing : undefined;
      setOwn(result, key, isPlainObject(own) && isPlainObject(value) ? mergeLayers([own, value]) : value);
    }
  }
  return result;
}
