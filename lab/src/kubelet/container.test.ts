import { describe, expect, it } from "vitest";
import { crashBackoffMs, createSlot, isDueToStart, markExited, markStarted } from "./container.js";

const backoff = { baseMs: 10_000, maxMs: 300_000 };
const at = (s: number): Date => new Date(1_700_000_000_000 + s * 1000);

describe("crashBackoffMs", () => {
  it("doubles from the base and stops at the cap", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => crashBackoffMs(n, backoff))).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    expect(crashBackoffMs(1000, backoff)).toBe(300_000);
  });
});

describe("container slot", () => {
  it("restarts a crashed container after the back-off and counts restarts", () => {
    const slot = createSlot("echo", "lab/echo", { kind: "alive" });
    expect(isDueToStart(slot, { now: at(0).getTime(), restartPolicy: "Always" })).toBe(true);
    markStarted(slot, { pid: 42, startedAt: at(0), entry: "/e.js" });
    expect(slot.restartCount).toBe(0);
    markExited(slot, { code: 1, signal: null }, { now: at(3), restartPolicy: "Always", backoff });
    expect(slot.state).toMatchObject({ kind: "waiting", reason: "CrashLoopBackOff" });
    expect(slot.lastTermination).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(isDueToStart(slot, { now: at(12).getTime(), restartPolicy: "Always" })).toBe(false);
    expect(isDueToStart(slot, { now: at(13).getTime(), restartPolicy: "Always" })).toBe(true);
    markStarted(slot, { pid: 43, startedAt: at(13), entry: "/e.js" });
    expect(slot.restartCount).toBe(1);
    markExited(slot, { code: null, signal: "SIGKILL" }, { now: at(14), restartPolicy: "Always", backoff });
    expect(slot.lastTermination).toMatchObject({ exitCode: 137, signal: 9 });
    expect(slot.restartAt).toBe(at(34).getTime());
  });

  it("resets the back-off after a long healthy run", () => {
    const slot = createSlot("echo", "lab/echo", { kind: "alive" });
    slot.crashes = 5;
    markStarted(slot, { pid: 1, startedAt: at(0), entry: "/e.js" });
    markExited(slot, { code: 2, signal: null }, { now: at(600), restartPolicy: "Always", backoff });
    expect(slot.restartAt).toBe(at(610).getTime());
  });

  it("does not restart finished containers under Never and OnFailure", () => {
    const never = createSlot("job", "lab/client", { kind: "alive" });
    markStarted(never, { pid: 1, startedAt: at(0), entry: "/e.js" });
    markExited(never, { code: 3, signal: null }, { now: at(1), restartPolicy: "Never", backoff });
    expect(never.state).toMatchObject({ kind: "terminated", exitCode: 3 });
    expect(isDueToStart(never, { now: at(999).getTime(), restartPolicy: "Never" })).toBe(false);

    const onFailure = createSlot("job", "lab/client", { kind: "alive" });
    markStarted(onFailure, { pid: 1, startedAt: at(0), entry: "/e.js" });
    markExited(onFailure, { code: 0, signal: null }, { now: at(1), restartPolicy: "OnFailure", backoff });
    expect(onFailure.state).toMatchObject({ kind: "terminated", reason: "Completed" });
    expect(isDueToStart(onFailure, { now: at(999).getTime(), restartPolicy: "OnFailure" })).toBe(false);
  });
});
