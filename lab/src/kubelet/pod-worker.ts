/**
 * Makes one pod run on this node: sandbox (network namespace + CNI for workload pods), state
 * file, resolv.conf and volumes once, then every container started, restarted after crashes
 * and probed for readiness. Level-based: `syncPod` looks at what runs and fixes the
 * difference; it is called again on every pod event, process exit and resync. `teardownPod`
 * stops everything the pod holds and is idempotent. Errors that the pod's status can explain
 * (no CNI config yet, a missing image, a missing ConfigMap) are recorded on the record and
 * reported through the status instead of being thrown.
 */
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { errorMessage, isIsthmusError } from "@isthmus/core/errors";
import type { KubeletConfig } from "./config.js";
import { createSlot, hasVanished, isDueToStart, markExited, markStarted, type ContainerSlot } from "./container.js";
import { buildContainerEnv, expandVars, type ObjectReader } from "./env.js";
import { buildArgv, checkImagePresent, parseImage, type ImageTarget } from "./images.js";
import type { Container, Pod } from "./kube-types.js";
import { writePodState, type PodState } from "./pod-state.js";
import { startProcess, terminate } from "./process.js";
import { probe, readinessCheck } from "./readiness.js";
import { createSandbox, teardownSandbox, type Sandbox } from "./sandbox.js";
import { refreshTokens, setUpVolumes, type Mount, type PodVolumes, type TokenIssuer } from "./volumes.js";
import { clusterResolvConf, usesClusterDns, wrapArgv } from "./wrap.js";

/** Everything the kubelet knows about a pod it runs. */
export interface PodRecord {
  readonly key: string;
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly dir: string;
  readonly hostNetwork: boolean;
  readonly startTime: Date;
  /** The latest pod object seen (spec fields the worker needs between syncs). */
  pod: Pod;
  sandbox: Sandbox | undefined;
  volumes: PodVolumes | undefined;
  initialized: boolean;
  pending: { reason: string; message: string } | undefined;
  containers: Map<string, ContainerSlot>;
  terminating: boolean;
}

/** What a pod worker needs from the kubelet. */
export interface PodWorkerDeps {
  readonly config: KubeletConfig;
  readonly logger: Logger;
  readonly reader: ObjectReader;
  readonly tokens: TokenIssuer;
  /** Called when something changed for `key` outside a reconcile (a process exited). */
  readonly poke: (key: string) => void;
  /** Prefix of pod network namespace names (tests); default "isthmus-pod-". */
  readonly netnsPrefix?: string;
}

/** A fresh record for `pod`. */
export function createPodRecord(pod: Pod, dir: string, key: string): PodRecord {
  return {
    key,
    uid: pod.metadata?.uid ?? "",
    namespace: pod.metadata?.namespace ?? "default",
    name: pod.metadata?.name ?? "",
    dir,
    hostNetwork: pod.spec?.hostNetwork === true,
    startTime: new Date(),
    pod,
    sandbox: undefined,
    volumes: undefined,
    initialized: false,
    pending: undefined,
    containers: new Map(),
    terminating: false,
  };
}

/** The pod's IP: the sandbox's for workload pods, the node's for hostNetwork pods. */
export function podIpOf(record: PodRecord, config: KubeletConfig): string | undefined {
  return record.hostNetwork ? config.nodeIp : record.sandbox?.ip;
}

/** The pod.json content of a record. */
export function toPodState(record: PodRecord, config: KubeletConfig): PodState {
  const containers = Object.fromEntries(
    [...record.containers.values()].map((c) => [
      c.name,
      { pid: c.pid, entry: c.entry, startedAt: c.state.kind === "running" ? c.state.startedAt.toISOString() : "", restartCount: c.restartCount },
    ]),
  );
  const ip = podIpOf(record, config);
  return {
    uid: record.uid,
    namespace: record.namespace,
    name: record.name,
    hostNetwork: record.hostNetwork,
    pid: [...record.containers.values()][0]?.pid ?? 0,
    containers,
    ...(record.sandbox === undefined ? {} : { netns: record.sandbox.netns, cniResult: { ...record.sandbox.cniResult } }),
    ...(ip === undefined ? {} : { ip }),
  };
}

function explain(err: unknown, fallbackReason: string): { reason: string; message: string } {
  const reason = isIsthmusError(err) && ["NetworkNotReady", "ImageNotPresent", "UnknownImage"].includes(err.code) ? err.code : fallbackReason;
  return { reason, message: errorMessage(err) };
}

async function initialize(record: PodRecord, pod: Pod, deps: PodWorkerDeps, signal: AbortSignal): Promise<boolean> {
  const { config } = deps;
  if (!record.hostNetwork && record.sandbox === undefined) {
    try {
      record.sandbox = await createSandbox(record, {
        cniConfDir: config.cniConfDir,
        cniBinDir: config.cniBinDir,
        logger: deps.logger,
        signal,
        ...(deps.netnsPrefix === undefined ? {} : { netnsPrefix: deps.netnsPrefix }),
      });
    } catch (err) {
      record.pending = explain(err, "FailedCreatePodSandBox");
      deps.logger.warn({ key: record.key, err }, "pod sandbox not ready; retrying");
      return false;
    }
  }
  await writePodState(record.dir, toPodState(record, config));
  if (usesClusterDns(pod.spec ?? {})) {
    await writeFile(join(record.dir, "resolv.conf"), clusterResolvConf({ namespace: record.namespace, clusterDns: config.clusterDns, clusterDomain: config.clusterDomain }));
  }
  try {
    record.volumes = await setUpVolumes(pod, record.dir, { reader: deps.reader, tokens: deps.tokens, hostIp: config.nodeIp, podIp: podIpOf(record, config), now: () => new Date() });
  } catch (err) {
    record.pending = explain(err, "FailedMount");
    deps.logger.warn({ key: record.key, err }, "pod volumes not ready; retrying");
    return false;
  }
  record.initialized = true;
  record.pending = undefined;
  return true;
}

