import * as grpc from "@grpc/grpc-js";
import { agentServiceDefinition, createBrokerClient, type BrokerClient, type JoinResult, type RecordChange, type WireWatchEventOutput, type WatchSnapshot } from "@isthmus/core/brokerapi";
import { afterEach, describe, expect, it } from "vitest";
import type { StoredChange } from "./store/store.js";
import { restartTestBroker, startTestBroker, type TestBroker } from "./testing/harness.js";
import { endpointOf, exportsOf } from "./testing/records.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function broker(overrides: Parameters<typeof startTestBroker>[0] = {}): Promise<TestBroker> {
  const tb = await startTestBroker(overrides);
  cleanups.push(() => tb.stop({ remove: true }));
  return tb;
}

function clientOf(tb: TestBroker, creds: JoinResult): BrokerClient {
  const c = createBrokerClient({ address: tb.address, caPem: creds.caPem, certPem: creds.certPem, keyPem: creds.keyPem });
  cleanups.push(() => {
    c.close();
    return Promise.resolve();
  });
  return c;
}

/** What a consumer saw, in order. */
interface Seen {
  snapshots: WatchSnapshot[];
  batches: { revision: number; changes: readonly RecordChange[] }[];
}

function record(): Seen & { onSnapshot: (s: WatchSnapshot) => void; onChanges: (b: { revision: number; changes: readonly RecordChange[] }) => void } {
  const seen: Seen = { snapshots: [], batches: [] };
  return {
    ...seen,
    onSnapshot: (s) => seen.snapshots.push(s),
    onChanges: (b) => seen.batches.push(b),
  };
}

const asComparable = (changes: readonly (RecordChange | StoredChange)[]) => changes.map((c) => ({ type: c.type, key: c.key, record: c.record }));

