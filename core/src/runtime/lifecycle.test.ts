import { describe, expect, it } from "vitest";
import { isIsthmusError } from "../errors.js";
import { createLifecycle, LifecycleError, type Component } from "./lifecycle.js";
import { createLogger } from "./log.js";
import { createFakeClock } from "./testing/fake-clock.js";
import { createMemoryLogStream } from "./testing/memory-stream.js";

interface Probe {
  readonly events: string[];
  component(name: string, fail?: { start?: Error; stop?: Error; hangOnStop?: boolean }): Component;
}

function createProbe(): Probe {
  const events: string[] = [];
  return {
    events,
    component: (name, fail = {}) => ({
      name,
      start: () => {
        events.push(`start ${name}`);
        return fail.start === undefined ? Promise.resolve() : Promise.reject(fail.start);
      },
      stop: () => {
        events.push(`stop ${name}`);
        if (fail.hangOnStop === true) return new Promise<void>(() => undefined);
        return fail.stop === undefined ? Promise.resolve() : Promise.reject(fail.stop);
      },
    }),
  };
}

describe("createLifecycle", () => {
  it("starts in order and stops in reverse", async () => {
    const probe = createProbe();
    const lifecycle = createLifecycle(["a", "b", "c"].map((n) => probe.component(n)));
    await lifecycle.start();
    await lifecycle.stop();
    expect(probe.events).toEqual(["start a", "start b", "start c", "stop c", "stop b", "stop a"]);
  });

  it("rolls back the started components when one fails to start", async () => {
    const probe = createProbe();
    const boom = new Error("port 7443 in use");
    const lifecycle = createLifecycle([probe.component("a"), probe.component("b"), probe.component("c", { start: boom }), probe.component("d")]);
    const err: unknown = await lifecycle.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LifecycleError);
    expect(isIsthmusError(err, "StartFailed")).toBe(true);
    expect((err as Error).message).toContain('"c"');
    expect((err as Error).message).toContain("port 7443 in use");
    expect((err as Error).cause).toBe(boom);
    expect(probe.events).toEqual(["start a", "start b", "start c", "stop b", "stop a"]);
  });

  it("rethrows the abort when the start signal aborts, after rolling back", async () => {
    const probe = createProbe();
    const controller = new AbortController();
    const slow: Component = {
      name: "slow",
      start: (signal) => {
        controller.abort();
        signal?.throwIfAborted();
        return Promise.resolve();
      },
      stop: () => Promise.resolve(),
    };
    const lifecycle = createLifecycle([probe.component("a"), slow, probe.component("c")]);
    const err: unknown = await lifecycle.start(controller.signal).catch((e: unknown) => e);
    expect((err as Error).name).toBe("AbortError");
    expect(probe.events).toEqual(["start a", "stop a"]);
  });

  it("keeps stopping past failures and reports them all at the end", async () => {
    const probe = createProbe();
    const out = createMemoryLogStream();
    const lifecycle = createLifecycle(
      [probe.component("a", { stop: new Error("a is stuck") }), probe.component("b"), probe.component("c", { stop: new Error("c is stuck") })],
      { logger: createLogger({ destination: out }) },
    );
    await lifecycle.start();
    const err: unknown = await lifecycle.stop().catch((e: unknown) => e);
    expect(isIsthmusError(err, "StopFailed")).toBe(true);
    expect((err as Error).message).toContain("a: a is stuck");
    expect((err as Error).message).toContain("c: c is stuck");
    expect((err as Error).cause).toBeInstanceOf(AggregateError);
    expect(probe.events.slice(3)).toEqual(["stop c", "stop b", "stop a"]);
    const errors = out.records().filter((r) => r.level === 50);
    expect(errors.map((r) => r.component)).toEqual(["c", "a"]);
  });

  it("gives up on a component that does not stop within the timeout", async () => {
    const probe = createProbe();
    const clock = createFakeClock();
    const lifecycle = createLifecycle([probe.component("a"), probe.component("hangs", { hangOnStop: true })], { clock, stopTimeoutMs: 500 });
    await lifecycle.start();
    const stopped = lifecycle.stop().catch((e: unknown) => e);
    await clock.flush();
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(499);
    expect(probe.events).toEqual(["start a", "start hangs", "stop hangs"]);
    await clock.advance(1);
    const err = await stopped;
    expect(isIsthmusError(err, "StopFailed")).toBe(true);
    const inner = ((err as Error).cause as AggregateError).errors as Error[];
    expect(inner[0]?.cause).toMatchObject({ code: "StopTimedOut" });
    expect(probe.events).toEqual(["start a", "start hangs", "stop hangs", "stop a"]);
  });

  it("stops once however often stop is called", async () => {
    const probe = createProbe();
    const lifecycle = createLifecycle([probe.component("a")]);
    await lifecycle.start();
    await Promise.all([lifecycle.stop(), lifecycle.stop()]);
    await lifecycle.stop();
    expect(probe.events).toEqual(["start a", "stop a"]);
  });

  it("refuses to start twice or after stop", async () => {
    const lifecycle = createLifecycle([createProbe().component("a")]);
    await lifecycle.start();
    await expect(lifecycle.start()).rejects.toMatchObject({ code: "InvalidState" });
    await lifecycle.stop();
    await expect(lifecycle.start()).rejects.toMatchObject({ code: "InvalidState" });
  });

  it("waits for a start in progress before stopping", async () => {
    const probe = createProbe();
    let release = (): void => undefined;
    const gate: Component = {
      name: "gate",
      start: () => new Promise<void>((resolve) => { release = resolve; }),
      stop: () => { probe.events.push("stop gate"); return Promise.resolve(); },
    };
    const lifecycle = createLifecycle([probe.component("a"), gate]);
    const starting = lifecycle.start();
    await Promise.resolve();
    const stopping = lifecycle.stop();
    release();
    await starting;
    await stopping;
    expect(probe.events).toEqual(["start a", "stop gate", "stop a"]);
  });
});
