// Two broker replicas on a 3-member etcd under member faults (issue #22), over the real gRPC
// API: one member down changes nothing; two down (quorum lost) refuse writes on both replicas
// with UNAVAILABLE saying so, while reads are still served; with the members back, writes resume,
// both replicas converge, and every write that was acknowledged is in the store.
import * as grpc from "@grpc/grpc-js";
import type { BrokerApiError, BrokerClient } from "@isthmus/core/brokerapi";
import { createSilentLogger } from "@isthmus/core/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEtcdStore } from "./store/etcd.js";
import { startEtcdCluster, type EtcdCluster } from "./testing/etcd-cluster.js";
import { startTestBroker, type TestBroker } from "./testing/harness.js";
import { exportsOf, specOf } from "./testing/records.js";

let etcd: EtcdCluster;
let tb: TestBroker;
let tb2: TestBroker;
let member: BrokerClient;
let member2: BrokerClient;

beforeAll(async () => {
  etcd = await startEtcdCluster(3);
  const store = () => createEtcdStore({ endpoints: etcd.endpoints, prefix: "/quorum/", logger: createSilentLogger() });
  tb = await startTestBroker({ store: "etcd" }, undefined, store);
  tb2 = await startTestBroker({ store: "etcd" }, undefined, store);
  const creds = await tb.join("q");
  member = tb.client(creds);
  member2 = tb2.client(creds);
  await member.publish({ kind: "cluster", spec: specOf(1) });
}, 60_000);

afterAll(async () => {
  await tb.stop({ remove: true });
  await tb2.stop({ remove: true });
  await etcd.close();
});

describe("the broker on etcd under member faults", () => {
  it("keeps serving with one member down, refuses writes on both replicas without quorum while still answering reads, converges and keeps every acknowledged write", async () => {
    const acknowledged: number[] = [];
    const publish = async (n: number) => (await member.publish({ kind: "export", records: exportsOf("q", 2, n) }, { timeoutMs: 20_000 })).revision;
    acknowledged.push(await publish(0));

    const names = (n: number): string[] => exportsOf("q", 2, n).map((e) => e.name).sort();
    const listed = async (b: TestBroker): Promise<string[]> => (await b.admin.listExports({})).exports.map((e) => e.name).sort();

    await etcd.kill(2);
    acknowledged.push(await publish(1));
    expect(await listed(tb)).toEqual(names(1));
    await expect.poll(() => listed(tb2), { timeout: 10_000, interval: 100 }).toEqual(names(1));

    await etcd.kill(1);
    const refused = await member.publish({ kind: "export", records: exportsOf("q", 2, 2) }, { timeoutMs: 20_000 }).catch((e: unknown) => e as BrokerApiError);
    expect(refused).toMatchObject({ grpcCode: grpc.status.UNAVAILABLE });
    expect((refused as Error).message).toMatch(/no quorum.*writes are refused.*reads from its cache, which may be stale/);
    const refused2 = await member2.publish({ kind: "export", records: exportsOf("q", 2, 2) }, { timeoutMs: 20_000 }).catch((e: unknown) => e as BrokerApiError);
    expect(refused2).toMatchObject({ grpcCode: grpc.status.UNAVAILABLE });
    // Reads are answered from each replica's cache: the last acknowledged state.
    expect(await listed(tb)).toEqual(names(1));
    expect(await listed(tb2)).toEqual(names(1));

    await etcd.restart(1);
    await etcd.restart(2);
    let last = 0;
    await expect
      .poll(async () => {
        last = await publish(3).catch(() => 0);
        return last;
      }, { timeout: 30_000, interval: 500 })
      .toBeGreaterThan(0);
    acknowledged.push(last);
    // Revisions only grow, and the store holds the last acknowledged write.
    expect([...acknowledged].sort((a, b) => a - b)).toEqual(acknowledged);
    expect(tb.store.revision()).toBe(last);
    expect(await listed(tb)).toEqual(names(3));
    // The other replica converges on the same revision and records, and takes writes again.
    await expect.poll(() => tb2.store.revision(), { timeout: 30_000, interval: 100 }).toBe(last);
    expect(await listed(tb2)).toEqual(names(3));
    // Its etcd client may still hold its circuit breaker open for the members it saw fail: the
    // write goes through once the breaker lets it try again.
    let viaSecond = 0;
    await expect
      .poll(async () => {
        viaSecond = (await member2.publish({ kind: "export", records: exportsOf("q", 2, 4) }, { timeoutMs: 20_000 }).catch(() => ({ revision: 0 }))).revision;
        return viaSecond;
      }, { timeout: 30_000, interval: 500 })
      .toBeGreaterThan(last);
    await expect.poll(() => listed(tb), { timeout: 10_000, interval: 100 }).toEqual(names(4));
  }, 120_000);
});
