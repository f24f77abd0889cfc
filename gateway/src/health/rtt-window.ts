import type { RttStats } from "@isthmus/core/model";

/** The last N probe outcomes of one peer: RTTs of answered probes and gaps for lost ones. */
export interface ProbeWindow {
  /** Records one probe: its RTT in ms, or undefined when it was lost. Oldest outcomes fall out. */
  record(rttMs: number | undefined): void;
  /** RTT statistics over the answered probes in the window; undefined when none was answered. */
  stats(): RttStats | undefined;
  /** Fraction of probes in the window that were lost, 0..1 (0 when the window is empty). */
  lossRatio(): number;
  /** Number of outcomes in the window. */
  readonly size: number;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

/** Creates a {@link ProbeWindow} keeping the last `capacity` outcomes (default 100). */
export function createProbeWindow(capacity = 100): ProbeWindow {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`Probe window capacity must be a positive integer, got ${capacity}`);
  const outcomes: (number | undefined)[] = [];
  let last: number | undefined;
  return {
    record(rttMs) {
      outcomes.push(rttMs);
      if (outcomes.length > capacity) outcomes.shift();
      if (rttMs !== undefined) last = rttMs;
    },
    stats() {
      const answered = outcomes.filter((o): o is number => o !== undefined);
      if (answered.length === 0 || last === undefined) return undefined;
      const avg = answered.reduce((a, b) => a + b, 0) / answered.length;
      const variance = answered.reduce((a, b) => a + (b - avg) ** 2, 0) / answered.length;
      const min = Math.min(...answered);
      const max = Math.max(...answered);
      // `last` may have fallen out of the window only if it is older than every answer in it,
      // which cannot happen: the newest answer is always in the window.
      return { lastMs: round(last), minMs: round(min), avgMs: round(Math.min(Math.max(avg, min), max)), maxMs: round(max), stddevMs: round(Math.sqrt(variance)) };
    },
    lossRatio() {
      return outcomes.length === 0 ? 0 : outcomes.filter((o) => o === undefined).length / outcomes.length;
    },
    get size() {
      return outcomes.length;
    },
  };
}