async function startContainer(record: PodRecord, slot: ContainerSlot, spec: Container, deps: PodWorkerDeps): Promise<void> {
  const { config } = deps;
  let target: ImageTarget;
  try {
    target = parseImage(spec.image ?? "", config.repoRoot, config.nativeImages);
    await checkImagePresent(target);
  } catch (err) {
    slot.state = { kind: "waiting", ...explain(err, "ImageNotPresent") };
    return;
  }
  const podIp = podIpOf(record, config);
  let env: Record<string, string>;
  try {
    const imageToolsDir = target.type === "component" ? config.imageToolsDir : undefined;
    env = await buildContainerEnv(record.pod, spec, { ...config, reader: deps.reader, hostIp: config.nodeIp, podIp, imageToolsDir });
  } catch (err) {
    slot.state = { kind: "waiting", reason: "CreateContainerConfigError", message: errorMessage(err) };
    return;
  }
  // Our images run on the kubelet's own Node.js binary.
  const argv = buildArgv(target, { command: spec.command ?? [], args: spec.args ?? [] }, process.execPath).map((a) => expandVars(a, env));
  const mounts: Mount[] = [...(record.volumes?.mounts.get(spec.name) ?? [])];
  if (usesClusterDns(record.pod.spec ?? {})) {
    mounts.push({ source: join(record.dir, "resolv.conf"), target: "/etc/resolv.conf", readOnly: true });
  }
  const wrapped = wrapArgv(argv, { mounts, ...(record.sandbox === undefined ? {} : { netns: record.sandbox.netns }) });
  const proc = await startProcess(wrapped, { env, logPath: join(record.dir, `${spec.name}.log`) });
  markStarted(slot, { pid: proc.pid, startedAt: proc.startedAt, entry: target.entry, process: proc });
  deps.logger.info({ key: record.key, container: spec.name, pid: proc.pid }, "container started");
  void proc.exited.then((exit) => {
    if (record.terminating || slot.process !== proc) return;
    markExited(slot, exit, { now: new Date(), restartPolicy: policyOf(record), backoff: config.restartBackoff });
    deps.logger.info({ key: record.key, container: spec.name, exit }, "container exited");
    deps.poke(record.key);
  });
}

const policyOf = (record: PodRecord): string => record.pod.spec?.restartPolicy ?? "Always";

/**
 * Brings the pod's actual state towards `pod`; returns in how many ms it wants to be looked at
 * again (short while containers start or wait for back-off, undefined to rely on resync).
 */
export async function syncPod(record: PodRecord, pod: Pod, deps: PodWorkerDeps, signal: AbortSignal): Promise<number | undefined> {
  record.pod = pod;
  if (!record.initialized && !(await initialize(record, pod, deps, signal))) return 2000;
  const now = Date.now();
  const restartPolicy = policyOf(record);
  let stateChanged = false;
  let again: number | undefined;
  for (const spec of pod.spec?.containers ?? []) {
    let slot = record.containers.get(spec.name);
    if (slot === undefined) {
      slot = createSlot(spec.name, spec.image ?? "", readinessCheck(spec));
      record.containers.set(spec.name, slot);
    }
    if (hasVanished(slot)) markExited(slot, { code: null, signal: "SIGKILL" }, { now: new Date(), restartPolicy, backoff: deps.config.restartBackoff });
    if (isDueToStart(slot, { now, restartPolicy })) {
      await startContainer(record, slot, spec, deps);
      stateChanged = true;
    }
    if (slot.pid !== 0) {
      slot.ready = await probe(slot.check, podIpOf(record, deps.config) ?? deps.config.nodeIp, 1000);
      if (!slot.ready || slot.process === undefined) again = Math.min(again ?? 1000, 1000);
    } else if (slot.restartAt > now) {
      again = Math.min(again ?? Infinity, slot.restartAt - now);
    } else if (slot.state.kind === "waiting") {
      again = Math.min(again ?? Infinity, 5000);
    }
  }
  if (stateChanged) await writePodState(record.dir, toPodState(record, deps.config));
  if (record.volumes !== undefined) {
    const volumes = record.volumes;
    try {
      record.volumes = { ...volumes, tokens: await refreshTokens(pod, volumes.tokens, { reader: deps.reader, tokens: deps.tokens, hostIp: deps.config.nodeIp, podIp: podIpOf(record, deps.config), now: () => new Date() }) };
    } catch (err) {
      deps.logger.warn({ key: record.key, err }, "token refresh failed; the current token stays valid until it expires, retrying");
    }
  }
  return again;
}

/** Stops the pod's processes (SIGTERM, `graceMs`, SIGKILL) and, unless `keepSandbox`, runs CNI DEL and removes its state. */
export async function teardownPod(record: PodRecord, deps: PodWorkerDeps, options: { graceMs: number; keepSandbox: boolean }): Promise<void> {
  record.terminating = true;
  await Promise.all([...record.containers.values()].filter((c) => c.pid !== 0).map((c) => terminate(c.pid, options.graceMs)));
  for (const c of record.containers.values()) {
    c.pid = 0;
    c.process = undefined;
  }
  if (options.keepSandbox) return;
  if (record.sandbox !== undefined) {
    await teardownSandbox(record, {
      cniConfDir: deps.config.cniConfDir,
      cniBinDir: deps.config.cniBinDir,
      logger: deps.logger,
      netns: record.sandbox.netns,
      cniResult: record.sandbox.cniResult,
    });
  }
  await rm(record.dir, { recursive: true, force: true });
  deps.logger.info({ key: record.key }, "pod torn down");
}
