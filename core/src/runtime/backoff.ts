/** Retry delays of the reconcile queue: exponential, capped, with downward jitter. */
export interface Backoff {
  /** Delay after the first failure, in ms (> 0). */
  readonly baseMs: number;
  /** Largest delay, in ms (≥ baseMs). */
  readonly maxMs: number;
  /** Fraction in [0, 1] by which a delay may be shortened at random, so retries spread out. */
  readonly jitter: number;
}

/**
 * The delay before retry number `attempt` (1 after the first failure):
 * `min(maxMs, baseMs·2^(attempt−1))·(1 − jitter·random())`, rounded, so always within
 * `[capped·(1−jitter), capped]` and never above `maxMs`.
 */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 1023);
  const capped = Math.min(backoff.maxMs, backoff.baseMs * 2 ** exponent);
  return Math.round(capped * (1 - backoff.jitter * random()));
}

/** Throws a RangeError when `backoff` is not usable (a programming error, caught at construction). */
export function checkBackoff(backoff: Backoff): void {
  const { baseMs, maxMs, jitter } = backoff;
  if (!(baseMs > 0) || !(maxMs >= baseMs) || !(jitter >= 0 && jitter <= 1)) {
    throw new RangeError(
      `Invalid backoff: need baseMs > 0, maxMs ≥ baseMs and 0 ≤ jitter ≤ 1, got baseMs=${baseMs} maxMs=${maxMs} jitter=${jitter}`,
    );
  }
}

/**
 * Thrown by a reconcile to say "retrying cannot help" (e.g. an invalid spec): the queue logs it
 * and does not retry until the key is added again. Any error with `terminal === true` counts.
 */
export class TerminalReconcileError extends Error {
  /** Marks the error as not worth retrying. */
  readonly terminal = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TerminalReconcileError";
  }
}

/** True when `err` says retrying cannot help: it has `terminal === true`. */
export function isTerminalError(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { terminal?: unknown }).terminal === true;
}
