// Equality of plain data as the API server or a store gives it back: keys in another order, and
// client-node models carrying `undefined` for absent fields, must not count as a change.

/** `value` as JSON text with object keys sorted at every depth (code-unit order) and undefined properties dropped; undefined itself is "null". */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
