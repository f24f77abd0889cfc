import * as grpc from "@grpc/grpc-js";
import { agentServiceDefinition, exportToWire, type BrokerApiError, type JoinResult } from "@isthmus/core/brokerapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBroker, type TestBroker } from "./testing/harness.js";
import { connectionOf, endpointOf, exportOf, exportsOf, workloadOf } from "./testing/records.js";

let tb: TestBroker;
let c1: JoinResult;
beforeAll(async () => {
  tb = await startTestBroker({ maxMessageBytes: 64 * 1024, maxExportsPerCluster: 50 });
  c1 = await tb.join("c1");
});
afterAll(async () => {
  await tb.stop({ remove: true });
});

/** Sends raw bytes as a Publish request with c1's certificate. */
function rawPublish(bytes: Buffer): Promise<grpc.ServiceError | null> {
  const creds = grpc.credentials.createSsl(Buffer.from(tb.caPem), Buffer.from(c1.keyPem), Buffer.from(c1.certPem));
  const client = new grpc.Client(tb.address, creds);
  const m = agentServiceDefinition.Publish;
  return new Promise((resolve) => {
    client.makeUnaryRequest(m.path, (b: Buffer) => b, m.responseDeserialize, bytes, (err) => {
      client.close();
      resolve(err);
    });
  });
}

async function failure(promise: Promise<unknown>): Promise<BrokerApiError> {
  try {
    await promise;
  } catch (err) {
    return err as BrokerApiError;
  }
  throw new Error("expected the call to fail");
}

