import { V1ObjectMeta, type KubernetesObject } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { createSilentLogger } from "../runtime/log.js";
import { createFakeClock } from "../runtime/testing/fake-clock.js";
import { KubeError } from "./errors.js";
import { createInformer, objectKey } from "./informer.js";
import { createFakeUnderlyingInformer } from "./testing/fake-informer.js";

const backoff = { baseMs: 100, maxMs: 1_000, jitter: 0 };
const node = (name: string, rv = "1"): KubernetesObject => ({ metadata: Object.assign(new V1ObjectMeta(), { name, resourceVersion: rv }) });

function setup(initial: KubernetesObject[] = []) {
  const clock = createFakeClock();
  const fake = createFakeUnderlyingInformer<KubernetesObject>(initial);
  const informer = createInformer<KubernetesObject>({
    name: "nodes",
    path: "/api/v1/nodes",
    list: () => Promise.reject(new Error("the fake does not list")),
    factory: () => fake,
    logger: createSilentLogger(),
    backoff,
    clock,
  });
  return { clock, fake, informer };
}

describe("createInformer", () => {
  it("becomes ready after the first sync and serves the cache", async () => {
    const { clock, fake, informer } = setup([node("n1")]);
    expect(informer.ready).toBe(false);
    await informer.start();
    await informer.waitForReady(undefined, 1_000);
    expect(informer.ready).toBe(true);
    expect(fake.startCalls).toBe(1);
    expect(informer.get("n1")?.metadata?.name).toBe("n1");
    expect(informer.list().map(objectKey)).toEqual(["n1"]);
    await informer.stop();
    expect(informer.ready).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it("delivers events to handlers, survives a throwing handler and unsubscribes", async () => {
    const { fake, informer } = setup();
    const seen: string[] = [];
    informer.on("add", () => {
      throw new Error("handler bug");
    });
    const off = informer.on("add", (n) => seen.push(`add ${objectKey(n)}`));
    informer.on("update", (n) => seen.push(`update ${objectKey(n)}`));
    informer.on("delete", (n) => seen.push(`delete ${objectKey(n)}`));
    await informer.start();
    fake.emit("add", node("a"));
    fake.emit("update", node("a", "2"));
    fake.emit("delete", node("a", "2"));
    off();
    fake.emit("add", node("b"));
    expect(seen).toEqual(["add a", "update a", "delete a"]);
    expect(informer.get("b")).toBeDefined();
    await informer.stop();
  });

  it("restarts with exponential backoff while the list fails, then becomes ready and resets the backoff", async () => {
    const { clock, fake, informer } = setup();
    fake.failNextStarts(new Error("connection refused"), 3);
    await informer.start();
    await clock.flush();
    expect(informer.ready).toBe(false);
    expect(fake.startCalls).toBe(1);
    await clock.advance(99);
    expect(fake.startCalls).toBe(1);
    await clock.advance(1); // 100 ms after the 1st failure
    expect(fake.startCalls).toBe(2);
    await clock.advance(199);
    expect(fake.startCalls).toBe(2);
    await clock.advance(1); // 200 ms after the 2nd failure
    expect(fake.startCalls).toBe(3);
    await clock.advance(400); // 400 ms after the 3rd: succeeds
    expect(fake.startCalls).toBe(4);
    expect(informer.ready).toBe(true);
    expect(fake.stopCalls).toBe(3);

    fake.breakWatch(new Error("watch closed with error"));
    expect(informer.ready).toBe(false);
    await clock.advance(100); // the backoff starts again at baseMs
    expect(fake.startCalls).toBe(5);
    expect(informer.ready).toBe(true);
    await informer.stop();
  });

  it("caps the backoff at maxMs and keeps at most one restart pending", async () => {
    const { clock, fake, informer } = setup();
    fake.failNextStarts(new Error("down"), 10);
    await informer.start();
    await clock.flush();
    fake.breakWatch(new Error("second error while a restart is pending"));
    expect(clock.pendingTimers).toBe(1);
    const times: number[] = [];
    while (fake.startCalls < 8) {
      const before = fake.startCalls;
      const t0 = clock.now();
      while (fake.startCalls === before) await clock.next();
      times.push(clock.now() - t0);
    }
    expect(times).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
    await informer.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it("keeps the cache while disconnected", async () => {
    const { fake, informer } = setup([node("n1")]);
    await informer.start();
    await informer.waitForReady();
    fake.breakWatch(new Error("gone"));
    expect(informer.ready).toBe(false);
    expect(informer.get("n1")).toBeDefined();
    await informer.stop();
  });

  it("waitForReady times out with NotReady and honours abort", async () => {
    const { clock, fake, informer } = setup();
    fake.failNextStarts(new Error("down"), 100);
    await informer.start();
    const waiting = informer.waitForReady(undefined, 250);
    const assertion = expect(waiting).rejects.toSatisfy((err) => err instanceof KubeError && err.code === "NotReady");
    await clock.advance(250);
    await assertion;

    const controller = new AbortController();
    const aborted = informer.waitForReady(controller.signal);
    controller.abort(new Error("shutting down"));
    await expect(aborted).rejects.toThrow("shutting down");
    await informer.stop();
  });

  it("waitForReady resolves when a later restart succeeds", async () => {
    const { clock, fake, informer } = setup();
    fake.failNextStarts(new Error("down"), 1);
    await informer.start();
    const waiting = informer.waitForReady(undefined, 10_000);
    await clock.advance(100);
    await expect(waiting).resolves.toBeUndefined();
    await informer.stop();
  });

  it("refuses a second start and bad options", async () => {
    const { informer } = setup();
    await informer.start();
    await expect(informer.start()).rejects.toBeInstanceOf(KubeError);
    await informer.stop();
    await informer.stop();
    expect(() =>
      createInformer<KubernetesObject>({ name: "x", path: "/api/v1/nodes", list: () => Promise.reject(new Error("unused")) }),
    ).toThrow(expect.objectContaining({ code: "InvalidOptions" }) as Error);
    expect(() =>
      createInformer<KubernetesObject>({
        name: "x",
        path: "/api/v1/nodes",
        list: () => Promise.reject(new Error("unused")),
        factory: () => createFakeUnderlyingInformer<KubernetesObject>(),
        backoff: { baseMs: 0, maxMs: 1, jitter: 0 },
      }),
    ).toThrow(expect.objectContaining({ code: "InvalidOptions" }) as Error);
  });
});
