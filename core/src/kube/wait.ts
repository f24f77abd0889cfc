import type { Clock } from "../runtime/clock.js";

/** Options of {@link waitForCondition}. */
export interface WaitOptions {
  /** Registers a listener called whenever the condition may have changed; returns an unsubscribe. */
  readonly subscribe: (listener: () => void) => () => void;
  /** Time source for the timeout. */
  readonly clock: Clock;
  /** Aborts the wait (rejects with the signal's reason). */
  readonly signal?: AbortSignal;
  /** Gives up after this many ms; no timeout when unset. */
  readonly timeoutMs?: number;
  /** The error to reject with on timeout. */
  readonly onTimeout: () => Error;
}

/** Resolves once `condition()` is true (checked now and on every notification), else rejects on timeout or abort. */
export function waitForCondition(condition: () => boolean, options: WaitOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    if (condition()) {
      resolve();
      return;
    }
    const finish = (err?: Error): void => {
      unsubscribe();
      timer?.cancel();
      signal?.removeEventListener("abort", onAbort);
      if (err === undefined) {
        resolve();
      } else {
        reject(err);
      }
    };
    const onAbort = (): void => {
      finish(signal?.reason as Error);
    };
    const unsubscribe = options.subscribe(() => {
      if (condition()) finish();
    });
    const timer = options.timeoutMs === undefined ? undefined : options.clock.setTimeout(() => { finish(options.onTimeout()); }, options.timeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
