import { describe, expect, it } from "vitest";
import { isClusterId, parseClusterId } from "./cluster-id.js";
import { ModelError } from "./errors.js";

const good = ["a", "c1", "cluster-1", "east-prod-2", "0", "9abc", "a".repeat(63), "a-b-c", "x--y"];
const bad: [string, unknown][] = [
  ["uppercase", "Cluster1"],
  ["underscore", "cluster_1"],
  ["leading dash", "-cluster"],
  ["trailing dash", "cluster-"],
  ["64 chars", "a".repeat(64)],
  ["empty", ""],
  ["dots", "cluster.east"],
  ["space", "cluster 1"],
  ["unicode", "clüster"],
  ["not a string", 42],
  ["undefined", undefined],
];

describe("cluster ids", () => {
  it.each(good)("accepts %j", (id) => {
    expect(isClusterId(id)).toBe(true);
    expect(parseClusterId(id)).toBe(id);
  });

  it.each(bad)("rejects %s", (_label, id) => {
    expect(isClusterId(id)).toBe(false);
    expect(() => parseClusterId(id)).toThrow(ModelError);
    try {
      parseClusterId(id);
    } catch (err) {
      expect((err as ModelError).code).toBe("InvalidClusterId");
      expect((err as ModelError).issues.length).toBeGreaterThan(0);
    }
  });

  it("lists every rule an id breaks", () => {
    const err = captureError(() => parseClusterId(`-${"A".repeat(70)}_`));
    expect(err.issues).toEqual([
      "is 72 characters long, at most 63 are allowed",
      "may contain only lowercase letters, digits and '-'",
      "must start and end with a letter or digit",
    ]);
    expect(err.message).toContain("Invalid cluster id");
  });
});

function captureError(fn: () => unknown): ModelError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ModelError) {
      return err;
    }
    throw err;
  }
  throw new Error("expected a ModelError");
}
