import type { V1EndpointSlice } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { InformerEvent, ManagedInformer } from "@isthmus/core/kube";
import { createLazyInformer } from "./lazy-informer.js";

/** A fake informer that records its lifecycle; `emit` delivers an event to its handlers. */
function fakeInformer(objects: V1EndpointSlice[]): ManagedInformer<V1EndpointSlice> & { started: number; stopped: number; emit: (e: InformerEvent, o: V1EndpointSlice) => void } {
  const handlers: { event: InformerEvent; handler: (o: V1EndpointSlice) => void }[] = [];
  const fake = {
    name: "endpointslices",
    started: 0,
    stopped: 0,
    get ready() {
      return fake.started > 0 && fake.stopped === 0;
    },
    start() {
      fake.started += 1;
      return Promise.resolve();
    },
    stop() {
      fake.stopped += 1;
      return Promise.resolve();
    },
    waitForReady: () => Promise.resolve(),
    list: () => objects,
    get: () => undefined,
    on(event: InformerEvent, handler: (o: V1EndpointSlice) => void) {
      handlers.push({ event, handler });
      return () => undefined;
    },
    emit(event: InformerEvent, obj: V1EndpointSlice) {
      for (const h of handlers) if (h.event === event) h.handler(obj);
    },
  };
  return fake;
}

const slice: V1EndpointSlice = { addressType: "IPv4", endpoints: [], metadata: { name: "echo-abc", namespace: "demo" } };

describe("createLazyInformer", () => {
  it("starts nothing until needed, then one informer with the handlers, however often it is needed", async () => {
    const made: ReturnType<typeof fakeInformer>[] = [];
    const seen: string[] = [];
    const lazy = createLazyInformer<V1EndpointSlice>({
      create: () => {
        const f = fakeInformer([slice]);
        made.push(f);
        return f;
      },
      handlers: { add: (o) => seen.push(`add ${o.metadata?.name ?? ""}`) },
      onReady: () => seen.push("ready"),
    });
    expect(lazy.running).toBe(false);
    expect(lazy.ready).toBe(false);
    expect(lazy.list()).toEqual([]);
    await lazy.need(false);
    expect(made).toHaveLength(0);

    await Promise.all([lazy.need(true), lazy.need(true)]);
    await lazy.need(true);
    expect(made).toHaveLength(1);
    expect(made[0]?.started).toBe(1);
    expect(lazy.running).toBe(true);
    expect(lazy.ready).toBe(true);
    expect(lazy.list()).toEqual([slice]);
    made[0]?.emit("add", slice);
    made[0]?.emit("update", slice);
    expect(seen).toEqual(["ready", "add echo-abc"]);
  });

  it("stops the informer when no longer needed and makes a fresh one on the next need", async () => {
    const made: ReturnType<typeof fakeInformer>[] = [];
    const lazy = createLazyInformer<V1EndpointSlice>({
      create: () => {
        const f = fakeInformer([slice]);
        made.push(f);
        return f;
      },
      handlers: {},
    });
    await lazy.need(true);
    await lazy.need(false);
    expect(made[0]?.stopped).toBe(1);
    expect(lazy.running).toBe(false);
    expect(lazy.list()).toEqual([]);

    // A need that flips quickly ends as the last call says, with one informer at most running.
    await Promise.all([lazy.need(true), lazy.need(false), lazy.need(true)]);
    expect(made).toHaveLength(3);
    expect(made.filter((f) => f.started > f.stopped)).toHaveLength(1);
    expect(lazy.running).toBe(true);
    await lazy.stop();
    await lazy.stop();
    expect(made.every((f) => f.stopped === 1)).toBe(true);
  });
});
