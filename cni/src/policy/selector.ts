import type { LabelSelector, SelectorRequirement } from "./types.js";

type Labels = Readonly<Record<string, string>>;

function matchesRequirement(labels: Labels, req: SelectorRequirement): boolean {
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
      // The API server rejects other operators; should one get through, it selects nothing
      // (a policy that selects nothing isolates nothing; a peer that matches nothing allows nothing).
      return false;
  }
}

/**
 * True when `labels` satisfy `selector` (metav1.LabelSelector semantics: every matchLabels pair
 * and every requirement must hold; an empty selector matches everything).
 */
export function matchesSelector(selector: LabelSelector, labels: Labels): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((req) => matchesRequirement(labels, req));
}
