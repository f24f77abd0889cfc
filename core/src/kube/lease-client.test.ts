import { ApiException, V1Lease, V1LeaseSpec, V1ObjectMeta, type CoordinationV1Api } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { KubeError } from "./errors.js";
import { createKubeLeaseClient } from "./lease-client.js";

const ref = { namespace: "isthmus-system", name: "isthmus-gateway" };

/** A lease as client-node returns it: MicroTime fields arrive as strings. */
function wireLease(rv: string, holder: string): V1Lease {
  const lease = new V1Lease();
  lease.metadata = Object.assign(new V1ObjectMeta(), { name: ref.name, namespace: ref.namespace, resourceVersion: rv });
  lease.spec = Object.assign(new V1LeaseSpec(), {
    holderIdentity: holder,
    leaseDurationSeconds: 15,
    leaseTransitions: 2,
    renewTime: "2025-01-31T12:00:00.123456Z",
  });
  return lease;
}

function stubApi(behaviour: Partial<Record<"read" | "create" | "replace", () => Promise<V1Lease>>>, sent: V1Lease[] = []) {
  const missing = () => Promise.reject(new Error("not stubbed"));
  const api = {
    readNamespacedLease: () => (behaviour.read ?? missing)(),
    createNamespacedLease: ({ body }: { body: V1Lease }) => {
      sent.push(body);
      return (behaviour.create ?? missing)();
    },
    replaceNamespacedLease: ({ body }: { body: V1Lease }) => {
      sent.push(body);
      return (behaviour.replace ?? missing)();
    },
  };
  return api as unknown as CoordinationV1Api;
}

const apiError = (code: number, message: string) => new ApiException(code, message, JSON.stringify({ kind: "Status", message }), {});

describe("createKubeLeaseClient", () => {
  it("reads a lease, turning MicroTime strings into Dates", async () => {
    const client = createKubeLeaseClient(stubApi({ read: () => Promise.resolve(wireLease("7", "gw-1")) }));
    const lease = await client.get(ref);
    expect(lease).toMatchObject({ holderIdentity: "gw-1", leaseDurationSeconds: 15, leaseTransitions: 2, resourceVersion: "7" });
    expect(lease?.renewTime?.toISOString()).toBe("2025-01-31T12:00:00.123Z");
    expect(lease?.acquireTime).toBeUndefined();
  });

  it("maps 404 on read to undefined and other failures to KubeError", async () => {
    expect(await createKubeLeaseClient(stubApi({ read: () => Promise.reject(apiError(404, "not found")) })).get(ref)).toBeUndefined();
    const failing = createKubeLeaseClient(stubApi({ read: () => Promise.reject(apiError(403, "forbidden: cannot get leases")) }));
    await expect(failing.get(ref)).rejects.toMatchObject({ code: "ApiError", status: 403, message: expect.stringContaining("HTTP 403 forbidden") as string });
  });

  it("sends resourceVersion and MicroTimes on replace and maps 409 to Conflict", async () => {
    const sent: V1Lease[] = [];
    const client = createKubeLeaseClient(stubApi({ replace: () => Promise.reject(apiError(409, "the object has been modified")) }, sent));
    const record = {
      holderIdentity: "gw-2",
      leaseDurationSeconds: 15,
      acquireTime: new Date(Date.UTC(2025, 0, 31, 12)),
      renewTime: new Date(Date.UTC(2025, 0, 31, 12)),
      leaseTransitions: 3,
      resourceVersion: "7",
    };
    const err: unknown = await client.replace(ref, record).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeError);
    expect((err as KubeError).code).toBe("Conflict");
    expect(sent[0]?.metadata?.resourceVersion).toBe("7");
    expect(JSON.parse(JSON.stringify(sent[0]?.spec))).toMatchObject({ holderIdentity: "gw-2", renewTime: "2025-01-31T12:00:00.000000Z" });
  });

  it("creates without a resourceVersion and maps AlreadyExists to Conflict", async () => {
    const sent: V1Lease[] = [];
    const ok = createKubeLeaseClient(stubApi({ create: () => Promise.resolve(wireLease("1", "gw-1")) }, sent));
    const record = { holderIdentity: "gw-1", leaseDurationSeconds: 15, acquireTime: undefined, renewTime: undefined, leaseTransitions: 0 };
    expect((await ok.create(ref, record)).resourceVersion).toBe("1");
    expect(sent[0]?.metadata?.resourceVersion).toBeUndefined();
    const exists = createKubeLeaseClient(stubApi({ create: () => Promise.reject(apiError(409, "already exists")) }));
    await expect(exists.create(ref, record)).rejects.toMatchObject({ code: "Conflict", status: 409 });
  });
});
