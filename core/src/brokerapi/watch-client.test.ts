import { EventEmitter } from "node:events";
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { createFakeClock } from "../runtime/index.js";
import { recordToWire } from "./convert.js";
import type { BrokerRecord } from "./kinds.js";
import { startWatch, type WatchChangeBatch, type WatchSnapshot } from "./watch-client.js";
import type { AgentServiceClient, WireWatchEventOutput, WireWatchRequest } from "./wire.js";

/** A stand-in for the grpc client: each watch() returns a stream the test drives. */
class FakeStream extends EventEmitter {
  cancelled = false;
  paused = false;
  cancel(): void {
    this.cancelled = true;
    this.emit("error", Object.assign(new Error("cancelled"), { code: grpc.status.CANCELLED }));
  }
  pause(): this {
    this.paused = true;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
  send(event: WireWatchEventOutput): void {
    this.emit("data", event);
  }
}

function fakeClient() {
  const requests: WireWatchRequest[] = [];
  const streams: FakeStream[] = [];
  const client = {
    watch(request: WireWatchRequest) {
      requests.push(request);
      const s = new FakeStream();
      streams.push(s);
      return s;
    },
  } as unknown as AgentServiceClient;
  return { client, requests, streams };
}

const cluster = (id: string): BrokerRecord => ({
  kind: "cluster",
  value: { id, podCidrs: ["10.1.0.0/16"], serviceCidrs: ["10.2.0.0/16"], labels: {}, joinedAt: "2025-01-01T00:00:00.000Z", lastSeen: "2025-01-01T00:00:00.000Z" },
});
const snapshot = (revision: number, ids: string[], last: boolean): WireWatchEventOutput =>
  ({ snapshot: { revision, records: ids.map((id) => recordToWire(cluster(id))), last, compacted: false, reset: false } }) as unknown as WireWatchEventOutput;
const change = (revision: number, id: string): WireWatchEventOutput =>
  ({ changes: { revision, changes: [{ type: "CHANGE_TYPE_PUT", kind: "KIND_CLUSTER", key: id, record: recordToWire(cluster(id)) }] } }) as unknown as WireWatchEventOutput;
const heartbeat = (revision: number): WireWatchEventOutput => ({ heartbeat: { revision, serverTime: "" } });

/** Lets queued handler promises run. */
const settle = () => new Promise((r) => setImmediate(r));

describe("startWatch", () => {
  it("assembles snapshot chunks, applies changes in order and ignores replays", async () => {
    const { client, streams } = fakeClient();
    const snaps: WatchSnapshot[] = [];
    const batches: WatchChangeBatch[] = [];
    const clock = createFakeClock();
    const w = startWatch(() => client, { onSnapshot: (s) => void snaps.push(s), onChanges: (b) => void batches.push(b), clock });
    const s = streams[0]!;
    s.send(snapshot(5, ["a"], false));
    s.send(snapshot(5, ["b"], true));
    s.send(change(6, "c"));
    s.send(change(6, "c"));
    await settle();
    expect(snaps).toHaveLength(1);
    expect(snaps[0]?.records.map((r) => (r.value as { id: string }).id)).toEqual(["a", "b"]);
    expect(batches.map((b) => b.revision)).toEqual([6]);
    expect(w.revision).toBe(6);
    expect(w.connected).toBe(true);
    await w.stop();
  });

  it("abandons a silent stream and resumes from the last applied revision after a backoff", async () => {
    const { client, requests, streams } = fakeClient();
    const clock = createFakeClock();
    const drops: boolean[] = [];
    const w = startWatch(() => client, {
      onSnapshot: () => undefined,
      onChanges: () => undefined,
      onConnectionChange: (up) => void drops.push(up),
      clock,
      heartbeatTimeoutMs: 3_000,
      backoff: { baseMs: 100, maxMs: 100, jitter: 0 },
    });
    streams[0]!.send(snapshot(3, [], true));
    streams[0]!.send(heartbeat(7));
    await settle();
    expect(w.revision).toBe(7);
    await clock.advance(2_999);
    expect(streams[0]!.cancelled).toBe(false);
    await clock.advance(1);
    expect(streams[0]!.cancelled).toBe(true);
    expect(w.connected).toBe(false);
    expect(requests).toHaveLength(1);
    await clock.advance(100);
    expect(requests).toHaveLength(2);
    expect(requests[1]?.sinceRevision).toBe(7);
    expect(drops).toEqual([true, false]);
    await w.stop();
  });

  it("ends with a refusal instead of retrying (UNAUTHENTICATED)", async () => {
    const { client, requests, streams } = fakeClient();
    const clock = createFakeClock();
    const w = startWatch(() => client, { onSnapshot: () => undefined, onChanges: () => undefined, clock });
    streams[0]!.emit("error", Object.assign(new Error("revoked"), { code: grpc.status.UNAUTHENTICATED, details: "revoked", metadata: new grpc.Metadata() }));
    await expect(w.done).rejects.toMatchObject({ code: "Rejected", grpcCode: grpc.status.UNAUTHENTICATED });
    await clock.advance(60_000);
    expect(requests).toHaveLength(1);
  });

  it("stops when a handler throws, and reports the handler's error", async () => {
    const { client, streams } = fakeClient();
    const w = startWatch(() => client, {
      onSnapshot: () => {
        throw new Error("consumer bug");
      },
      onChanges: () => undefined,
      clock: createFakeClock(),
    });
    streams[0]!.send(snapshot(1, [], true));
    await expect(w.done).rejects.toThrow("consumer bug");
    expect(streams[0]!.cancelled).toBe(true);
  });
});
