import { describe, expect, it } from "vitest";
import { matchesSelector } from "./selector.js";

const labels = { app: "web", tier: "front" };

describe("matchesSelector", () => {
  it("matches everything with an empty selector", () => {
    expect(matchesSelector({}, labels)).toBe(true);
    expect(matchesSelector({}, {})).toBe(true);
  });

  it("needs every matchLabels pair", () => {
    expect(matchesSelector({ matchLabels: { app: "web" } }, labels)).toBe(true);
    expect(matchesSelector({ matchLabels: { app: "web", tier: "back" } }, labels)).toBe(false);
    expect(matchesSelector({ matchLabels: { missing: "" } }, labels)).toBe(false);
  });

  it("implements In, NotIn, Exists and DoesNotExist", () => {
    const m = (operator: string, key: string, values?: string[]) => matchesSelector({ matchExpressions: [{ key, operator, ...(values === undefined ? {} : { values }) }] }, labels);
    expect([m("In", "app", ["web", "db"]), m("In", "app", ["db"]), m("In", "nope", ["web"])]).toEqual([true, false, false]);
    expect([m("NotIn", "app", ["db"]), m("NotIn", "app", ["web"]), m("NotIn", "nope", ["web"])]).toEqual([true, false, true]);
    expect([m("Exists", "tier"), m("Exists", "nope")]).toEqual([true, false]);
    expect([m("DoesNotExist", "nope"), m("DoesNotExist", "tier")]).toEqual([true, false]);
    expect(m("Gt", "app", ["1"])).toBe(false);
  });

  it("needs matchLabels and every expression together", () => {
    expect(matchesSelector({ matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["front"] }, { key: "x", operator: "DoesNotExist" }] }, labels)).toBe(true);
    expect(matchesSelector({ matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "NotIn", values: ["front"] }] }, labels)).toBe(false);
  });
});
