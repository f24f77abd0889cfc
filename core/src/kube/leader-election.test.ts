import { describe, expect, it } from "vitest";
import { createFakeClock, type FakeClock } from "../runtime/testing/fake-clock.js";
import { KubeError } from "./errors.js";
import { createLeaderElector, type LeaderElectorOptions } from "./leader-election.js";
import { createFakeLeaseClient, createFakeLeaseStore, type FakeLeaseStore } from "./testing/fake-lease-client.js";

const lease = { namespace: "isthmus-system", name: "isthmus-gateway" };
const timings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

interface World {
  clock: FakeClock;
  store: FakeLeaseStore;
  /** Callback events of every candidate, in order, as "<id> <event>". */
  events: string[];
}

function world(): World {
  return { clock: createFakeClock(), store: createFakeLeaseStore(), events: [] };
}

function candidate(w: World, identity: string, extra: Partial<LeaderElectorOptions> = {}) {
  const client = createFakeLeaseClient({ store: w.store });
  const signals: AbortSignal[] = [];
  const elector = createLeaderElector({
    lease,
    identity,
    ...timings,
    leaseClient: client,
    clock: w.clock,
    random: () => 0,
    onStartedLeading: (signal) => {
      signals.push(signal);
      w.events.push(`${identity} started`);
    },
    onStoppedLeading: () => w.events.push(`${identity} stopped`),
    onNewLeader: (leader) => w.events.push(`${identity} sees ${leader}`),
    ...extra,
  });
  return { elector, client, signals };
}

/** Advances the clock in small steps until `condition` holds; returns the time it took. */
async function advanceUntil(clock: FakeClock, condition: () => boolean, limitMs: number): Promise<number> {
  const start = clock.now();
  while (!condition()) {
    if (clock.now() - start > limitMs) throw new Error(`condition not met within ${limitMs} ms`);
    await clock.advance(100);
  }
  return clock.now() - start;
}

