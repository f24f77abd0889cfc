import { describe, expect, it } from "vitest";
import { IsthmusError, isAbortError, isIsthmusError } from "./errors.js";

type DemoCode = "Bad" | "Worse";
class DemoError extends IsthmusError<DemoCode> {}

describe("IsthmusError", () => {
  it("carries code, name and cause", () => {
    const cause = new Error("root");
    const err = new DemoError("Bad", "it failed", { cause });
    expect(err.code).toBe("Bad");
    expect(err.name).toBe("DemoError");
    expect(err.cause).toBe(cause);
    expect(isIsthmusError(err, "Bad")).toBe(true);
    expect(isIsthmusError(err, "Worse")).toBe(false);
    expect(isIsthmusError(new Error("x"))).toBe(false);
  });

  it("recognises aborts", () => {
    const ac = new AbortController();
    ac.abort();
    expect(isAbortError(ac.signal.reason)).toBe(true);
    expect(isAbortError(new Error("x"))).toBe(false);
  });
});
