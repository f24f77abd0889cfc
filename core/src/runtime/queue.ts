/**
 * Keyed reconcile queue — design notes.
 *
 * Modelled on controller-runtime's workqueue: reconcile is level-based, so a key names *what*
 * to look at (e.g. "default/web"), never *what changed*; a reconcile reads the current state and
 * makes the world match it. Hence adding a key twice before it runs is one run (dedup), and
 * events that arrive while a key is being reconciled collapse into exactly one more run after
 * the current one (the key is marked dirty). Keys are never reconciled concurrently with
 * themselves; different keys run up to `concurrency` at once, in FIFO order.
 *
 * Each key is in at most one of three places: `ready` (FIFO, waiting for a worker), `inFlight`
 * (being reconciled, maybe also `dirty`), or `retrying` (a backoff timer is pending).
 *
 * Failures: a rejected reconcile is retried after `min(maxMs, baseMs·2^(n−1))` scaled down by
 * up to `jitter` (n = consecutive failures of that key; reset on success). A new `add(key)`
 * while a retry is pending runs the key now (a new event may be the fix) but keeps its failure
 * count; periodic resync does not cut a backoff short. An error for which `isTerminalError` is
 * true is logged at error level and not retried until the key is added again. The queue logs
 * failures itself (reconcile functions return errors, the queue reports them).
 *
 * Stop aborts the signal given to running reconciles, drops waiting keys and timers, and
 * resolves once every in-flight reconcile has settled. Time comes from an injectable clock.
 */
import type { Logger } from "pino";
import { isAbortError } from "../errors.js";
import { systemClock, type Clock, type Timer } from "./clock.js";
import { LifecycleError } from "./lifecycle.js";
import { backoffDelay, checkBackoff, isTerminalError, type Backoff } from "./backoff.js";

/** Options of {@link createReconcileQueue}. */
export interface ReconcileQueueOptions<K extends string> {
  /** Makes the world match the desired state of `key`; rejects to be retried. Must honour `signal`. */
  readonly reconcile: (key: K, signal: AbortSignal) => Promise<void>;
  /** Different keys reconciled at once; default 1. */
  readonly concurrency?: number;
  /** Retry delays after failures. */
  readonly backoff: Backoff;
  /** Every `resyncMs`, re-add every key from `listKeys` (0 or absent: no resync). */
  readonly resyncMs?: number;
  /** The keys that currently exist, for periodic resync. */
  readonly listKeys?: () => Iterable<K>;
  /** Time source; default the system clock. */
  readonly clock?: Clock;
  /**
   * Where failures are logged (fields `key`, `attempt`, `retryInMs`, `err`). Required: the log is
   * the only place a failed reconcile is reported.
   */
  readonly logger: Logger;
  /** Random source in [0, 1) for jitter; default Math.random. */
  readonly random?: () => number;
}

/** A keyed, deduplicating work queue with per-key backoff (see the design notes above). */
export interface ReconcileQueue<K extends string> {
  /** Component name, for the lifecycle. */
  readonly name: string;
  /** Keys waiting for a worker (not in flight, not waiting for a retry). */
  readonly size: number;
  /** Schedules `key`; a no-op if it is already waiting, marks it dirty if in flight; ignored after stop. */
  add(key: K): void;
  /** Starts the workers and the resync timer; resolves at once. Idempotent; throws after stop. */
  start(): Promise<void>;
  /** Aborts in-flight reconciles, drops waiting keys and resolves when they settled. Idempotent. */
  stop(): Promise<void>;
  /** Resolves when no key is waiting for a worker or in flight (pending retries do not count). */
  idle(): Promise<void>;
}

/** Creates a {@link ReconcileQueue}; keys added before `start()` run once it starts. */
export function createReconcileQueue<K extends string>(options: ReconcileQueueOptions<K>): ReconcileQueue<K> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`Reconcile queue concurrency must be a positive integer, got ${concurrency}`);
  }
  checkBackoff(options.backoff);
  const clock = options.clock ?? systemClock;
  const log = options.logger;
  const random = options.random ?? Math.random;
  const controller = new AbortController();

  let state: "new" | "running" | "stopped" = "new";
  let stopping: Promise<void> | undefined;
  let resyncTimer: Timer | undefined;
  const ready = new Set<K>();
  const inFlight = new Set<K>();
  const dirty = new Set<K>();
  const retrying = new Map<K, Timer>();
  const failures = new Map<K, number>();
  const tasks = new Set<Promise<void>>();
  let idleWaiters: (() => void)[] = [];

  const add = (key: K): void => {
    if (state === "stopped") return;
    if (inFlight.has(key)) {
      dirty.add(key);
      return;
    }
    retrying.get(key)?.cancel();
    retrying.delete(key);
    ready.add(key);
    pump();
  };

  const pump = (): void => {
    if (state !== "running") return;
    for (const key of ready) {
      if (inFlight.size >= concurrency) break;
      ready.delete(key);
      inFlight.add(key);
      const task = run(key);
      tasks.add(task);
      void task.finally(() => tasks.delete(task));
    }
  };

  const checkIdle = (): void => {
    if ((ready.size > 0 && state !== "stopped") || inFlight.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const onFailure = (key: K, err: unknown): void => {
    if (controller.signal.aborted) {
      if (!isAbortError(err)) log.warn({ key, err }, "reconcile failed while the queue stopped; not retrying");
      return;
    }
    if (isTerminalError(err)) {
      failures.delete(key);
      log.error({ key, err }, "reconcile failed with a terminal error; not retrying until the key is added again");
      return;
    }
    const attempt = (failures.get(key) ?? 0) + 1;
    failures.set(key, attempt);
    const retryInMs = backoffDelay(attempt, options.backoff, random);
    log.warn({ key, err, attempt, retryInMs }, "reconcile failed; will retry");
    retrying.set(
      key,
      clock.setTimeout(() => {
        retrying.delete(key);
        add(key);
      }, retryInMs),
    );
  };

  const run = async (key: K): Promise<void> => {
    try {
      await Promise.resolve().then(() => options.reconcile(key, controller.signal));
      failures.delete(key);
    } catch (err) {
      onFailure(key, err);
    } finally {
      inFlight.delete(key);
      if (dirty.delete(key)) add(key);
      pump();
      checkIdle();
    }
  };

  const scheduleResync = (): void => {
    const every = options.resyncMs ?? 0;
    const listKeys = options.listKeys;
    if (every <= 0 || listKeys === undefined || state !== "running") return;
    resyncTimer = clock.setTimeout(() => {
      try {
        for (const key of listKeys()) if (!retrying.has(key)) add(key);
      } catch (err) {
        log.warn({ err }, "resync could not list keys; trying again at the next resync");
      }
      scheduleResync();
    }, every);
  };

  const stop = async (): Promise<void> => {
    state = "stopped";
    resyncTimer?.cancel();
    for (const timer of retrying.values()) timer.cancel();
    retrying.clear();
    ready.clear();
    dirty.clear();
    controller.abort();
    await Promise.allSettled([...tasks]);
    checkIdle();
  };

  return {
    name: "reconcile-queue",
    get size() {
      return ready.size;
    },
    add,
    start(): Promise<void> {
      if (state === "stopped") {
        return Promise.reject(new LifecycleError("InvalidState", "Cannot start a reconcile queue that was stopped"));
      }
      if (state === "new") {
        state = "running";
        scheduleResync();
        pump();
      }
      return Promise.resolve();
    },
    stop(): Promise<void> {
      stopping ??= stop();
      return stopping;
    },
    idle(): Promise<void> {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        checkIdle();
      });
    },
  };
}
