import type { V1Namespace, V1Pod } from "@kubernetes/client-node";
import type { BrokerRecord, PublishInput } from "@isthmus/core/brokerapi";
import { createFakeUnderlyingInformer, createInformer, type FakeUnderlyingInformer, type ManagedInformer } from "@isthmus/core/kube";
import { maxWorkloadPods, type WorkloadSet } from "@isthmus/core/model";
import { createSilentLogger } from "@isthmus/core/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { buildWorkloadSets, createWorkloadSharing, maxSharedPods, type RemotePodSetApi, type RemotePodSetResource } from "./workloads.js";

const ns = (name: string, shared = true, labels: Record<string, string> = {}): V1Namespace => ({ metadata: { name, labels: { ...labels, ...(shared ? { "isthmus.io/share-pods": "true" } : {}) } } });
const pod = (namespace: string, name: string, ip: string | undefined, extra: { labels?: Record<string, string>; hostNetwork?: boolean; phase?: string } = {}): V1Pod => ({
  metadata: { namespace, name, labels: extra.labels ?? { app: name } },
  spec: { containers: [], ...(extra.hostNetwork === true ? { hostNetwork: true } : {}) },
  status: { ...(ip === undefined ? {} : { podIP: ip, podIPs: [{ ip }] }), phase: extra.phase ?? "Running" },
});

describe("buildWorkloadSets", () => {
  it("shares the pods with an IPv4 address of labelled namespaces, with their labels and the namespace's", () => {
    const { sets, skipped } = buildWorkloadSets("c1", {
      namespaces: [ns("shop", true, { team: "web" }), ns("private", false)],
      pods: [
        pod("shop", "web-1", "10.1.0.5", { labels: { app: "frontend" } }),
        pod("shop", "web-0", "10.1.0.4", { labels: { app: "frontend" } }),
        pod("shop", "pending", undefined),
        pod("shop", "host", "192.0.2.10", { hostNetwork: true }),
        pod("shop", "done", "10.1.0.9", { phase: "Succeeded" }),
        pod("shop", "v6", "fd00::5"),
        pod("shop", "twin", "10.1.0.5"),
        pod("private", "secret", "10.1.0.7"),
      ],
    });
    expect(skipped).toEqual([]);
    expect(sets).toEqual<WorkloadSet[]>([
      {
        clusterId: "c1",
        namespace: "shop",
        namespaceLabels: { team: "web", "isthmus.io/share-pods": "true" },
        // In name order "twin" comes before "web-1" and keeps 10.1.0.5, which both report.
        pods: [
          { name: "twin", ip: "10.1.0.5", labels: { app: "twin" } },
          { name: "web-0", ip: "10.1.0.4", labels: { app: "frontend" } },
        ],
      },
    ]);
  });

  it("leaves out a namespace over the per-namespace limit and those past the cluster's total", () => {
    const many = (namespace: string, count: number, base: number): V1Pod[] => Array.from({ length: count }, (_, i) => pod(namespace, `p-${String(i)}`, `10.${String(base)}.${String(i >> 8)}.${String(i & 255)}`));
    const big = buildWorkloadSets("c1", { namespaces: [ns("big"), ns("small")], pods: [...many("big", maxWorkloadPods + 1, 1), ...many("small", 3, 2)] });
    expect(big.sets.map((s) => s.namespace)).toEqual(["small"]);
    expect(big.skipped).toEqual([`namespace big has ${String(maxWorkloadPods + 1)} pods, more than the ${String(maxWorkloadPods)} one namespace may share`]);
    const names = Array.from({ length: Math.ceil(maxSharedPods / maxWorkloadPods) + 1 }, (_, i) => `n${String(i).padStart(2, "0")}`);
    const total = buildWorkloadSets("c1", { namespaces: names.map((n) => ns(n)), pods: names.flatMap((n, i) => many(n, maxWorkloadPods, 10 + i)) });
    expect(total.sets).toHaveLength(maxSharedPods / maxWorkloadPods);
    expect(total.skipped).toEqual(names.slice(maxSharedPods / maxWorkloadPods).map((n) => `namespace ${n} would take the cluster over ${String(maxSharedPods)} shared pods`));
  });
});

function managed<T extends V1Pod | V1Namespace>(name: string, fake: FakeUnderlyingInformer<T>): ManagedInformer<T> {
  return createInformer<T>({ name, path: `/fake/${name}`, list: () => Promise.reject(new Error("unused")), factory: () => fake });
}

