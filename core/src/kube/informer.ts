/*
 * Design notes. client-node's informer (ListWatch) lists, then watches from the list's
 * resourceVersion; when the server closes a watch normally it re-watches by itself, and on a
 * 410 Gone it relists. But when a list or watch *fails* it only emits "error" and stops for
 * good. This wrapper turns that into a component that heals:
 *
 * - `start()` launches the first attempt and returns; an attempt is `underlying.start()`.
 * - Ready = the last attempt completed (list + watch established) with no error since. Ready
 *   starts false, becomes true after the first successful attempt, and flips back to false on
 *   every error, i.e. while the watch is disconnected; the cache keeps its last contents then
 *   (consumers may still read it, knowing it can be stale).
 * - On error: stop the underlying informer and start it again after an exponential backoff
 *   (`runtime/backoff`); the failure count resets when an attempt becomes ready. A restart
 *   reuses the same underlying informer, so its cache and resourceVersion survive: a resumed
 *   watch emits only real changes, and a relist emits deletes for objects that vanished.
 */
import { makeInformer, type Informer, type KubeConfig, type KubernetesObject, type ListPromise, type ObjectCache } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { errorMessage } from "../errors.js";
import { backoffDelay, checkBackoff, type Backoff } from "../runtime/backoff.js";
import { systemClock, type Clock, type Timer } from "../runtime/clock.js";
import { createSilentLogger } from "../runtime/log.js";
import { KubeError } from "./errors.js";
import { waitForCondition } from "./wait.js";

/** What the wrapper needs from client-node's informer (its ListWatch implements it). */
export type UnderlyingInformer<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

/** Makes the underlying informer; the default calls client-node's `makeInformer`. */
export type UnderlyingInformerFactory<T extends KubernetesObject> = (options: {
  readonly path: string;
  readonly list: ListPromise<T>;
  readonly labelSelector: string | undefined;
}) => UnderlyingInformer<T>;

/** The object events an informer delivers. */
export type InformerEvent = "add" | "update" | "delete";

/** Options of {@link createInformer}. */
export interface InformerOptions<T extends KubernetesObject> {
  /** Name in logs and errors, e.g. "nodes". */
  readonly name: string;
  /** The watch path, e.g. "/api/v1/nodes". */
  readonly path: string;
  /** Lists the objects (the same resource as `path`), e.g. `() => core.listNode()`. */
  readonly list: ListPromise<T>;
  /** Optional label selector for list and watch. */
  readonly labelSelector?: string;
  /** The configuration the default factory watches with; required unless `factory` is given. */
  readonly kubeConfig?: KubeConfig;
  /** Makes the underlying informer (tests inject a fake). */
  readonly factory?: UnderlyingInformerFactory<T>;
  /** Logger (child with `component: "informer"`, `informer: name` is made); default silent. */
  readonly logger?: Logger;
  /** Restart delays; default 500 ms doubling to 30 s with 20 % jitter. */
  readonly backoff?: Backoff;
  /** Time source for backoff and waits; default the system clock. */
  readonly clock?: Clock;
  /** Random source for backoff jitter; default Math.random. */
  readonly random?: () => number;
}

/** A self-healing informer: a cache of one resource kept current by list + watch. */
export interface ManagedInformer<T extends KubernetesObject> {
  /** Name given in the options. */
  readonly name: string;
  /** True after a successful sync and while no error has happened since (see design notes). */
  readonly ready: boolean;
  /** Launches the first list + watch and returns at once; use waitForReady to wait for the sync. Callable once. */
  start(signal?: AbortSignal): Promise<void>;
  /** Stops watching and cancels pending restarts; idempotent. The cache stays readable. */
  stop(): Promise<void>;
  /**
   * Resolves when ready; rejects with KubeError "NotReady" after `timeoutMs` (if given), or with
   * `signal`'s reason when it aborts.
   */
  waitForReady(signal?: AbortSignal, timeoutMs?: number): Promise<void>;
  /** Every cached object (optionally of one namespace). May be stale or partial when not ready. */
  list(namespace?: string): readonly T[];
  /** The cached object with key "namespace/name" (or "name" for cluster-scoped objects). */
  get(key: string): T | undefined;
  /**
   * Calls `handler` for each object event, in order, including those from the initial list.
   * A throwing handler is logged at error and does not stop delivery. Returns an unsubscribe.
   */
  on(event: InformerEvent, handler: (obj: T) => void): () => void;
}

const defaultBackoff: Backoff = Object.freeze({ baseMs: 500, maxMs: 30_000, jitter: 0.2 });

