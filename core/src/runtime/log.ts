import { pino, type DestinationStream, type Level, type Logger } from "pino";

/** The logger type every component takes (a pino Logger), so packages need not import pino. */
export type { Logger } from "pino";

/** What a redacted value is replaced with in log output. */
export const redactedCensor = "[redacted]";

/** Field names whose values never reach a log line, at the top level or up to three levels deep. */
export const secretFieldNames: readonly string[] = Object.freeze([
  "token",
  "password",
  "privateKey",
  "secret",
  "authorization",
  "cookie",
  "bearerToken",
  "joinToken",
  "presharedKey",
]);

/**
 * The pino redact paths: each of {@link secretFieldNames} as `x`, `*.x`, `*.*.x`, `*.*.*.x`, and
 * `key` only when nested (`tls.key`): a top-level `key` is the reconcile-queue key (STYLE.md).
 */
export const defaultRedactPaths: readonly string[] = Object.freeze([
  ...secretFieldNames.flatMap((name) => [name, `*.${name}`, `*.*.${name}`, `*.*.*.${name}`]),
  "*.key",
  "*.*.key",
  "*.*.*.key",
]);

/** Options of {@link createLogger}; every field is optional. */
export interface LoggerOptions {
  /** Logger name (the `name` field of every line), usually the process, e.g. "isthmus-gateway". */
  readonly name?: string;
  /** Lowest level written; default "info". "silent" writes nothing. */
  readonly level?: Level | "silent";
  /** Where lines go; default stdout. Tests pass an in-memory stream. */
  readonly destination?: DestinationStream;
  /** Extra redact paths (pino syntax) on top of {@link defaultRedactPaths}. */
  readonly redact?: readonly string[];
}

/**
 * Creates the root logger of a process: JSON lines, ISO timestamps, `err` serialised with its
 * cause chain, and secret fields (tokens, keys, passwords, authorization headers) replaced by
 * {@link redactedCensor} in the object, in child bindings and in nested objects. Components get
 * `logger.child({ component })`, never their own root logger.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const config = {
    level: options.level ?? "info",
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.err },
    redact: {
      paths: [...defaultRedactPaths, ...(options.redact ?? [])],
      censor: redactedCensor,
    },
    ...(options.name === undefined ? {} : { name: options.name }),
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}

/** A logger that writes nothing, for callers that were given no logger and for tests. */
export function createSilentLogger(): Logger {
  return pino({ level: "silent" });
}
