import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CoreV1Api, V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ManagedInformer } from "@isthmus/core/kube";
import { createSilentLogger } from "@isthmus/core/runtime";
import { parseKubeletConfig, type KubeletConfig } from "./config.js";
import type { Pod, PodStatus } from "./kube-types.js";
import { readPodState, writePodState } from "./pod-state.js";
import { createPodController } from "./pods.js";
import { isAlive, startProcess } from "./process.js";

// The pod controller's level-based flows with real processes (hostNetwork pods, so no CNI) and
// a recording stand-in for the API server (the real one is exercised by the lab suite): status
// writes, deletion (stop, clean up, delete with grace 0), and restart safety (adopt live
// processes, clean up state of pods deleted while the kubelet was down). Needs root (unshare).

type Handler = (pod: V1Pod) => void;

function fakeInformer(): ManagedInformer<V1Pod> & { put(pod: Pod): void; remove(key: string): void } {
  const pods = new Map<string, V1Pod>();
  const handlers = new Map<string, Handler[]>();
  const emit = (event: string, pod: V1Pod): void => {
    for (const h of handlers.get(event) ?? []) h(pod);
  };
  return {
    name: "pods",
    ready: true,
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
    waitForReady: () => Promise.resolve(),
    list: () => [...pods.values()],
    get: (key) => pods.get(key),
    on(event, handler) {
      handlers.set(event, [...(handlers.get(event) ?? []), handler]);
      return () => undefined;
    },
    put(pod) {
      const key = `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;
      const existed = pods.has(key);
      pods.set(key, pod as unknown as V1Pod);
      emit(existed ? "update" : "add", pod as unknown as V1Pod);
    },
    remove(key) {
      const pod = pods.get(key);
      pods.delete(key);
      if (pod !== undefined) emit("delete", pod);
    },
  };
}

interface ApiCalls {
  statuses: { name: string; uid: unknown; status: PodStatus }[];
  deletes: { name: string; gracePeriodSeconds: unknown; uid: unknown }[];
}

function fakeCore(calls: ApiCalls): CoreV1Api {
  const api = {
    patchNamespacedPodStatus(param: { name: string; body: { op: string; value: unknown }[] }) {
      calls.statuses.push({ name: param.name, uid: param.body[0]?.value, status: param.body[1]?.value as PodStatus });
      return Promise.resolve({});
    },
    deleteNamespacedPod(param: { name: string; gracePeriodSeconds?: number; body?: { preconditions?: { uid?: string } } }) {
      calls.deletes.push({ name: param.name, gracePeriodSeconds: param.gracePeriodSeconds, uid: param.body?.preconditions?.uid });
      return Promise.resolve({});
    },
  };
  return api as unknown as CoreV1Api;
}

async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("pod controller", () => {
  let dir: string;
  let config: KubeletConfig;
  const calls: ApiCalls = { statuses: [], deletes: [] };
  const informer = fakeInformer();
  const controller = (): ReturnType<typeof createPodController> =>
    createPodController({
      config,
      core: fakeCore(calls),
      informer,
      logger: createSilentLogger(),
      reader: { configMap: () => Promise.resolve({ "ca.crt": "CA" }), secret: () => Promise.resolve(undefined) },
      tokens: { issue: () => Promise.resolve({ token: "t", expiresAt: new Date(Date.now() + 3_600_000) }) },
    });
  const pod = (name: string, uid: string): Pod => ({
    metadata: { name, namespace: "isthmus-system", uid },
    spec: { hostNetwork: true, nodeName: "c1-n1", containers: [{ name: "agent", image: "isthmus/gateway:dev" }] },
    status: { phase: "Pending" },
  });
  const lastStatus = (name: string): PodStatus | undefined => calls.statuses.filter((s) => s.name === name).at(-1)?.status;

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error("pods.netns.test.ts needs root (mount namespaces)");
    dir = await mkdtemp(join(tmpdir(), "isthmus-test-pods-"));
    await mkdir(join(dir, "repo/gateway/dist"), { recursive: true });
    await writeFile(join(dir, "repo/gateway/dist/main.js"), "setInterval(() => {}, 1 << 30); process.on('SIGTERM', () => process.exit(0));\n");
    config = parseKubeletConfig({
      clusterId: "c1",
      nodeName: "c1-n1",
      nodeIp: "198.18.1.11",
      kubeconfig: "/unused",
      stateDir: join(dir, "state"),
      clusterDns: "10.101.0.10",
      cniConfDir: join(dir, "net.d"),
      repoRoot: join(dir, "repo"),
      serviceAccountIssuer: "https://kubernetes.default.svc.cluster.local",
      apiServer: { host: "198.18.1.2", port: 6443 },
      podResyncMs: 200,
    });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("adopts a live process left by a previous kubelet, reports it, and finishes a deletion", async () => {
    // What a crashed kubelet leaves behind: a detached process and its pod.json.
    const podDir = join(config.stateDir, "pods", "isthmus-system_gw-a");
    await mkdir(podDir, { recursive: true });
    const entry = join(config.repoRoot, "gateway/dist/main.js");
    const proc = await startProcess([process.execPath, entry], { env: { PATH: "/usr/bin:/bin" }, logPath: join(podDir, "agent.log") });
    await writePodState(podDir, {
      uid: "uid-a",
      namespace: "isthmus-system",
      name: "gw-a",
      hostNetwork: true,
      pid: proc.pid,
      containers: { agent: { pid: proc.pid, entry, startedAt: proc.startedAt.toISOString(), restartCount: 2 } },
    });

    informer.put(pod("gw-a", "uid-a"));
    const kubelet = controller();
    await kubelet.start();
    await until("gw-a Ready", () => lastStatus("gw-a")?.conditions?.find((c) => c.type === "Ready" && c.status === "True"));
    expect(lastStatus("gw-a")).toMatchObject({ phase: "Running", podIP: "198.18.1.11", hostIP: "198.18.1.11" });
    expect(lastStatus("gw-a")?.containerStatuses?.[0]).toMatchObject({ name: "agent", ready: true, restartCount: 2 });
    expect(calls.statuses.at(-1)?.uid).toBe("uid-a");
    expect((await readPodState(podDir))?.pid).toBe(proc.pid);
    expect(isAlive(proc.pid)).toBe(true);

    // Deletion: process stopped, state removed, the pod deleted with grace 0 and a uid precondition.
    informer.put({ ...pod("gw-a", "uid-a"), metadata: { name: "gw-a", namespace: "isthmus-system", uid: "uid-a", deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 5 } });
    const deleted = await until("delete call", () => calls.deletes.find((d) => d.name === "gw-a"));
    expect(deleted).toEqual({ name: "gw-a", gracePeriodSeconds: 0, uid: "uid-a" });
    expect(isAlive(proc.pid)).toBe(false);
    await expect(stat(podDir)).rejects.toMatchObject({ code: "ENOENT" });
    informer.remove("isthmus-system/gw-a");
    await kubelet.stop();
  });

  it("recreates a pod whose processes died with the previous kubelet", async () => {
    const first = controller();
    informer.put(pod("gw-c", "uid-c"));
    await first.start();
    await until("gw-c running", () => lastStatus("gw-c")?.phase === "Running");
    const podDir = join(config.stateDir, "pods", "isthmus-system_gw-c");
    const oldPid = (await readPodState(podDir))?.pid ?? 0;
    await first.stop();
    expect(isAlive(oldPid)).toBe(false);

    const second = controller();
    await second.start();
    const newPid = await until("a new process", async () => {
      const pid = (await readPodState(podDir))?.pid ?? 0;
      return pid !== 0 && pid !== oldPid && isAlive(pid) ? pid : undefined;
    });
    await second.stop();
    expect(isAlive(newPid)).toBe(false);
    informer.remove("isthmus-system/gw-c");
  });

  it("on start, cleans up a pod that was deleted while the kubelet was down", async () => {
    const first = controller();
    informer.put(pod("gw-b", "uid-b"));
    await first.start();
    await until("gw-b running", () => lastStatus("gw-b")?.phase === "Running");
    const podDir = join(config.stateDir, "pods", "isthmus-system_gw-b");
    const pid = (await readPodState(podDir))?.pid ?? 0;
    await first.stop();
    expect(isAlive(pid)).toBe(false);
    expect(await readPodState(podDir)).toMatchObject({ uid: "uid-b" });

    informer.remove("isthmus-system/gw-b");
    const second = controller();
    await second.start();
    await until("stale state removed", async () => (await stat(podDir).catch(() => undefined)) === undefined);
    expect(calls.deletes.filter((d) => d.name === "gw-b")).toEqual([]);
    await second.stop();
  }, 30_000);
});
