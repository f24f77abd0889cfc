import type { KubernetesObject } from "@kubernetes/client-node";
import { objectKey, type InformerEvent, type UnderlyingInformer } from "../informer.js";

/**
 * A stand-in for client-node's ListWatch that tests drive by hand: it behaves like ListWatch
 * at its edges (a failed list emits "error" and `start()` still resolves; a broken watch emits
 * "error" and stops) without any API server.
 */
export interface FakeUnderlyingInformer<T extends KubernetesObject> extends UnderlyingInformer<T> {
  /** How many times start() / stop() were called. */
  readonly startCalls: number;
  readonly stopCalls: number;
  /** True between a successful start() and the next error or stop(). */
  readonly watching: boolean;
  /** Makes the next `times` start() calls fail like a failed list: emit "error" with `err`, then resolve. */
  failNextStarts(err: Error, times?: number): void;
  /** Simulates a watch event: updates the cache and calls the handlers. */
  emit(event: InformerEvent, obj: T): void;
  /** Simulates a broken watch: stops watching and emits "error" with `err`. */
  breakWatch(err: Error): void;
}

/** Creates a {@link FakeUnderlyingInformer}, optionally seeded with objects already "listed". */
export function createFakeUnderlyingInformer<T extends KubernetesObject>(initial: readonly T[] = []): FakeUnderlyingInformer<T> {
  const cache = new Map<string, T>(initial.map((obj) => [objectKey(obj), obj]));
  const callbacks = new Map<string, Set<(arg: never) => void>>();
  const pendingFailures: Error[] = [];
  let startCalls = 0;
  let stopCalls = 0;
  let watching = false;

  const fire = (verb: string, arg: unknown): void => {
    for (const cb of callbacks.get(verb) ?? []) (cb as (value: unknown) => void)(arg);
  };

  return {
    get startCalls() {
      return startCalls;
    },
    get stopCalls() {
      return stopCalls;
    },
    get watching() {
      return watching;
    },
    on(verb: string, fn: (obj: T) => void) {
      const set = callbacks.get(verb) ?? new Set();
      set.add(fn);
      callbacks.set(verb, set);
    },
    off(verb: string, fn: (obj: T) => void) {
      callbacks.get(verb)?.delete(fn);
    },
    async start() {
      startCalls += 1;
      await Promise.resolve();
      const failure = pendingFailures.shift();
      if (failure !== undefined) {
        fire("error", failure);
        return;
      }
      watching = true;
    },
    async stop() {
      stopCalls += 1;
      watching = false;
      await Promise.resolve();
    },
    get(name: string, namespace?: string) {
      return cache.get(namespace === undefined || namespace === "" ? name : `${namespace}/${name}`);
    },
    list(namespace?: string) {
      return [...cache.values()].filter((obj) => namespace === undefined || obj.metadata?.namespace === namespace);
    },
    failNextStarts(err, times = 1) {
      for (let i = 0; i < times; i++) pendingFailures.push(err);
    },
    emit(event, obj) {
      if (event === "delete") {
        cache.delete(objectKey(obj));
      } else {
        cache.set(objectKey(obj), obj);
      }
      fire(event, obj);
    },
    breakWatch(err) {
      watching = false;
      fire("error", err);
    },
  };
}
