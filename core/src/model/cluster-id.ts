import { z } from "zod";
import { ModelError } from "./errors.js";
import { isDnsLabel } from "./names.js";

/**
 * A cluster's identity in the clusterset: an RFC 1123 DNS label (lowercase alphanumerics and
 * '-', alphanumeric at both ends, 1-63 chars), as KEP-1645 requires of `cluster.clusterset.k8s.io`.
 * A plain string alias (not branded, see docs/adr/0120-data-model.md): validate at the edges.
 */
export type ClusterId = string;

/** True when `value` is a valid cluster id. */
export function isClusterId(value: unknown): value is ClusterId {
  return typeof value === "string" && isDnsLabel(value);
}

/** Why `value` is not a valid cluster id, one line per problem (empty when it is valid). */
function clusterIdProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length === 0) {
    return ["must not be empty"];
  }
  if (value.length > 63) {
    problems.push(`is ${value.length} characters long, at most 63 are allowed`);
  }
  if (/[^a-z0-9-]/.test(value)) {
    problems.push("may contain only lowercase letters, digits and '-'");
  }
  if (value.startsWith("-") || value.endsWith("-")) {
    problems.push("must start and end with a letter or digit");
  }
  return problems;
}

/** Zod schema of a cluster id, for use inside records. */
export const clusterIdSchema = z
  .string()
  .refine(isDnsLabel, { error: (issue) => `cluster id ${JSON.stringify(issue.input)} ${clusterIdProblems(String(issue.input)).join(", ")}` });

/** Parses a cluster id; throws ModelError "InvalidClusterId" listing every rule it breaks. */
export function parseClusterId(value: unknown): ClusterId {
  if (typeof value !== "string") {
    throw new ModelError("InvalidClusterId", "cluster id", [`must be a string, got ${typeof value}`]);
  }
  const problems = clusterIdProblems(value);
  if (problems.length > 0) {
    throw new ModelError("InvalidClusterId", `cluster id ${JSON.stringify(value)}`, problems);
  }
  return value;
}
