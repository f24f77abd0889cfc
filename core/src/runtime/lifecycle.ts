import type { Logger } from "pino";
import { errorMessage, IsthmusError } from "../errors.js";
import { systemClock, type Clock } from "./clock.js";
import { createSilentLogger } from "./log.js";

/** Why a lifecycle operation failed. */
export type LifecycleErrorCode = "StartFailed" | "StopFailed" | "StopTimedOut" | "InvalidState";

/** A failure to start or stop components; `cause` holds the component's error (or an AggregateError). */
export class LifecycleError extends IsthmusError<LifecycleErrorCode> {}

/** A long-running part of a process (server, informer, queue) that starts and stops once. */
export interface Component {
  /** Short name used in logs and errors, e.g. "grpc-server". */
  readonly name: string;
  /**
   * Resolves when the component is ready to serve; background work continues until `stop()`.
   * Rejects if it cannot start (then it must have released what it took). `signal` aborts a
   * slow start.
   */
  start(signal?: AbortSignal): Promise<void>;
  /** Releases everything the component holds; called once, only after a successful start. */
  stop(): Promise<void>;
}

/** Options of {@link createLifecycle}. */
export interface LifecycleOptions {
  /** Where starts, stops and stop failures are logged (field `component`); default silent. */
  readonly logger?: Logger;
  /** How long one component may take to stop before it is given up on; default 10 000 ms. */
  readonly stopTimeoutMs?: number;
  /** Time source for the stop timeout; default the system clock. */
  readonly clock?: Clock;
}

/** Starts components in order and stops them in reverse. */
export interface Lifecycle {
  /**
   * Starts every component in order. If one fails (or `signal` aborts), the ones already started
   * are stopped in reverse and the call rejects: with `LifecycleError` "StartFailed" naming the
   * component, or with the abort error. Callable once.
   */
  start(signal?: AbortSignal): Promise<void>;
  /**
   * Stops the started components in reverse order, each bounded by the stop timeout; a failure is
   * logged and the rest still stop. Rejects at the end with `LifecycleError` "StopFailed" listing
   * every failure. Idempotent: later calls return the first call's promise.
   */
  stop(): Promise<void>;
}

const defaultStopTimeoutMs = 10_000;
const ignore = (): void => undefined;

/** Creates a {@link Lifecycle} over `components` (started in the given order). */
export function createLifecycle(components: readonly Component[], options: LifecycleOptions = {}): Lifecycle {
  const log = options.logger ?? createSilentLogger();
  const clock = options.clock ?? systemClock;
  const stopTimeoutMs = options.stopTimeoutMs ?? defaultStopTimeoutMs;
  const started: Component[] = [];
  let state: "new" | "starting" | "started" | "stopped" = "new";
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  const stopOne = async (component: Component): Promise<void> => {
    let timer: { cancel(): void } | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(() => {
        reject(new LifecycleError("StopTimedOut", `Component "${component.name}" did not stop within ${stopTimeoutMs} ms`));
      }, stopTimeoutMs);
    });
    try {
      await Promise.race([component.stop(), timeout]);
    } finally {
      timer?.cancel();
    }
  };

  const stopStarted = async (): Promise<Error[]> => {
    const failures: Error[] = [];
    for (const component of started.splice(0).reverse()) {
      try {
        await stopOne(component);
        log.info({ component: component.name }, "stopped");
      } catch (err) {
        log.error({ component: component.name, err }, "stop failed; stopping the remaining components");
        failures.push(new Error(`${component.name}: ${errorMessage(err)}`, { cause: err }));
      }
    }
    return failures;
  };

  const start = async (signal?: AbortSignal): Promise<void> => {
    if (state !== "new") throw new LifecycleError("InvalidState", `Cannot start a lifecycle that is ${state}`);
    state = "starting";
    for (const component of components) {
      try {
        signal?.throwIfAborted();
        await component.start(signal);
        started.push(component);
        log.info({ component: component.name }, "started");
      } catch (err) {
        log.error({ component: component.name, err }, "start failed; stopping the components already started");
        const failures = await stopStarted();
        state = "stopped";
        if (signal?.aborted === true) throw err;
        const also = failures.length > 0 ? ` (and ${failures.length} failed to stop: ${failures.map((f) => f.message).join("; ")})` : "";
        throw new LifecycleError("StartFailed", `Cannot start component "${component.name}": ${errorMessage(err)}${also}`, { cause: err });
      }
    }
    state = "started";
  };

  const stop = async (): Promise<void> => {
    // A stop during start waits for start to settle; a start failure reaches start's caller.
    if (starting !== undefined) await starting.then(ignore, ignore);
    state = "stopped";
    const failures = await stopStarted();
    if (failures.length > 0) {
      throw new LifecycleError(
        "StopFailed",
        `${failures.length} component(s) did not stop cleanly: ${failures.map((f) => f.message).join("; ")}`,
        { cause: new AggregateError(failures) },
      );
    }
  };

  return {
    start(signal?: AbortSignal): Promise<void> {
      const promise = start(signal);
      starting ??= promise;
      return promise;
    },
    stop(): Promise<void> {
      stopping ??= stop();
      return stopping;
    },
  };
}
