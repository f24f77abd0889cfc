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

/** An interruptible pause on a {@link Clock}. */
export interface Sleeper {
  /** Resolves after `ms`, or earlier on interrupt() or wake(); at once after wake(). */
  sleep(ms: number): Promise<void>;
  /** Ends the sleeps in progress only (later ones run normally). */
  interrupt(): void;
  /** Ends the current sleep and every later one: used on shutdown. Idempotent. */
  wake(): void;
}

/** Creates a {@link Sleeper} on `clock`. */
export function createSleeper(clock: Clock): Sleeper {
  let woken = false;
  const pending = new Set<() => void>();
  return {
    sleep(ms) {
      if (woken) {
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const done = (): void => {
          pending.delete(done);
          timer.cancel();
          resolve();
        };
        const timer = clock.setTimeout(done, ms);
        pending.add(done);
      });
    },
    interrupt() {
      for (const done of [...pending]) done();
    },
    wake() {
      woken = true;
      for (const done of [...pending]) done();
    },
  };
}

/** Resolves with `promise`'s value, or rejects with `onTimeout()` after `ms` on `clock` (the promise keeps running). */
export function withTimeout<T>(promise: Promise<T>, options: { clock: Clock; ms: number; onTimeout: () => Error }): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = options.clock.setTimeout(() => {
      reject(options.onTimeout());
    }, options.ms);
    promise.then(
      (value) => {
        timer.cancel();
        resolve(value);
      },
      (err: unknown) => {
        timer.cancel();
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