describe("watch", () => {
  it("resumes across a broker restart: the replayed sequence equals the store's, nothing lost or doubled", async () => {
    let tb = await startTestBroker({ heartbeatSeconds: 0.5 });
    cleanups.push(() => tb.stop({ remove: true }));
    const writer = await tb.join("writer");
    const reader = await tb.join("reader");
    const w = clientOf(tb, writer);
    const r = clientOf(tb, reader);
    const seen = record();
    let drops = 0;
    const handle = r.watch({
      ...seen,
      backoff: { baseMs: 50, maxMs: 500, jitter: 0.1 },
      onConnectionChange: (up) => {
        if (!up) drops++;
      },
    });
    await expect.poll(() => seen.snapshots.length).toBe(1);
    const start = seen.snapshots[0]?.revision ?? -1;

    for (let i = 1; i <= 20; i++) await w.publish({ kind: "export", records: exportsOf("writer", i % 7, i) });
    tb = await restartTestBroker(tb, { heartbeatSeconds: 0.5 });
    const w2 = clientOf(tb, writer);
    for (let i = 21; i <= 40; i++) await w2.publish({ kind: "export", records: exportsOf("writer", i % 7, i) });
    await w2.publish({ kind: "endpoint", records: [endpointOf("writer")] });

    const last = tb.store.revision();
    await expect.poll(() => handle.revision, { timeout: 15_000 }).toBe(last);
    const expected = await tb.store.changesSince(start);
    if (expected === "compacted") throw new Error("unexpected compaction");
    expect(drops).toBeGreaterThanOrEqual(1);
    expect(seen.snapshots).toHaveLength(1);
    expect(seen.batches.map((b) => b.revision)).toEqual(expected.map((e) => e.revision));
    expect(seen.batches.map((b) => asComparable(b.changes))).toEqual(expected.map((e) => asComparable(e.changes)));
    await handle.stop();
  });

  it("filters by kind and advances the revision through heartbeats", async () => {
    const tb = await broker({ heartbeatSeconds: 0.2 });
    const writer = clientOf(tb, await tb.join("w"));
    const seen = record();
    const handle = clientOf(tb, await tb.join("r")).watch({ ...seen, kinds: ["endpoint"] });
    await expect.poll(() => seen.snapshots.length).toBe(1);
    await writer.publish({ kind: "export", records: exportsOf("w", 3) });
    await writer.publish({ kind: "endpoint", records: [endpointOf("w")] });
    await writer.publish({ kind: "export", records: exportsOf("w", 2) });
    await expect.poll(() => handle.revision).toBe(tb.store.revision());
    expect(seen.batches.flatMap((b) => b.changes.map((c) => c.kind))).toEqual(["endpoint"]);
  });

  it("answers a compacted revision with a snapshot flagged compacted", async () => {
    const tb = await broker({ historyRevisions: 10 });
    const writer = clientOf(tb, await tb.join("w"));
    for (let i = 0; i < 100; i++) await writer.publish({ kind: "export", records: exportsOf("w", 1, i) });
    expect(tb.store.compactedRevision()).toBe(90);
    const seen = record();
    const handle = clientOf(tb, await tb.join("r")).watch({ ...seen, sinceRevision: 5 });
    await expect.poll(() => seen.snapshots.length).toBe(1);
    expect(seen.snapshots[0]).toMatchObject({ revision: 100, compacted: true, reset: false });
    expect(seen.snapshots[0]?.records).toHaveLength(1);
    const resumed = record();
    const ok = clientOf(tb, await tb.join("r2")).watch({ ...resumed, sinceRevision: 95 });
    await expect.poll(() => resumed.batches.length).toBe(5);
    expect(resumed.snapshots).toHaveLength(0);
    await handle.stop();
    await ok.stop();
  });

  it("answers a revision from the future (restored broker) with a compacted snapshot", async () => {
    const tb = await broker();
    const writer = clientOf(tb, await tb.join("w"));
    await writer.publish({ kind: "endpoint", records: [endpointOf("w")] });
    const seen = record();
    const handle = clientOf(tb, await tb.join("r")).watch({ ...seen, sinceRevision: 1_000 });
    await expect.poll(() => seen.snapshots.length).toBe(1);
    expect(seen.snapshots[0]).toMatchObject({ revision: 1, compacted: true });
    expect(handle.revision).toBe(1);
    await writer.publish({ kind: "endpoint", records: [endpointOf("w", "gw-2")] });
    await expect.poll(() => seen.batches.map((b) => b.revision)).toEqual([2]);
    await handle.stop();
  });

  it("resets a watcher that stops reading to a fresh snapshot without stalling publishers", async () => {
    const tb = await broker({ watchQueue: 10 });
    const writerCreds = await tb.join("w");
    const writer = clientOf(tb, writerCreds);
    const reader = await tb.join("slow");
    const raw = new grpc.Client(tb.address, grpc.credentials.createSsl(Buffer.from(tb.caPem), Buffer.from(reader.keyPem), Buffer.from(reader.certPem)));
    cleanups.push(() => {
      raw.close();
      return Promise.resolve();
    });
    const m = agentServiceDefinition.Watch;
    const stream = raw.makeServerStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, { kinds: [], sinceRevision: 0 });
    const events: WireWatchEventOutput[] = [];
    stream.on("data", (e: WireWatchEventOutput) => events.push(e));
    stream.on("error", () => undefined);
    await expect.poll(() => events.length).toBeGreaterThan(0);
    stream.pause();
    const started = performance.now();
    for (let i = 0; i < 60; i++) await writer.publish({ kind: "export", records: exportsOf("w", 300, i * 300) });
    const publishMs = performance.now() - started;
    stream.resume();
    await expect.poll(() => events.some((e) => e.snapshot?.reset === true), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => events.at(-1)?.changes?.revision ?? events.at(-1)?.snapshot?.revision ?? events.at(-1)?.heartbeat?.revision, { timeout: 15_000 }).toBe(tb.store.revision());
    expect(publishMs).toBeLessThan(15_000);
    stream.cancel();
  });
});
