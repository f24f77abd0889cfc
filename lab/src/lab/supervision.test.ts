import { describe, expect, it } from "vitest";
import { lastLines } from "./logs.js";
import { describeExit, healthyRunMs, nextFailureCount, parseSupervisedSpec, restartDelayMs, restartMaxMs } from "./supervision.js";

describe("supervision", () => {
  it("backs off 0.5 s, 1 s, 2 s, … up to 30 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(restartDelayMs)).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000]);
    expect(restartDelayMs(1_000)).toBe(restartMaxMs);
  });

  it("starts the back-off over after a healthy run, and counts quick deaths in a row", () => {
    expect(nextFailureCount(5, healthyRunMs)).toBe(1);
    expect(nextFailureCount(5, 1_000)).toBe(6);
    expect(nextFailureCount(0, 10)).toBe(1);
  });

  it("says why a process ended", () => {
    expect(describeExit(null, "SIGKILL")).toBe("killed by SIGKILL");
    expect(describeExit(1, null)).toBe("exited with code 1");
    expect(describeExit(0, null)).toBe("exited cleanly (code 0)");
  });

  it("rejects a start request that is not a process to supervise, naming the field", () => {
    expect(() => parseSupervisedSpec({ name: "c1-etcd", argv: [], logFile: "/x.log", env: {} })).toThrow(/argv/);
    expect(() => parseSupervisedSpec({ name: "../etc", argv: ["etcd"], logFile: "/x.log", env: {} })).toThrow(/name/);
    expect(() => parseSupervisedSpec({ name: "c1-etcd", argv: ["etcd"], logFile: "/x.log", env: {}, extra: 1 })).toThrow(/extra/);
    expect(parseSupervisedSpec({ name: "c1-etcd", argv: ["etcd"], logFile: "/x.log", env: { PATH: "/bin" } }).name).toBe("c1-etcd");
  });

  it("cuts a log to its last lines", () => {
    expect(lastLines("a\nb\nc\n", 2)).toBe("b\nc\n");
    expect(lastLines("a\nb\nc", 2)).toBe("b\nc");
    expect(lastLines("a\n", 5)).toBe("a\n");
    expect(lastLines("a\nb\n", 0)).toBe("");
  });
});