/** An in-memory RemotePodSet store that logs writes. */
function fakeApi(initial: RemotePodSetResource[] = []): RemotePodSetApi & { readonly objects: Map<string, RemotePodSetResource>; readonly writes: string[] } {
  const objects = new Map(initial.map((o) => [o.metadata?.name ?? "", o]));
  const writes: string[] = [];
  return {
    objects,
    writes,
    list: () => Promise.resolve([...objects.values()]),
    create: (body) => {
      writes.push(`create ${body.metadata?.name ?? ""}`);
      objects.set(body.metadata?.name ?? "", body);
      return Promise.resolve();
    },
    replace: (body) => {
      writes.push(`replace ${body.metadata?.name ?? ""}`);
      objects.set(body.metadata?.name ?? "", body);
      return Promise.resolve();
    },
    delete: (name) => {
      writes.push(`delete ${name}`);
      objects.delete(name);
      return Promise.resolve();
    },
  };
}

const set = (clusterId: string, namespace: string, ip = "10.2.0.5"): WorkloadSet => ({ clusterId, namespace, namespaceLabels: {}, pods: [{ name: "a", ip, labels: { app: "frontend" } }] });
const record = (value: WorkloadSet): BrokerRecord => ({ kind: "workload", value });

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

describe("workload sharing", () => {
  async function start(api: ReturnType<typeof fakeApi>) {
    const pods = createFakeUnderlyingInformer<V1Pod>([pod("shop", "web-0", "10.1.0.4")]);
    const namespaces = createFakeUnderlyingInformer<V1Namespace>([ns("shop")]);
    const informers = { pods: managed("pods", pods), namespaces: managed("namespaces", namespaces) };
    for (const i of Object.values(informers)) await i.start();
    const published: PublishInput[] = [];
    const sharing = createWorkloadSharing({
      clusterId: "c1",
      informers,
      api,
      broker: { publish: (input) => (published.push(input), Promise.resolve({ revision: published.length, created: 1, updated: 0, deleted: 0 })) },
      backoff: { baseMs: 10, maxMs: 50, jitter: 0 },
      resyncMs: 60_000,
      logger: createSilentLogger(),
    });
    const leading = new AbortController();
    const running = sharing.run(leading.signal);
    stops.push(async () => {
      leading.abort();
      await running;
      for (const i of Object.values(informers)) await i.stop();
    });
    return { sharing, pods, published };
  }

  it("publishes the shared pods when leading starts and again when they change, not when nothing shared changed", async () => {
    const { pods, published } = await start(fakeApi());
    await expect.poll(() => published.length).toBe(1);
    expect(published[0]).toEqual({ kind: "workload", records: [{ clusterId: "c1", namespace: "shop", namespaceLabels: { "isthmus.io/share-pods": "true" }, pods: [{ name: "web-0", ip: "10.1.0.4", labels: { app: "web-0" } }] }] });
    pods.emit("add", pod("other", "x", "10.1.0.8"));
    pods.emit("add", pod("shop", "web-1", "10.1.0.5"));
    await expect.poll(() => published.length).toBe(2);
    expect(published[1]?.kind === "workload" ? published[1].records[0]?.pods.map((p) => p.name) : []).toEqual(["web-0", "web-1"]);
  });

  it("mirrors exactly the other clusters' sets after the first snapshot: creates, replaces, deletes; never its own", async () => {
    const stale = { apiVersion: "isthmus.io/v1alpha1", kind: "RemotePodSet", metadata: { name: "c3.old", resourceVersion: "7" }, spec: set("c3", "old") };
    const api = fakeApi([stale]);
    const { sharing } = await start(api);
    // Before any snapshot nothing is written (a new leader must not delete what it has not heard of).
    await expect.poll(() => api.writes).toEqual([]);
    sharing.applySnapshot([record(set("c2", "shop")), record(set("c1", "shop"))]);
    await expect.poll(() => [...api.objects.keys()].sort()).toEqual(["c2.shop"]);
    expect(api.writes.sort()).toEqual(["create c2.shop", "delete c3.old"]);
    const created = api.objects.get("c2.shop");
    expect(created?.metadata?.labels).toEqual({ "app.kubernetes.io/managed-by": "isthmus-dns", "isthmus.io/cluster": "c2" });
    sharing.applyChanges([{ type: "put", kind: "workload", key: "c2/shop", record: record(set("c2", "shop", "10.2.0.6")) }]);
    await expect.poll(() => api.objects.get("c2.shop")?.spec?.pods[0]?.ip).toBe("10.2.0.6");
    sharing.applyChanges([{ type: "delete", kind: "workload", key: "c2/shop", record: record(set("c2", "shop", "10.2.0.6")) }]);
    await expect.poll(() => api.objects.size).toBe(0);
  });
});
