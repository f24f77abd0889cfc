// Fuzzing the broker's gRPC API (issue #22), over the real server: random bytes as every
// request, and well-formed Publish requests with random contents. Whatever arrives, the broker
// answers with a deliberate status (never INTERNAL or UNKNOWN), keeps serving, and a refused
// request changes nothing in the store.
import * as grpc from "@grpc/grpc-js";
import { adminServiceDefinition, agentServiceDefinition, recordOwner, type JoinResult } from "@isthmus/core/brokerapi";
import fc from "fast-check";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBroker, type TestBroker } from "./testing/harness.js";
import { specOf } from "./testing/records.js";

let tb: TestBroker;
let member: JoinResult;
let adminPair: { certPem: string; keyPem: string };
const clients: grpc.Client[] = [];

beforeAll(async () => {
  tb = await startTestBroker();
  member = await tb.join("fz");
  await tb.client(member).publish({ kind: "cluster", spec: specOf(1) });
  adminPair = { certPem: await readFile(join(tb.dir, "admin.crt"), "utf8"), keyPem: await readFile(join(tb.dir, "admin.key"), "utf8") };
});

afterAll(async () => {
  for (const c of clients) c.close();
  await tb.stop({ remove: true });
});

const ok: number = grpc.status.OK;
const deliberate = new Set<number>([grpc.status.OK, grpc.status.INVALID_ARGUMENT, grpc.status.UNAUTHENTICATED, grpc.status.PERMISSION_DENIED, grpc.status.NOT_FOUND, grpc.status.FAILED_PRECONDITION, grpc.status.RESOURCE_EXHAUSTED]);

function clientAs(pair: { certPem: string; keyPem: string }): grpc.Client {
  const c = new grpc.Client(tb.address, grpc.credentials.createSsl(Buffer.from(tb.caPem), Buffer.from(pair.keyPem), Buffer.from(pair.certPem)));
  clients.push(c);
  return c;
}

async function dump(): Promise<string> {
  const snapshot = await tb.store.snapshot([]);
  return JSON.stringify({ revision: snapshot.revision, records: snapshot.records, tokens: await tb.store.listTokens() });
}

/** Sends `request` to `method` with `serialize`; resolves with the status code. */
function call<T>(client: grpc.Client, method: grpc.MethodDefinition<unknown, unknown>, request: T, serialize: (value: T) => Buffer): Promise<number> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(method.path, serialize, method.responseDeserialize, request, { deadline: Date.now() + 10_000 }, (err) => {
      resolve(err?.code ?? grpc.status.OK);
    });
  });
}

const unaryMethods = [
  ...Object.entries(agentServiceDefinition).filter(([name]) => name !== "Watch"),
  ...Object.entries(adminServiceDefinition),
] as [string, grpc.MethodDefinition<unknown, unknown>][];

describe("random bytes as a request", () => {
  it.each(unaryMethods.map(([name, method]) => ({ name, method })))("$name: a deliberate status, and nothing changes unless it is OK", async ({ method }) => {
    const asMember = clientAs(member);
    const asAdmin = clientAs(adminPair);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), fc.boolean(), async (bytes, admin) => {
        const before = await dump();
        const code = await call(admin ? asAdmin : asMember, method, Buffer.from(bytes), (b) => b);
        expect(deliberate.has(code), `status ${code}`).toBe(true);
        if (code !== ok) expect(await dump()).toBe(before);
      }),
      { numRuns: 60 },
    );
  });
});

describe("well-formed Publish requests with random contents", () => {
  const text = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom("", "10.1.0.1", "198.51.100.7", "fz", "c9", "wireguard", "vxlan", "active", "::1", "a".repeat(300)));
  const endpoint = fc.record({
    clusterId: fc.oneof(fc.constant("fz"), text),
    hostname: text,
    publicIp: text,
    privateIp: text,
    port: fc.integer({ min: 0, max: 0xffffffff }),
    cableDriver: text,
    healthCheckIp: text,
    behindNat: fc.boolean(),
    role: text,
  });
  const exportRecord = fc.record({
    clusterId: fc.oneof(fc.constant("fz"), text),
    namespace: text,
    name: text,
    type: text,
    ports: fc.array(fc.record({ name: text, port: fc.integer({ min: 0, max: 0xffffffff }), protocol: text }), { maxLength: 3 }),
    endpoints: fc.array(fc.record({ addresses: fc.array(text, { maxLength: 3 }), hostname: text, ready: fc.boolean() }), { maxLength: 3 }),
    createdAt: text,
  });
  const workload = fc.record({
    clusterId: fc.oneof(fc.constant("fz"), text),
    namespace: text,
    namespaceLabels: fc.dictionary(text, text, { maxKeys: 3 }),
    pods: fc.array(fc.record({ name: text, ip: text, labels: fc.dictionary(text, text, { maxKeys: 3 }) }), { maxLength: 3 }),
  });
  const request = fc.oneof(
    fc.record({ kind: fc.constant("KIND_WORKLOAD"), workloads: fc.array(workload, { maxLength: 3 }) }),
    fc.record({ kind: fc.constant("KIND_ENDPOINT"), endpoints: fc.array(endpoint, { maxLength: 4 }) }),
    fc.record({ kind: fc.constant("KIND_EXPORT"), exports: fc.array(exportRecord, { maxLength: 4 }) }),
    fc.record({ kind: fc.constant("KIND_CLUSTER"), cluster: fc.record({ podCidrs: fc.array(text, { maxLength: 3 }), serviceCidrs: fc.array(text, { maxLength: 3 }), labels: fc.dictionary(text, text, { maxKeys: 3 }) }) }),
  );

  it("answers each with a deliberate status; a refused one changes nothing, an accepted one is stored as the cluster's own", async () => {
    const method = agentServiceDefinition.Publish as grpc.MethodDefinition<unknown, unknown>;
    const asMember = clientAs(member);
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        const before = await dump();
        const code = await call(asMember, method, req, (r) => method.requestSerialize(r));
        expect(deliberate.has(code), `status ${code}`).toBe(true);
        if (code !== ok) expect(await dump()).toBe(before);
        // The only member is fz: whatever was accepted, every stored record is fz's own.
        else expect(new Set((await tb.store.snapshot([])).records.map(recordOwner))).toEqual(new Set(["fz"]));
      }),
      { numRuns: 200 },
    );
    // Still serving.
    await tb.client(member).publish({ kind: "cluster", spec: specOf(1) });
  });
});
