/**
 * The pod controller of the lab kubelet. Desired state: the pods bound to this node (an
 * informer with fieldSelector spec.nodeName) that are not being deleted. Actual state: the
 * records of what runs (and, after a kubelet restart, the pod.json files on disk). Every pod
 * event, process exit, short timer and periodic resync adds the pod's key ("ns/name") to a
 * keyed reconcile queue; `reconcile` compares and fixes, level-based:
 *
 * - a record whose pod is gone or was replaced (other uid) is torn down;
 * - a pod with deletionTimestamp is torn down (SIGTERM, grace, SIGKILL, CNI DEL, netns del,
 *   state removed) and then deleted with grace 0, as the kubelet finishes a termination;
 * - state on disk without a record is adopted when the uid matches and every process is still
 *   ours and alive, otherwise cleaned up (kill, CNI DEL with the cached result) and recreated;
 * - otherwise the pod worker syncs the pod and the status is written when it changed.
 */
import { rm } from "node:fs/promises";
import type { CoreV1Api, V1Pod } from "@kubernetes/client-node";
import { objectKey, type ManagedInformer } from "@isthmus/core/kube";
import { createReconcileQueue, type ReconcileQueue } from "@isthmus/core/runtime";
import { finishPodDeletion, writePodStatus } from "./api.js";
import { createSlot, markStarted, toRuntimeState } from "./container.js";
import type { Pod } from "./kube-types.js";
import { listPodDirs, podDir, readPodState, type PodState } from "./pod-state.js";
import { createPodRecord, podIpOf, syncPod, teardownPod, type PodRecord, type PodWorkerDeps } from "./pod-worker.js";
import { isOurProcess, terminate } from "./process.js";
import { readinessCheck } from "./readiness.js";
import { prepareNetnsDir, teardownSandbox } from "./sandbox.js";
import { computePodStatus, statusFingerprint } from "./status.js";

/** Options of {@link createPodController}. */
export interface PodControllerOptions extends Omit<PodWorkerDeps, "poke"> {
  readonly core: CoreV1Api;
  readonly informer: ManagedInformer<V1Pod>;
}

/** Runs the pods bound to this node; a lifecycle component (start after the informer). */
export interface PodController {
  readonly name: string;
  start(): Promise<void>;
  /** Stops the queue and every pod's processes; keeps sandboxes and state for the next kubelet. */
  stop(): Promise<void>;
}

/** True for the phases after which a pod never runs again. */
const isTerminalPhase = (phase: string | undefined): boolean => phase === "Succeeded" || phase === "Failed";

