import { setTimeout as sleep } from "node:timers/promises";
import { errorMessage } from "@isthmus/core/errors";
import { LabError } from "./errors.js";

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Give up after this long. */
  readonly timeoutMs: number;
  /** Time between attempts (default 250 ms). */
  readonly intervalMs?: number;
  /** Called on timeout to add context (e.g. a component's log tail) to the error. */
  readonly explain?: () => Promise<string>;
  /** Called before each attempt; throwing aborts the wait (e.g. the process died). */
  readonly precheck?: () => Promise<void>;
}

/**
 * Polls `probe` until it returns a value other than undefined; throws `Timeout` naming `what`,
 * the last probe error and `explain()`'s context when the deadline passes.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last = "no answer yet";
  for (;;) {
    await options.precheck?.();
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = errorMessage(err);
    }
    if (Date.now() >= deadline) {
      const context = options.explain === undefined ? "" : `; ${await options.explain()}`;
      throw new LabError("Timeout", `Timed out after ${options.timeoutMs} ms waiting for ${what} (last: ${last})${context}`);
    }
    await sleep(options.intervalMs ?? 250);
  }
}
