import { describe, expect, it } from "vitest";
import { isAbortError } from "../errors.js";
import { backoffDelay, TerminalReconcileError } from "./backoff.js";
import { createLogger, createSilentLogger } from "./log.js";
import { createLifecycle } from "./lifecycle.js";
import { createReconcileQueue, type ReconcileQueueOptions } from "./queue.js";
import { createFakeClock, type FakeClock } from "./testing/fake-clock.js";
import { createMemoryLogStream } from "./testing/memory-stream.js";

const backoff = { baseMs: 100, maxMs: 1_000, jitter: 0 };

/** A reconcile that records calls and can be held open or told to fail, key by key. */
function createProbe() {
  const calls: string[] = [];
  const running = new Set<string>();
  let maxRunning = 0;
  let overlaps = 0;
  const gates = new Map<string, () => void>();
  const failWith = new Map<string, Error>();
  const reconcile = async (key: string, signal: AbortSignal): Promise<void> => {
    calls.push(key);
    if (running.has(key)) overlaps++;
    running.add(key);
    maxRunning = Math.max(maxRunning, running.size);
    try {
      if (gates.has(key)) {
        await new Promise<void>((resolve, reject) => {
          gates.set(key, resolve);
          signal.addEventListener("abort", () => { reject(signal.reason as Error); }, { once: true });
        });
      }
      const err = failWith.get(key);
      if (err !== undefined) throw err;
    } finally {
      running.delete(key);
    }
  };
  return {
    calls,
    running,
    maxRunning: () => maxRunning,
    overlaps: () => overlaps,
    reconcile,
    /** Makes the next runs of `key` wait until released. */
    hold: (key: string) => gates.set(key, () => undefined),
    release: (key: string) => {
      const open = gates.get(key);
      gates.delete(key);
      open?.();
    },
    fail: (key: string, err: Error) => failWith.set(key, err),
    succeed: (key: string) => failWith.delete(key),
    count: (key: string) => calls.filter((k) => k === key).length,
  };
}

function setup(extra: Partial<ReconcileQueueOptions<string>> = {}) {
  const probe = createProbe();
  const clock: FakeClock = createFakeClock();
  const out = createMemoryLogStream();
  const queue = createReconcileQueue<string>({
    reconcile: probe.reconcile,
    backoff,
    clock,
    logger: createLogger({ destination: out, level: "debug" }),
    ...extra,
  });
  return { probe, clock, out, queue };
}

