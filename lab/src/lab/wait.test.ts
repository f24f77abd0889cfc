import { describe, expect, it } from "vitest";
import { LabError } from "./errors.js";
import { waitFor } from "./wait.js";

describe("waitFor", () => {
  it("returns the first defined value", async () => {
    let n = 0;
    const value = await waitFor("n to reach 3", () => Promise.resolve(++n >= 3 ? n : undefined), { timeoutMs: 2_000, intervalMs: 1 });
    expect(value).toBe(3);
  });

  it("times out naming what it waited for, the last error and the explanation", async () => {
    const failing = waitFor("the answer", () => Promise.reject(new Error("connection refused")), {
      timeoutMs: 30,
      intervalMs: 5,
      explain: () => Promise.resolve("log: boom"),
    });
    await expect(failing).rejects.toMatchObject({ code: "Timeout" });
    await expect(failing).rejects.toThrow(/the answer.*connection refused.*log: boom/);
  });

  it("stops at once when the precheck throws (a component died)", async () => {
    const started = Date.now();
    const died = waitFor("never", () => Promise.resolve(undefined), {
      timeoutMs: 10_000,
      precheck: () => Promise.reject(new LabError("ComponentFailed", "etcd exited")),
    });
    await expect(died).rejects.toMatchObject({ code: "ComponentFailed" });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