/** The cache key of `obj`: "namespace/name", or "name" when it has no namespace. */
export function objectKey(obj: KubernetesObject): string {
  const name = obj.metadata?.name ?? "";
  const namespace = obj.metadata?.namespace;
  return namespace === undefined || namespace === "" ? name : `${namespace}/${name}`;
}

/** Creates a {@link ManagedInformer}; throws KubeError "InvalidOptions" for unusable options. */
export function createInformer<T extends KubernetesObject>(options: InformerOptions<T>): ManagedInformer<T> {
  const backoff = options.backoff ?? defaultBackoff;
  try {
    checkBackoff(backoff);
  } catch (err) {
    throw new KubeError("InvalidOptions", `Informer ${options.name}: ${errorMessage(err)}`, { cause: err });
  }
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const log = (options.logger ?? createSilentLogger()).child({ component: "informer", informer: options.name });
  const underlying = makeUnderlying(options);
  const handlers = new Map<InformerEvent, Set<(obj: T) => void>>([["add", new Set()], ["update", new Set()], ["delete", new Set()]]);
  const changeListeners = new Set<() => void>();

  let state: "new" | "running" | "stopped" = "new";
  let ready = false;
  let failures = 0;
  let errorsSeen = 0;
  let restartTimer: Timer | undefined;

  const setReady = (value: boolean): void => {
    if (ready !== value) {
      ready = value;
      log.info({ ready }, value ? "informer synced" : "informer disconnected");
      for (const listener of changeListeners) listener();
    }
  };

  const attempt = async (): Promise<void> => {
    const errorsBefore = errorsSeen;
    try {
      await underlying.start();
    } catch (err) {
      onError(err);
      return;
    }
    if (state === "running" && errorsSeen === errorsBefore) {
      failures = 0;
      setReady(true);
    }
  };

  const onError = (err: unknown): void => {
    errorsSeen += 1;
    if (state !== "running") {
      return;
    }
    setReady(false);
    if (restartTimer !== undefined) {
      return;
    }
    failures += 1;
    const delayMs = backoffDelay(failures, backoff, random);
    log.warn({ err, failures, delayMs }, "informer list/watch failed; restarting after backoff");
    restartTimer = clock.setTimeout(() => {
      restartTimer = undefined;
      void underlying.stop().then(attempt, onError);
    }, delayMs);
  };

  underlying.on("error", onError);
  for (const [event, set] of handlers) {
    underlying.on(event, (obj: T) => {
      for (const handler of set) {
        try {
          handler(obj);
        } catch (err) {
          log.error({ err, event, key: objectKey(obj) }, "informer event handler threw; continuing with the next handler");
        }
      }
    });
  }

  return {
    name: options.name,
    get ready() {
      return ready;
    },
    start(signal) {
      if (state !== "new") {
        return Promise.reject(new KubeError("InvalidOptions", `Informer ${options.name} was already started`));
      }
      signal?.throwIfAborted();
      state = "running";
      void attempt();
      return Promise.resolve();
    },
    async stop() {
      if (state === "stopped") {
        return;
      }
      state = "stopped";
      restartTimer?.cancel();
      restartTimer = undefined;
      setReady(false);
      await underlying.stop();
    },
    waitForReady(signal, timeoutMs) {
      return waitForCondition(() => ready, {
        subscribe: (listener) => {
          changeListeners.add(listener);
          return () => changeListeners.delete(listener);
        },
        clock,
        ...(signal === undefined ? {} : { signal }),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        onTimeout: () => new KubeError("NotReady", `Informer ${options.name} did not sync within ${timeoutMs ?? 0} ms`),
      });
    },
    list(namespace) {
      return underlying.list(namespace);
    },
    get(key) {
      const slash = key.indexOf("/");
      return slash === -1 ? underlying.get(key) : underlying.get(key.slice(slash + 1), key.slice(0, slash));
    },
    on(event, handler) {
      const set = handlers.get(event);
      set?.add(handler);
      return () => set?.delete(handler);
    },
  };
}

function makeUnderlying<T extends KubernetesObject>(options: InformerOptions<T>): UnderlyingInformer<T> {
  const args = { path: options.path, list: options.list, labelSelector: options.labelSelector };
  if (options.factory !== undefined) {
    return options.factory(args);
  }
  if (options.kubeConfig === undefined) {
    throw new KubeError("InvalidOptions", `Informer ${options.name}: give either kubeConfig or factory`);
  }
  return makeInformer(options.kubeConfig, args.path, args.list, args.labelSelector) as UnderlyingInformer<T>;
}
