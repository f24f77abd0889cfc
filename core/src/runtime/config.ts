import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { errorMessage, IsthmusError } from "../errors.js";
import {
  isPlainObject,
  mergeLayers,
  readEnv,
  readFlags,
  recordOrigins,
  type Origins,
  type PlainObject,
} from "./config-sources.js";
import { secretFieldNames } from "./log.js";

/** Why configuration could not be loaded. */
export type ConfigErrorCode = "InvalidConfig" | "ConfigFileNotFound" | "ConfigFileUnreadable" | "ConfigFileInvalid";

/** A configuration problem; for "InvalidConfig", `issues` lists every problem found, one per entry. */
export class ConfigError extends IsthmusError<ConfigErrorCode> {
  /** Every problem, as `path: what is wrong (from source)`; empty for file errors. */
  readonly issues: readonly string[];

  constructor(code: ConfigErrorCode, message: string, options: { cause?: unknown; issues?: readonly string[] } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.issues = Object.freeze([...(options.issues ?? [])]);
  }
}

/** A value that cannot be changed at any depth. */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer E)[]
    ? readonly DeepReadonly<E>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** Where configuration comes from; precedence is flags > env > file > schema defaults. */
export interface ConfigSources {
  /** Path of a JSON file holding a config object. */
  readonly file?: string;
  /** Environment variables starting with `prefix` (e.g. "ISTHMUS_BROKER_"); see `readEnv`. */
  readonly env?: { readonly prefix: string; readonly vars: Readonly<Record<string, string | undefined>> };
  /** Parsed command-line flags keyed by config path (`port`, `tls.certFile`); undefined = not given. */
  readonly flags?: Readonly<Record<string, unknown>>;
}

/** Already-read sources for {@link parseConfig}: the file's content instead of its path. */
export interface ParsedConfigSources extends Omit<ConfigSources, "file"> {
  /** The file's path (for messages) and its parsed content. */
  readonly file?: { readonly path: string; readonly data: unknown };
}

/**
 * Reads the config file (if any), layers env and flags over it, validates the result against
 * `schema` (use `z.strictObject` so unknown keys are rejected) and returns it deeply frozen.
 * Throws `ConfigError`: "ConfigFileNotFound", "ConfigFileUnreadable", "ConfigFileInvalid" (not
 * JSON or not an object), or "InvalidConfig" listing every problem at once.
 */
export async function loadConfig<S extends z.ZodType>(schema: S, sources: ConfigSources = {}): Promise<DeepReadonly<z.output<S>>> {
  const { file, ...rest } = sources;
  if (file === undefined) return parseConfig(schema, rest);
  return parseConfig(schema, { ...rest, file: { path: file, data: await readJsonFile(file) } });
}

/** Like {@link loadConfig} with the file already read; synchronous and pure. */
export function parseConfig<S extends z.ZodType>(schema: S, sources: ParsedConfigSources = {}): DeepReadonly<z.output<S>> {
  const origins: Origins = new Map();
  const layers: PlainObject[] = [];
  if (sources.file !== undefined) {
    const { path, data } = sources.file;
    if (!isPlainObject(data)) throw new ConfigError("ConfigFileInvalid", `Config file ${path} must hold a JSON object, got ${describe(data)}`);
    recordOrigins(data, `file ${path}`, origins);
    layers.push(data);
  }
  if (sources.env !== undefined) layers.push(readEnv(schema, sources.env, origins));
  if (sources.flags !== undefined) layers.push(readFlags(schema, sources.flags, origins));

  const result = schema.safeParse(mergeLayers(layers), { reportInput: true });
  if (!result.success) {
    const issues = result.error.issues.flatMap((issue) => formatIssue(issue, origins));
    throw new ConfigError("InvalidConfig", `Invalid configuration: ${issues.join("; ")}`, { issues, cause: result.error });
  }
  return deepFreeze(result.data) as DeepReadonly<z.output<S>>;
}

async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "ENOENT") throw new ConfigError("ConfigFileNotFound", `Config file ${path} does not exist`, { cause: err });
    throw new ConfigError("ConfigFileUnreadable", `Cannot read config file ${path}: ${errorMessage(err)}`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ConfigError("ConfigFileInvalid", `Config file ${path} is not valid JSON: ${errorMessage(err)}`, { cause: err });
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    out += typeof segment === "number" ? `[${segment}]` : `${out === "" ? "" : "."}${String(segment)}`;
  }
  return out === "" ? "(root)" : out;
}

/** The origin of `path` or of its nearest configured ancestor; nothing for schema defaults. */
function originOf(path: readonly PropertyKey[], origins: Origins): string {
  for (let n = path.length; n > 0; n--) {
    const origin = origins.get(path.slice(0, n).map(String).join("."));
    if (origin !== undefined) return ` (from ${origin})`;
  }
  return "";
}

const secretNames = new Set(secretFieldNames.map((n) => n.toLowerCase()).concat("key"));

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  return "an object";
}

function formatIssue(issue: z.core.$ZodIssue, origins: Origins): string[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key${originOf([...issue.path, key], origins)}`);
  }
  const last = issue.path.at(-1);
  const secret = typeof last === "string" && secretNames.has(last.toLowerCase());
  const got = secret ? "" : `, got ${describe(issue.input)}`;
  return [`${formatPath(issue.path)}: ${explain(issue)}${got}${originOf(issue.path, origins)}`];
}

function explain(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${issue.expected}`;
    case "too_big":
      return bound(issue.origin, issue.inclusive === false ? "<" : "≤", issue.maximum);
    case "too_small":
      return bound(issue.origin, issue.inclusive === false ? ">" : "≥", issue.minimum);
    default:
      return issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  }
}

function bound(origin: string, op: string, limit: number | bigint): string {
  if (origin === "string") return `expected a string of length ${op} ${limit}`;
  if (origin === "array" || origin === "set") return `expected ${op} ${limit} items`;
  return `expected ${origin} ${op} ${limit}`;
}

/** Freezes `value` and everything reachable from it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
