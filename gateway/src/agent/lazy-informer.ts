// An informer that runs only while it is needed: the gateway watches EndpointSlices only in a
// cluster that holds a global block (docs/adr/0206), and a busy cluster without one should not
// pay for a cache of every slice. A managed informer starts once, so each need makes a new one;
// stopping drops its cache (what it held may be stale by the next need).
import type { KubernetesObject } from "@kubernetes/client-node";
import type { InformerEvent, ManagedInformer } from "@isthmus/core/kube";

/** A {@link ManagedInformer} started on need and stopped when no longer needed. */
export interface LazyInformer<T extends KubernetesObject> {
  /** True while an informer runs (needed). */
  readonly running: boolean;
  /** True while an informer runs and is synced. */
  readonly ready: boolean;
  /** The running informer's cache; empty while none runs. */
  list(): readonly T[];
  /** Starts an informer when `needed` and none runs, stops it when not. Idempotent; never throws for a second call. */
  need(needed: boolean): Promise<void>;
  /** Stops the running informer, if any. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link createLazyInformer}. */
export interface LazyInformerOptions<T extends KubernetesObject> {
  /** Makes a fresh (unstarted) informer for each need. */
  readonly create: () => ManagedInformer<T>;
  /** Subscribed on each informer made, before it starts. */
  readonly handlers: Partial<Record<InformerEvent, (obj: T) => void>>;
  /** Told when an informer made for a need first syncs (its objects may have sent no event). Must not throw. */
  readonly onReady?: () => void;
}

/** Creates a {@link LazyInformer}; nothing runs until the first `need(true)`. */
export function createLazyInformer<T extends KubernetesObject>(options: LazyInformerOptions<T>): LazyInformer<T> {
  let current: { informer: ManagedInformer<T>; abort: AbortController } | undefined;
  // Calls run one after another, so a need that flips quickly never leaves two informers running.
  let queue: Promise<void> = Promise.resolve();
  const serial = (step: () => Promise<void>): Promise<void> => {
    const next = queue.then(step);
    queue = next.catch(() => undefined);
    return next;
  };
  const stopCurrent = async (): Promise<void> => {
    const running = current;
    current = undefined;
    running?.abort.abort();
    await running?.informer.stop();
  };
  return {
    get running() {
      return current !== undefined;
    },
    get ready() {
      return current?.informer.ready ?? false;
    },
    list() {
      return current?.informer.list() ?? [];
    },
    need(needed) {
      return serial(async () => {
        if (!needed) {
          await stopCurrent();
          return;
        }
        if (current !== undefined) return;
        const informer = options.create();
        for (const [event, handler] of Object.entries(options.handlers) as [InformerEvent, (obj: T) => void][]) informer.on(event, handler);
        const abort = new AbortController();
        current = { informer, abort };
        await informer.start();
        // Rejects only when stopped (aborted) before it synced: nothing to tell then.
        void informer.waitForReady(abort.signal).then(() => options.onReady?.(), () => undefined);
      });
    },
    stop() {
      return serial(stopCurrent);
    },
  };
}