/** Creates the pod controller. */
export function createPodController(options: PodControllerOptions): PodController {
  const { config, core, informer, logger } = options;
  const records = new Map<string, PodRecord>();
  const timers = new Map<string, NodeJS.Timeout>();
  const unsubscribe: (() => void)[] = [];
  let queue: ReconcileQueue<string> | undefined;
  const poke = (key: string): void => queue?.add(key);
  const deps: PodWorkerDeps = { config, logger, reader: options.reader, tokens: options.tokens, poke };

  const later = (key: string, ms: number): void => {
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => { timers.delete(key); poke(key); }, Math.max(ms, 100)));
  };

  const graceMsOf = (pod: Pod | undefined): number =>
    1000 * (pod?.metadata?.deletionGracePeriodSeconds ?? pod?.spec?.terminationGracePeriodSeconds ?? 30);

  const cleanUpDisk = async (dir: string, state: PodState): Promise<void> => {
    await Promise.all(
      Object.values(state.containers).map(async (c) => {
        if (await isOurProcess(c.pid, c.entry)) await terminate(c.pid, 2000);
      }),
    );
    if (state.netns !== undefined) {
      await teardownSandbox(state, { cniConfDir: config.cniConfDir, cniBinDir: config.cniBinDir, logger, netns: state.netns, ...(state.cniResult === undefined ? {} : { cniResult: state.cniResult }) });
    }
    await rm(dir, { recursive: true, force: true });
  };

  const adopt = async (key: string, pod: Pod, dir: string, state: PodState): Promise<PodRecord | undefined> => {
    const alive = await Promise.all(Object.values(state.containers).map((c) => isOurProcess(c.pid, c.entry)));
    if (alive.length === 0 || alive.includes(false)) return undefined;
    const record = createPodRecord(pod, dir, key);
    if (state.netns !== undefined && state.ip !== undefined) record.sandbox = { netns: state.netns, ip: state.ip, cniResult: state.cniResult ?? {} };
    for (const spec of pod.spec?.containers ?? []) {
      const saved = state.containers[spec.name];
      if (saved === undefined) return undefined;
      const slot = createSlot(spec.name, spec.image ?? "", readinessCheck(spec));
      markStarted(slot, { pid: saved.pid, startedAt: new Date(saved.startedAt), entry: saved.entry });
      slot.restartCount = saved.restartCount;
      record.containers.set(spec.name, slot);
    }
    logger.info({ key, pids: Object.values(state.containers).map((c) => c.pid) }, "adopted running pod from a previous kubelet");
    return record;
  };

  /** The record for `pod`, from memory, adopted from disk, or new (after cleaning stale state). */
  const recordFor = async (key: string, pod: Pod | undefined): Promise<PodRecord | undefined> => {
    const existing = records.get(key);
    if (existing !== undefined) return existing;
    const [namespace = "", name = ""] = key.split("/");
    const dir = podDir(config.stateDir, namespace, name);
    const state = await readPodState(dir);
    const adopted = state !== undefined && pod !== undefined && state.uid === pod.metadata?.uid ? await adopt(key, pod, dir, state) : undefined;
    if (adopted === undefined && state !== undefined) {
      logger.info({ key }, "cleaning up pod state left by a previous kubelet");
      await cleanUpDisk(dir, state);
    } else if (state === undefined && pod === undefined) {
      await rm(dir, { recursive: true, force: true });
    }
    if (adopted !== undefined) records.set(key, adopted);
    return adopted;
  };

  const reconcile = async (key: string, signal: AbortSignal): Promise<void> => {
    const pod = informer.get(key);
    const current = records.get(key);
    if (current !== undefined && (pod === undefined || pod.metadata?.uid !== current.uid)) {
      await teardownPod(current, deps, { graceMs: graceMsOf(pod ?? current.pod), keepSandbox: false });
      records.delete(key);
    }
    let record = await recordFor(key, pod);
    if (pod === undefined) return;
    if (pod.metadata?.deletionTimestamp !== undefined) {
      if (record !== undefined) {
        await teardownPod(record, deps, { graceMs: graceMsOf(pod), keepSandbox: false });
        records.delete(key);
      }
      await finishPodDeletion(core, pod);
      return;
    }
    if (record === undefined) {
      if (isTerminalPhase(pod.status?.phase)) return;
      record = createPodRecord(pod, podDir(config.stateDir, pod.metadata?.namespace ?? "default", pod.metadata?.name ?? ""), key);
      records.set(key, record);
    }
    const again = await syncPod(record, pod, deps, signal);
    const podIp = podIpOf(record, config);
    const runtime = {
      startTime: record.startTime,
      initialized: record.initialized,
      containers: [...record.containers.values()].map(toRuntimeState),
      ...(record.pending === undefined ? {} : { pending: record.pending }),
      ...(podIp === undefined ? {} : { podIp }),
    };
    const status = computePodStatus(pod, runtime, { hostIp: config.nodeIp, now: new Date() });
    if (statusFingerprint(status) !== statusFingerprint(pod.status)) await writePodStatus(core, pod, status);
    if (again !== undefined) later(key, again);
  };

  return {
    name: "pods",
    async start(): Promise<void> {
      await prepareNetnsDir();
      queue = createReconcileQueue<string>({
        reconcile,
        concurrency: 4,
        backoff: { baseMs: 1000, maxMs: 30_000, jitter: 0.2 },
        resyncMs: config.podResyncMs,
        listKeys: () => new Set([...informer.list().map((p) => objectKey(p)), ...records.keys()]),
        logger,
      });
      for (const event of ["add", "update", "delete"] as const) unsubscribe.push(informer.on(event, (p) => { poke(objectKey(p)); }));
      for (const key of await listPodDirs(config.stateDir)) poke(key);
      for (const p of informer.list()) poke(objectKey(p));
      await queue.start();
    },
    async stop(): Promise<void> {
      for (const u of unsubscribe) u();
      for (const t of timers.values()) clearTimeout(t);
      await queue?.stop();
      await Promise.all([...records.values()].map((r) => teardownPod(r, deps, { graceMs: 5000, keepSandbox: true })));
    },
  };
}
