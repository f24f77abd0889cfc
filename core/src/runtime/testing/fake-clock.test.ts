import { describe, expect, it } from "vitest";
import { createFakeClock } from "./fake-clock.js";

describe("createFakeClock", () => {
  it("fires timers in due order when advanced, and moves now", async () => {
    const clock = createFakeClock(1_000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("b"), 20);
    clock.setTimeout(() => fired.push("a"), 10);
    clock.setTimeout(() => fired.push("a2"), 10);
    clock.setTimeout(() => fired.push("c"), 30);
    await clock.advance(20);
    expect(fired).toEqual(["a", "a2", "b"]);
    expect(clock.now()).toBe(1_020);
    expect(clock.pendingTimers).toBe(1);
  });

  it("fires timers that callbacks schedule inside the advanced window, at their own time", async () => {
    const clock = createFakeClock();
    const at: number[] = [];
    const tick = (): void => {
      at.push(clock.now());
      if (at.length < 5) clock.setTimeout(tick, 10);
    };
    clock.setTimeout(tick, 10);
    await clock.advance(35);
    expect(at).toEqual([10, 20, 30]);
    await clock.advance(100);
    expect(at).toEqual([10, 20, 30, 40, 50]);
  });

  it("lets promise chains started by a timer settle before the next timer", async () => {
    const clock = createFakeClock();
    const log: string[] = [];
    clock.setTimeout(() => {
      void Promise.resolve()
        .then(() => Promise.resolve())
        .then(() => log.push("chain done"));
    }, 5);
    clock.setTimeout(() => log.push("second timer"), 6);
    await clock.advance(10);
    expect(log).toEqual(["chain done", "second timer"]);
  });

  it("cancels timers, idempotently", async () => {
    const clock = createFakeClock();
    let fired = false;
    const timer = clock.setTimeout(() => { fired = true; }, 5);
    timer.cancel();
    timer.cancel();
    await clock.advance(10);
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it("next() jumps to the earliest timer", async () => {
    const clock = createFakeClock();
    clock.setTimeout(() => undefined, 250);
    expect(await clock.next()).toBe(true);
    expect(clock.now()).toBe(250);
    expect(await clock.next()).toBe(false);
  });
});
