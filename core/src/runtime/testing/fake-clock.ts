import { setImmediate as flushMacrotask } from "node:timers/promises";
import type { Clock, Timer } from "../clock.js";

/** A {@link Clock} whose time moves only when a test advances it. */
export interface FakeClock extends Clock {
  /** Number of timers scheduled and not yet fired or cancelled. */
  readonly pendingTimers: number;
  /**
   * Moves time forward by `ms`, firing every timer that falls due in order of due time; after
   * each one (and once at the end) lets pending promise callbacks run, so work started by a
   * timer settles before the next fires.
   */
  advance(ms: number): Promise<void>;
  /** Advances exactly to the earliest pending timer and fires it; false when none is pending. */
  next(): Promise<boolean>;
  /** Lets pending promise callbacks run without moving time. */
  flush(): Promise<void>;
}

interface Entry {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
}

/** Creates a {@link FakeClock} starting at `start` (default 0). */
export function createFakeClock(start = 0): FakeClock {
  let now = start;
  let nextId = 0;
  const entries = new Map<number, Entry>();

  const earliest = (): Entry | undefined => {
    let best: Entry | undefined;
    for (const e of entries.values()) {
      if (best === undefined || e.due < best.due || (e.due === best.due && e.id < best.id)) best = e;
    }
    return best;
  };
  const flush = async (): Promise<void> => {
    // A few macrotask turns let chains of awaits (reconcile → finally → pump) settle.
    for (let i = 0; i < 5; i++) await flushMacrotask();
  };
  const fire = async (entry: Entry): Promise<void> => {
    entries.delete(entry.id);
    now = Math.max(now, entry.due);
    entry.callback();
    await flush();
  };

  return {
    now: () => now,
    setTimeout(callback: () => void, ms: number): Timer {
      const entry = { id: nextId++, due: now + Math.max(0, ms), callback };
      entries.set(entry.id, entry);
      return { cancel: () => { entries.delete(entry.id); } };
    },
    get pendingTimers() {
      return entries.size;
    },
    async advance(ms: number): Promise<void> {
      const target = now + ms;
      for (let e = earliest(); e !== undefined && e.due <= target; e = earliest()) await fire(e);
      now = target;
      await flush();
    },
    async next(): Promise<boolean> {
      const e = earliest();
      if (e === undefined) return false;
      await fire(e);
      return true;
    },
    flush,
  };
}