describe("createReconcileQueue", () => {
  it("deduplicates keys added while waiting and runs keys added before start", async () => {
    const { probe, queue } = setup();
    queue.add("a");
    queue.add("a");
    queue.add("b");
    expect(queue.size).toBe(2);
    await queue.start();
    await queue.idle();
    expect(probe.calls).toEqual(["a", "b"]);
    await queue.stop();
  });

  it("runs a key added while in flight exactly once more after the current run", async () => {
    const { probe, queue, clock } = setup();
    probe.hold("a");
    await queue.start();
    queue.add("a");
    await clock.flush();
    expect(probe.running.has("a")).toBe(true);
    queue.add("a");
    queue.add("a");
    expect(queue.size).toBe(0);
    probe.release("a");
    await queue.idle();
    expect(probe.count("a")).toBe(2);
    await queue.stop();
  });

  it("never runs one key twice at once, even with spare workers", async () => {
    const { probe, queue, clock } = setup({ concurrency: 3 });
    probe.hold("a");
    probe.hold("b");
    await queue.start();
    queue.add("a");
    queue.add("b");
    queue.add("c");
    await clock.flush();
    queue.add("a");
    await clock.flush();
    expect([...probe.running].sort()).toEqual(["a", "b"]);
    expect(probe.count("a")).toBe(1);
    probe.release("a");
    await clock.flush();
    probe.release("b");
    await queue.idle();
    expect(probe.count("a")).toBe(2);
    expect(probe.overlaps()).toBe(0);
    await queue.stop();
  });

  it("respects the concurrency limit", async () => {
    const { probe, queue, clock } = setup({ concurrency: 2 });
    for (const k of ["a", "b", "c"]) probe.hold(k);
    await queue.start();
    for (const k of ["a", "b", "c"]) queue.add(k);
    await clock.flush();
    expect(probe.running.size).toBe(2);
    expect(queue.size).toBe(1);
    for (const k of ["a", "b", "c"]) {
      probe.release(k);
      await clock.flush();
    }
    await queue.idle();
    expect(probe.calls.sort()).toEqual(["a", "b", "c"]);
    expect(probe.maxRunning()).toBe(2);
    await queue.stop();
  });

  it("retries failures with exponential backoff up to the cap, and resets after success", async () => {
    const { probe, queue, clock, out } = setup();
    probe.fail("a", new Error("apiserver unavailable"));
    await queue.start();
    queue.add("a");
    await queue.idle();
    // Delays: 100, 200, 400, 800, 1000 (cap), 1000.
    const expected = [100, 200, 400, 800, 1_000, 1_000];
    for (const [i, delay] of expected.entries()) {
      await clock.advance(delay - 1);
      expect(probe.count("a")).toBe(i + 1);
      await clock.advance(1);
      expect(probe.count("a")).toBe(i + 2);
    }
    const warns = out.records().filter((r) => r.level === 40);
    expect(warns.map((r) => r.retryInMs)).toEqual([...expected, 1_000]);
    expect(warns[0]).toMatchObject({ key: "a", attempt: 1, err: { message: "apiserver unavailable" } });
    probe.succeed("a");
    await clock.advance(1_000);
    expect(probe.count("a")).toBe(8);
    expect(clock.pendingTimers).toBe(0);
    // Failure count was reset: the next failure backs off from the base again.
    probe.fail("a", new Error("again"));
    queue.add("a");
    await queue.idle();
    expect(out.records().at(-1)).toMatchObject({ attempt: 1, retryInMs: 100 });
    await queue.stop();
  });

  it("keeps jittered delays within [capped·(1−jitter), capped]", () => {
    const b = { baseMs: 100, maxMs: 1_000, jitter: 0.5 };
    for (let attempt = 1; attempt <= 8; attempt++) {
      const capped = Math.min(1_000, 100 * 2 ** (attempt - 1));
      expect(backoffDelay(attempt, b, () => 0)).toBe(capped);
      expect(backoffDelay(attempt, b, () => 0.999_999)).toBe(Math.round(capped * 0.5));
      const d = backoffDelay(attempt, b);
      expect(d).toBeGreaterThanOrEqual(capped / 2);
      expect(d).toBeLessThanOrEqual(capped);
    }
    expect(backoffDelay(5_000, b, () => 0)).toBe(1_000);
  });

  it("uses the jitter of the options when scheduling a retry", async () => {
    const { probe, queue, clock } = setup({ backoff: { baseMs: 1_000, maxMs: 1_000, jitter: 0.5 }, random: () => 0.5 });
    probe.fail("a", new Error("x"));
    await queue.start();
    queue.add("a");
    await queue.idle();
    await clock.advance(749);
    expect(probe.count("a")).toBe(1);
    await clock.advance(1);
    expect(probe.count("a")).toBe(2);
    await queue.stop();
  });

  it("does not retry a terminal error, logs it, and runs the key again when added", async () => {
    const { probe, queue, clock, out } = setup();
    probe.fail("a", new TerminalReconcileError("spec.port 70000 is out of range"));
    await queue.start();
    queue.add("a");
    await queue.idle();
    await clock.advance(10_000);
    expect(probe.count("a")).toBe(1);
    expect(clock.pendingTimers).toBe(0);
    expect(out.records().find((r) => r.level === 50)).toMatchObject({ key: "a", err: { message: "spec.port 70000 is out of range" } });
    queue.add("a");
    await queue.idle();
    expect(probe.count("a")).toBe(2);
    await queue.stop();
  });

  it("treats any error with terminal === true as terminal", async () => {
    const { probe, queue, clock } = setup();
    probe.fail("a", Object.assign(new Error("bad"), { terminal: true }));
    await queue.start();
    queue.add("a");
    await queue.idle();
    await clock.advance(10_000);
    expect(probe.count("a")).toBe(1);
    await queue.stop();
  });

  it("runs a key at once when added during its backoff", async () => {
    const { probe, queue, clock } = setup();
    probe.fail("a", new Error("x"));
    await queue.start();
    queue.add("a");
    await queue.idle();
    queue.add("a");
    await queue.idle();
    expect(probe.count("a")).toBe(2);
    expect(clock.pendingTimers).toBe(1);
    await queue.stop();
  });

  it("resyncs every key from listKeys periodically, without cutting a backoff short", async () => {
    const keys = ["a", "b"];
    const { probe, queue, clock } = setup({ resyncMs: 60_000, listKeys: () => keys, backoff: { baseMs: 100_000, maxMs: 100_000, jitter: 0 } });
    probe.fail("b", new Error("x"));
    await queue.start();
    await clock.advance(59_999);
    expect(probe.calls).toEqual([]);
    await clock.advance(1);
    expect(probe.calls).toEqual(["a", "b"]);
    await clock.advance(60_000);
    expect(probe.calls).toEqual(["a", "b", "a"]);
    await clock.advance(40_000);
    expect(probe.calls).toEqual(["a", "b", "a", "b"]);
    await queue.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it("stop aborts in-flight reconciles, waits for them and drops waiting keys", async () => {
    const { probe, queue, clock, out } = setup();
    probe.hold("a");
    await queue.start();
    queue.add("a");
    queue.add("b");
    await clock.flush();
    let stopped = false;
    const stopping = queue.stop().then(() => { stopped = true; });
    expect(stopped).toBe(false);
    await stopping;
    expect(probe.running.size).toBe(0);
    expect(probe.calls).toEqual(["a"]);
    queue.add("c");
    await queue.idle();
    expect(probe.calls).toEqual(["a"]);
    expect(clock.pendingTimers).toBe(0);
    expect(out.records().filter((r) => (r.level as number) >= 40)).toEqual([]);
    await queue.stop();
    await expect(queue.start()).rejects.toMatchObject({ code: "InvalidState" });
  });

  it("hands the reconcile an abort signal that fires on stop", async () => {
    const seen: unknown[] = [];
    const { queue, clock, out } = setup({
      reconcile: (_key, signal) =>
        new Promise<void>((_, reject) => {
          signal.addEventListener("abort", () => {
            seen.push(signal.reason);
            reject(signal.reason as Error);
          }, { once: true });
        }),
    });
    await queue.start();
    queue.add("a");
    await clock.flush();
    expect(seen).toEqual([]);
    await queue.stop();
    expect(seen).toHaveLength(1);
    expect(isAbortError(seen[0])).toBe(true);
    // The abort rejection is cancellation, not a failure: nothing logged, nothing retried.
    expect(out.records().filter((r) => (r.level as number) >= 40)).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("is a Component: a lifecycle starts it and its stop aborts in-flight work", async () => {
    const { probe, queue, clock } = setup();
    probe.hold("a");
    queue.add("a");
    const lifecycle = createLifecycle([queue]);
    await lifecycle.start();
    await clock.flush();
    expect(probe.running.has("a")).toBe(true);
    await lifecycle.stop();
    expect(probe.running.size).toBe(0);
  });

  it("rejects unusable options", () => {
    const base = { reconcile: () => Promise.resolve(), logger: createSilentLogger() };
    expect(() => createReconcileQueue({ ...base, backoff, concurrency: 0 })).toThrow(RangeError);
    expect(() => createReconcileQueue({ ...base, backoff, concurrency: 1.5 })).toThrow(RangeError);
    expect(() => createReconcileQueue({ ...base, backoff: { baseMs: 0, maxMs: 1, jitter: 0 } })).toThrow(RangeError);
    expect(() => createReconcileQueue({ ...base, backoff: { baseMs: 10, maxMs: 1, jitter: 0 } })).toThrow(RangeError);
    expect(() => createReconcileQueue({ ...base, backoff: { baseMs: 1, maxMs: 1, jitter: 2 } })).toThrow(RangeError);
  });
});
