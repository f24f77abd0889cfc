import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSilentLogger } from "./log.js";
import { createReconcileQueue } from "./queue.js";
import { createFakeClock } from "./testing/fake-clock.js";

type Op =
  | { readonly type: "add"; readonly key: string }
  | { readonly type: "finish"; readonly pick: number; readonly ok: boolean }
  | { readonly type: "advance"; readonly ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant("add" as const), key: fc.constantFrom("a", "b", "c", "d") }),
  fc.record({ type: fc.constant("finish" as const), pick: fc.nat(), ok: fc.boolean() }),
  fc.record({ type: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 1_500 }) }),
);

interface Call {
  readonly key: string;
  settle(ok: boolean): void;
}

/**
 * Whatever the interleaving of adds, completions, failures and time: a key never runs twice at
 * once, at most `concurrency` run, and every add is followed by a run that started after it
 * (no event is lost), once everything is allowed to succeed.
 */
describe("reconcile queue invariants", () => {
  it("holds for random interleavings", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 3 }), async (ops, concurrency) => {
        const clock = createFakeClock();
        let seq = 0;
        let autoSucceed = false;
        const open: Call[] = [];
        const lastAdd = new Map<string, number>();
        const lastStart = new Map<string, number>();
        let violations = 0;
        const queue = createReconcileQueue<string>({
          concurrency,
          clock,
          logger: createSilentLogger(),
          backoff: { baseMs: 100, maxMs: 1_000, jitter: 0.5 },
          reconcile: (key) => {
            if (open.some((c) => c.key === key) || open.length >= concurrency) violations++;
            lastStart.set(key, ++seq);
            if (autoSucceed) return Promise.resolve();
            return new Promise<void>((resolve, reject) => {
              const call: Call = {
                key,
                settle: (ok) => {
                  open.splice(open.indexOf(call), 1);
                  if (ok) resolve();
                  else reject(new Error(`${key} failed`));
                },
              };
              open.push(call);
            });
          },
        });
        await queue.start();
        for (const o of ops) {
          if (o.type === "add") {
            lastAdd.set(o.key, ++seq);
            queue.add(o.key);
          } else if (o.type === "finish") {
            open[o.pick % Math.max(open.length, 1)]?.settle(o.ok);
          } else {
            await clock.advance(o.ms);
          }
          await clock.flush();
        }
        autoSucceed = true;
        for (const call of [...open]) call.settle(true);
        await clock.advance(2_000);
        await queue.idle();
        expect(violations).toBe(0);
        for (const [key, added] of lastAdd) expect(lastStart.get(key) ?? 0).toBeGreaterThan(added);
        expect(clock.pendingTimers).toBe(0);
        await queue.stop();
      }),
      { numRuns: 150 },
    );
  });
});
