// The broker on a 3-member etcd under member faults (issue #22), over the real gRPC API: one
// member down changes nothing; two down (quorum lost) refuse writes with UNAVAILABLE saying so,
// while reads are still served; with the members back, writes resume and every write that was
// acknowledged is in the store.
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
let member: BrokerClient;

beforeAll(async () => {
  etcd = await startEtcdCluster(3);
  tb = await startTestBroker({ store: "etcd" }, undefined, () => createEtcdStore({ endpoints: etcd.endpoints, prefix: "/quorum/", logger: createSilentLogger() }));
  member = tb.client(await tb.join("q"));
  await member.publish({ kind: "cluster", spec: specOf(1) });
}, 60_000);

afterAll(async () => {
  await tb.stop({ remove: true });
  await etcd.close();
});

describe("the broker on etcd under member faults", () => {
  it("keeps serving with one member down, refuses writes without quorum while still answering reads, and keeps every acknowledged write", async () => {
    const acknowledged: number[] = [];
    const publish = async (n: number) => (await member.publish({ kind: "export", records: exportsOf("q", 2, n) }, { timeoutMs: 20_000 })).revision;
    acknowledged.push(await publish(0));

    await etcd.kill(2);
    acknowledged.push(await publish(1));
    expect((await tb.admin.listExports({})).exports.map((e) => e.name).sort()).toEqual(exportsOf("q", 2, 1).map((e) => e.name).sort());

    await etcd.kill(1);
    const refused = await member.publish({ kind: "export", records: exportsOf("q", 2, 2) }, { timeoutMs: 20_000 }).catch((e: unknown) => e as BrokerApiError);
    expect(refused).toMatchObject({ grpcCode: grpc.status.UNAVAILABLE });
    expect((refused as Error).message).toMatch(/no quorum.*writes are refused.*reads from its cache, which may be stale/);
    // Reads are answered from the replica's cache: the last acknowledged state.
    expect((await tb.admin.listExports({})).exports.map((e) => e.name).sort()).toEqual(exportsOf("q", 2, 1).map((e) => e.name).sort());

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
    expect((await tb.admin.listExports({})).exports.map((e) => e.name).sort()).toEqual(exportsOf("q", 2, 3).map((e) => e.name).sort());
  }, 120_000);
});