describe("publish", () => {
  it("is level-based: the set replaces the previous one, with counts and one revision per change", async () => {
    const client = tb.client(c1);
    const first = await client.publish({ kind: "export", records: exportsOf("c1", 3) });
    expect(first).toMatchObject({ created: 3, updated: 0, deleted: 0 });
    const same = await client.publish({ kind: "export", records: exportsOf("c1", 3) });
    expect(same).toMatchObject({ revision: first.revision, created: 0, updated: 0, deleted: 0 });
    const changed = [exportOf("c1", "svc-0"), { ...exportOf("c1", "svc-1"), clusterIp: "10.96.0.11" }, exportOf("c1", "svc-9")];
    const second = await client.publish({ kind: "export", records: changed });
    expect(second).toMatchObject({ revision: first.revision + 1, created: 1, updated: 1, deleted: 1 });
    const snap = await tb.store.snapshot(["export"]);
    expect(snap.records.map((r) => (r.value as { name: string }).name).sort()).toEqual(["svc-0", "svc-1", "svc-9"]);
    await client.publish({ kind: "connection", records: [connectionOf("c1", "c2")] });
    expect((await tb.admin.getConnectionMatrix({})).connections).toHaveLength(1);
  });

  it("keeps workload sets level-based per namespace; another cluster's or an invalid set is refused and changes nothing", async () => {
    const client = tb.client(c1);
    const first = await client.publish({ kind: "workload", records: [workloadOf("c1", "shop"), workloadOf("c1", "blog", 3)] });
    expect(first).toMatchObject({ created: 2, updated: 0, deleted: 0 });
    const second = await client.publish({ kind: "workload", records: [workloadOf("c1", "shop", 1)] });
    expect(second).toMatchObject({ revision: first.revision + 1, created: 0, updated: 1, deleted: 1 });
    const snap = await tb.store.snapshot(["workload"]);
    expect(snap.records).toEqual([{ kind: "workload", value: workloadOf("c1", "shop", 1) }]);
    const before = tb.store.revision();
    const denied = await failure(client.publish({ kind: "workload", records: [workloadOf("c2", "shop")] }));
    expect(denied.grpcCode).toBe(grpc.status.PERMISSION_DENIED);
    const pods = workloadOf("c1", "shop").pods;
    const invalid = [
      { ...workloadOf("c1", "shop"), pods: [...pods, { name: "other", ip: pods[0]?.ip ?? "", labels: {} }] },
      { ...workloadOf("c1", "shop"), pods: [{ name: "v6", ip: "fd00::1", labels: {} }] },
    ];
    for (const record of invalid) expect((await failure(client.publish({ kind: "workload", records: [record] }))).grpcCode).toBe(grpc.status.INVALID_ARGUMENT);
    expect(tb.store.revision()).toBe(before);
  });

  it("refuses overlapping CIDRs with FAILED_PRECONDITION naming the clash", async () => {
    const a = tb.client(await tb.join("over-a"));
    const b = tb.client(await tb.join("over-b"));
    await a.publish({ kind: "cluster", spec: { podCidrs: ["10.50.0.0/16"], serviceCidrs: ["10.51.0.0/24"] } });
    const before = tb.store.revision();
    const err = await failure(b.publish({ kind: "cluster", spec: { podCidrs: ["10.50.128.0/17"], serviceCidrs: ["10.60.0.0/24"] } }));
    expect(err.grpcCode).toBe(grpc.status.FAILED_PRECONDITION);
    expect(err.message).toContain('CIDR 10.50.128.0/17 of cluster "over-b" overlaps pod CIDR 10.50.0.0/16 of cluster "over-a"');
    const svc = await failure(b.publish({ kind: "cluster", spec: { podCidrs: ["10.70.0.0/16"], serviceCidrs: ["10.51.0.0/16"] } }));
    expect(svc.message).toContain("service CIDR 10.51.0.0/24");
    expect(tb.store.revision()).toBe(before);
    await b.publish({ kind: "cluster", spec: { podCidrs: ["10.70.0.0/16"], serviceCidrs: ["10.71.0.0/24"] } });
  });

  it("answers INVALID_ARGUMENT for invalid records and changes nothing", async () => {
    const client = tb.client(c1);
    const before = tb.store.revision();
    const cases = [
      client.publish({ kind: "endpoint", records: [{ ...endpointOf("c1"), publicIp: "999.1.1.1" }] }),
      client.publish({ kind: "endpoint", records: [endpointOf("c1"), endpointOf("c1")] }),
      client.publish({ kind: "cluster", spec: { podCidrs: ["10.1.2.3/16"], serviceCidrs: ["10.2.0.0/16"] } }),
      client.publish({ kind: "cluster", spec: { podCidrs: [], serviceCidrs: ["10.2.0.0/16"] } }),
      client.publish({ kind: "export", records: [{ ...exportOf("c1", "x"), ports: [{ port: 70000, protocol: "TCP" }] }] }),
    ];
    for (const call of cases) expect((await failure(call)).grpcCode).toBe(grpc.status.INVALID_ARGUMENT);
    expect(tb.store.revision()).toBe(before);
  });

  it("holds a cluster to maxExportsPerCluster with RESOURCE_EXHAUSTED, keeping the exports it had", async () => {
    const client = tb.client(c1);
    await client.publish({ kind: "export", records: exportsOf("c1", 50) });
    const before = tb.store.revision();
    const err = await failure(client.publish({ kind: "export", records: exportsOf("c1", 51) }));
    expect(err.grpcCode).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(err.message).toMatch(/at most 50 services, got 51/);
    expect(tb.store.revision()).toBe(before);
    expect((await tb.admin.listExports({ clusterId: "c1" })).exports).toHaveLength(50);
  });

  it("answers INVALID_ARGUMENT for malformed and oversized messages and changes nothing", async () => {
    const before = tb.store.revision();
    const malformed = await rawPublish(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    expect(malformed?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(malformed?.details).toMatch(/not a valid Publish message/);
    const m = agentServiceDefinition.Publish;
    const huge = m.requestSerialize({ kind: "KIND_EXPORT", exports: exportsOf("c1", 1000).map(exportToWire) });
    expect(huge.length).toBeGreaterThan(64 * 1024);
    const oversized = await rawPublish(huge);
    expect(oversized?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(oversized?.details).toMatch(/more than the limit of 65536/);
    const mixed = await rawPublish(m.requestSerialize({ kind: "KIND_ENDPOINT", exports: [exportToWire(exportOf("c1", "x"))] }));
    expect(mixed?.code).toBe(grpc.status.INVALID_ARGUMENT);
    const unspecified = await rawPublish(m.requestSerialize({}));
    expect(unspecified?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(tb.store.revision()).toBe(before);
  });
});

describe("admin", () => {
  it("lists clusters and exports, gets a cluster, reports broker info", async () => {
    const info = await tb.admin.getBrokerInfo({});
    expect(info).toMatchObject({ store: "sqlite", revision: tb.store.revision() });
    expect(info.caFingerprintSha256).toMatch(/^[0-9a-f]{64}$/);
    const clusters = (await tb.admin.listClusters({})).clusters.map((c) => c.id);
    expect(clusters).toEqual(expect.arrayContaining(["over-a", "over-b"]));
    const exports = await tb.admin.listExports({ clusterId: "c1" });
    expect(exports.exports.length).toBeGreaterThan(0);
    const got = await tb.admin.getCluster({ id: "over-a" });
    expect(got.cluster?.podCidrs).toEqual(["10.50.0.0/16"]);
    await expect(tb.admin.getCluster({ id: "missing" })).rejects.toMatchObject({ grpcCode: grpc.status.NOT_FOUND });
  });

  it("serves /healthz, /readyz and /metrics", async () => {
    const base = `http://127.0.0.1:${tb.broker.httpPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/readyz`)).text()).toBe("ready\n");
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/isthmus_broker_publish_total\{kind="export"\} \d+/);
    expect(metrics).toMatch(/isthmus_broker_rpc_total\{method="Publish",code="3"\} \d+/);
    expect(metrics).toContain("isthmus_broker_store_duration_seconds_bucket");
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
