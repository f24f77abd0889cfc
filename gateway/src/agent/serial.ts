import type { Logger } from "@isthmus/core/runtime";

/** Runs a level-based reconcile one at a time: triggers during a run coalesce into one more run. */
export interface SerialRunner {
  /** Asks for a run; returns at once. */
  trigger(): void;
  /** No more runs after the current one. */
  stop(): void;
}

/** Creates a {@link SerialRunner}; a failed run is logged at warn and retried after `retryMs`. */
export function createSerialRunner(run: () => Promise<void>, options: { logger: Logger; retryMs: number; what: string }): SerialRunner {
  const state: { running: boolean; again: boolean; stopped: boolean } = { running: false, again: false, stopped: false };
  const repeat = (): boolean => state.again && !state.stopped;
  let retry: NodeJS.Timeout | undefined;
  const loop = async (): Promise<void> => {
    state.running = true;
    do {
      state.again = false;
      try {
        await run();
      } catch (err) {
        options.logger.warn({ err, retryInMs: options.retryMs }, `${options.what} failed; retrying`);
        clearTimeout(retry);
        retry = setTimeout(trigger, options.retryMs);
      }
    } while (repeat());
    state.running = false;
  };
  function trigger(): void {
    if (state.stopped) return;
    if (state.running) state.again = true;
    else void loop();
  }
  return {
    trigger,
    stop() {
      state.stopped = true;
      clearTimeout(retry);
    },
  };
}
