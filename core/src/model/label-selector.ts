import { isLabelKey, isLabelValue } from "./names.js";

// metav1.LabelSelector as the agents read it from custom resources (whose CRD schemas accept
// any strings): a check that names what is wrong, and the matching rules of the API server.

/** metav1.LabelSelectorRequirement. */
export interface LabelSelectorRequirement {
  readonly key: string;
  /** "In" | "NotIn" | "Exists" | "DoesNotExist". */
  readonly operator: string;
  readonly values?: readonly string[];
}

/** metav1.LabelSelector: an empty selector matches everything. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

const operators: ReadonlySet<string> = new Set(["In", "NotIn", "Exists", "DoesNotExist"]);

/** What is wrong with `selector` (one sentence naming the field, `what` its path), or undefined when it is well-formed. Pure. */
export function labelSelectorProblem(what: string, selector: LabelSelector | undefined): string | undefined {
  if (selector === undefined) return undefined;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!isLabelKey(key)) return `${what}.matchLabels: "${key}" is not a label key`;
    if (typeof value !== "string" || !isLabelValue(value)) return `${what}.matchLabels: the value of "${key}" is not a label value`;
  }
  for (const [i, req] of (selector.matchExpressions ?? []).entries()) {
    const at = `${what}.matchExpressions[${String(i)}]`;
    if (typeof req.key !== "string" || !isLabelKey(req.key)) return `${at}: "${req.key}" is not a label key`;
    if (!operators.has(req.operator)) return `${at}: operator "${req.operator}" is not one of In, NotIn, Exists, DoesNotExist`;
    const needsValues = req.operator === "In" || req.operator === "NotIn";
    if (needsValues !== (req.values !== undefined && req.values.length > 0)) return `${at}: operator ${req.operator} ${needsValues ? "needs" : "takes no"} values`;
    const bad = (req.values ?? []).find((v) => typeof v !== "string" || !isLabelValue(v));
    if (bad !== undefined) return `${at}: "${bad}" is not a label value`;
  }
  return undefined;
}

function matchesRequirement(labels: Readonly<Record<string, string>>, req: LabelSelectorRequirement): boolean {
  const has = Object.hasOwn(labels, req.key);
  const values = req.values ?? [];
  switch (req.operator) {
    case "In":
      return has && values.includes(labels[req.key] ?? "");
    case "NotIn":
      return !has || !values.includes(labels[req.key] ?? "");
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    default:
      // labelSelectorProblem refuses other operators; should one get through, it selects nothing.
      return false;
  }
}

/** True when `labels` satisfy `selector` (every matchLabels pair and every requirement holds; empty matches all). Pure. */
export function matchesLabelSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((req) => matchesRequirement(labels, req));
}
