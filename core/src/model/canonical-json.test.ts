import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";

describe("canonicalJson", () => {
  it("ignores key order at every depth and drops undefined properties", () => {
    const a = { b: 1, a: { d: [{ y: 2, x: 1 }], c: undefined }, e: "s" };
    const b = { e: "s", a: { d: [{ x: 1, y: 2 }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"d":[{"x":1,"y":2}]},"b":1,"e":"s"}');
  });

  it("tells different values and array orders apart, and writes undefined as null", () => {
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: "1" }));
    expect(canonicalJson(undefined)).toBe("null");
  });
});
