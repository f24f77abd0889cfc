/** A scheduled callback that can be cancelled; cancelling twice or after it fired is a no-op. */
export interface Timer {
  /** Prevents the callback from running if it has not run yet. Idempotent. */
  cancel(): void;
}

/**
 * Time as the runtime toolkit sees it, injectable so that timing logic (backoff, resync,
 * timeouts) is tested with a fake clock instead of sleeps.
 */
export interface Clock {
  /** Milliseconds since an arbitrary origin; never decreases. */
  now(): number;
  /** Runs `callback` once after `ms` milliseconds (0 if negative). */
  setTimeout(callback: () => void, ms: number): Timer;
}

/** The real clock: `performance.now()` and Node timers. */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  setTimeout(callback: () => void, ms: number): Timer {
    const handle = setTimeout(callback, Math.max(0, ms));
    return { cancel: () => { clearTimeout(handle); } };
  },
});