describe("createLeaderElector", () => {
  it("a single candidate acquires the lease and keeps renewing it", async () => {
    const w = world();
    const a = candidate(w, "a");
    await a.elector.start();
    await w.clock.flush();
    expect(a.elector.isLeader).toBe(true);
    expect(w.events).toEqual(["a sees a", "a started"]);
    expect(w.store.read(lease)).toMatchObject({ holderIdentity: "a", leaseDurationSeconds: 15, leaseTransitions: 0 });
    const firstVersion = w.store.read(lease)?.resourceVersion;
    await w.clock.advance(60_000);
    expect(a.elector.isLeader).toBe(true);
    expect(a.client.calls.replace).toBe(30);
    expect(w.store.read(lease)?.resourceVersion).not.toBe(firstVersion);
    expect(w.events).toEqual(["a sees a", "a started"]);
    await a.elector.stop();
  });

  it("a second candidate waits while the leader renews", async () => {
    const w = world();
    const a = candidate(w, "a");
    const b = candidate(w, "b");
    await a.elector.start();
    await w.clock.flush();
    await b.elector.start();
    await w.clock.advance(120_000);
    expect(a.elector.isLeader).toBe(true);
    expect(b.elector.isLeader).toBe(false);
    expect(b.elector.leader).toBe("a");
    expect(b.client.calls.replace).toBe(0);
    expect(w.events).toEqual(["a sees a", "a started", "b sees a"]);
    await Promise.all([a.elector.stop(), b.elector.stop()]);
  });

  it("when the leader stops it releases the lease and the standby acquires it within one retry period", async () => {
    const w = world();
    const a = candidate(w, "a");
    const b = candidate(w, "b");
    await a.elector.start();
    await w.clock.flush();
    await b.elector.start();
    await w.clock.advance(5_000);
    await a.elector.stop();
    expect(a.signals[0]?.aborted).toBe(true);
    expect(w.store.read(lease)).toMatchObject({ holderIdentity: "", leaseDurationSeconds: 1 });
    const took = await advanceUntil(w.clock, () => b.elector.isLeader, 10_000);
    expect(took).toBeLessThanOrEqual(timings.retryPeriodMs);
    expect(w.store.read(lease)).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
    expect(w.events.slice(3)).toEqual(["a stopped", "b sees b", "b started"]);
    await b.elector.stop();
  });

  it("when the leader dies silently the standby takes over only after the lease duration", async () => {
    const w = world();
    const a = candidate(w, "a");
    const b = candidate(w, "b");
    await a.elector.start();
    await w.clock.flush();
    await b.elector.start();
    await w.clock.advance(4_000); // a's renewal at t=4000 is its last
    a.client.setPartitioned(true);
    const lastRenewal = w.clock.now();
    await w.clock.advance(timings.leaseDurationMs - 100);
    expect(b.elector.isLeader).toBe(false);
    expect(a.elector.isLeader).toBe(false); // stepped down at lastRenewal + renewDeadline
    await advanceUntil(w.clock, () => b.elector.isLeader, 10_000);
    const takeover = w.clock.now() - lastRenewal;
    expect(takeover).toBeGreaterThanOrEqual(timings.leaseDurationMs);
    expect(takeover).toBeLessThanOrEqual(timings.leaseDurationMs + 2 * timings.retryPeriodMs);
    expect(w.events).toEqual(["a sees a", "a started", "b sees a", "a stopped", "b sees b", "b started"]);
    expect(w.store.read(lease)?.leaseTransitions).toBe(1);
    await Promise.all([a.elector.stop(), b.elector.stop()]);
  });

  it("loses leadership when renewals fail for longer than renewDeadline, aborts the signal, then campaigns again", async () => {
    const w = world();
    const a = candidate(w, "a");
    await a.elector.start();
    await w.clock.flush();
    await w.clock.advance(2_000);
    a.client.setPartitioned(true);
    await w.clock.advance(timings.renewDeadlineMs - 100);
    expect(a.elector.isLeader).toBe(true);
    expect(a.signals[0]?.aborted).toBe(false);
    await w.clock.advance(100);
    expect(a.elector.isLeader).toBe(false);
    expect(a.signals[0]?.aborted).toBe(true);
    expect(w.events).toEqual(["a sees a", "a started", "a stopped"]);
    a.client.setPartitioned(false);
    await advanceUntil(w.clock, () => a.elector.isLeader, 5_000);
    expect(a.signals[1]?.aborted).toBe(false);
    await a.elector.stop();
  });

  it("rides out transient renewal failures and 409 conflicts shorter than renewDeadline", async () => {
    const w = world();
    const a = candidate(w, "a");
    await a.elector.start();
    await w.clock.flush();
    a.client.failNext(new KubeError("Conflict", "HTTP 409", { status: 409 }), { op: "replace" });
    a.client.failNext(new KubeError("ApiError", "HTTP 503", { status: 503 }), { op: "get", times: 2 });
    await w.clock.advance(30_000); // renewals fail at 2 s, 4 s, 6 s and succeed at 8 s, inside the 10 s deadline
    expect(a.elector.isLeader).toBe(true);
    expect(w.events).toEqual(["a sees a", "a started"]);
    await a.elector.stop();
  });

  it("candidates racing to create the lease elect exactly one leader (the other gets 409)", async () => {
    const w = world();
    const candidates = ["a", "b", "c"].map((id) => candidate(w, id));
    await Promise.all(candidates.map((c) => c.elector.start()));
    await w.clock.advance(20_000);
    expect(candidates.filter((c) => c.elector.isLeader)).toHaveLength(1);
    expect(candidates.reduce((n, c) => n + c.client.calls.create, 0)).toBeGreaterThanOrEqual(2);
    expect(new Set(candidates.map((c) => c.elector.leader)).size).toBe(1);
    await Promise.all(candidates.map((c) => c.elector.stop()));
  });

  it("steps down at once when a renewal finds another holder", async () => {
    const w = world();
    const a = candidate(w, "a");
    await a.elector.start();
    await w.clock.flush();
    const current = w.store.read(lease);
    if (current === undefined) throw new Error("no lease");
    w.store.write(lease, { ...current, holderIdentity: "intruder", leaseTransitions: current.leaseTransitions + 1 });
    await w.clock.advance(timings.retryPeriodMs);
    expect(a.elector.isLeader).toBe(false);
    expect(a.elector.leader).toBe("intruder");
    expect(w.events).toEqual(["a sees a", "a started", "a sees intruder", "a stopped"]);
    await a.elector.stop();
    expect(w.store.read(lease)?.holderIdentity).toBe("intruder");
  });

  it("steps down and releases when the leading work fails", async () => {
    const w = world();
    const a = candidate(w, "a", { onStartedLeading: () => Promise.reject(new Error("cannot program routes")) });
    const b = candidate(w, "b");
    await a.elector.start();
    await w.clock.flush();
    await b.elector.start();
    await advanceUntil(w.clock, () => b.elector.isLeader, timings.retryPeriodMs);
    expect(w.events).toContain("a stopped");
    await Promise.all([a.elector.stop(), b.elector.stop()]);
  });

  it("stop() while waiting writes nothing and can be called twice", async () => {
    const w = world();
    const a = candidate(w, "a");
    const b = candidate(w, "b");
    await a.elector.start();
    await w.clock.flush();
    await b.elector.start();
    await w.clock.advance(3_000);
    await b.elector.stop();
    await b.elector.stop();
    expect(b.client.calls.replace + b.client.calls.create).toBe(0);
    expect(w.store.read(lease)?.holderIdentity).toBe("a");
    await expect(b.elector.start()).rejects.toBeInstanceOf(KubeError);
    await a.elector.stop();
    expect(w.clock.pendingTimers).toBe(0);
  });

  it.each([
    ["renewDeadline >= leaseDuration", { leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }, /renewDeadlineMs \(10000\) must be less than leaseDurationMs/],
    ["retryPeriod >= renewDeadline", { renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }, /retryPeriodMs \(2000\) must be less than renewDeadlineMs/],
    ["negative retry period", { retryPeriodMs: -1 }, /retryPeriodMs must be a positive number/],
    ["sub-second lease", { leaseDurationMs: 500, renewDeadlineMs: 400, retryPeriodMs: 100 }, /at least 1000/],
    ["empty identity", { identity: "" }, /identity must not be empty/],
  ])("rejects options: %s", (_label, override, message) => {
    const w = world();
    expect(() => candidate(w, "a", override)).toThrow(message);
    try {
      candidate(w, "a", override);
    } catch (err) {
      expect(err).toBeInstanceOf(KubeError);
      expect((err as KubeError).code).toBe("InvalidOptions");
    }
  });
});
