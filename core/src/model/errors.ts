import type { z } from "zod";
import { IsthmusError } from "../errors.js";

/** Why a value was rejected by one of the model parsers. */
export type ModelErrorCode =
  | "InvalidClusterId"
  | "InvalidCluster"
  | "InvalidGatewayEndpoint"
  | "InvalidServiceExport"
  | "InvalidConnectionStatus"
  | "InvalidGlobalRequest"
  | "InvalidWorkloadSet"
  | "InvalidCniNodeState";

/** A model value failed validation; `issues` lists every problem found, one line each. */
export class ModelError extends IsthmusError<ModelErrorCode> {
  /** Every problem found, as `path: message` lines (path omitted for the root). */
  readonly issues: readonly string[];

  constructor(code: ModelErrorCode, what: string, issues: readonly string[]) {
    super(code, `Invalid ${what}: ${issues.join("; ")}`);
    this.issues = Object.freeze([...issues]);
  }
}

/** Renders zod issues as `path: message` lines, e.g. `ports.0.port: Too big: expected number to be <=65535`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    return path === "" ? issue.message : `${path}: ${issue.message}`;
  });
}

/**
 * Parses `input` with `schema` and returns a deeply frozen value, or throws a ModelError with
 * `code` listing every problem. `what` names the value in the message ("cluster", "gateway endpoint").
 */
export function parseModel<S extends z.ZodType>(
  schema: S,
  input: unknown,
  options: { code: ModelErrorCode; what: string },
): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ModelError(options.code, options.what, formatIssues(result.error.issues));
  }
  return deepFreeze(result.data);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
  }
  return value;
}
