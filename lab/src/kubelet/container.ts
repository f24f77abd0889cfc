/**
 * One container of a pod: its process, state, restarts and readiness. A container is started
 * by the pod worker when it has no process, is not finished under the restart policy and its
 * crash back-off has elapsed; an exit is recorded here and the worker is poked to reconcile.
 * Back-off after the n-th consecutive crash is min(max, base·2^(n−1)); a container that ran
 * for 2·max resets the count (as the kubelet does).
 */
import type { ContainerProcess, ProcessExit } from "./process.js";
import { isAlive } from "./process.js";
import type { ReadinessCheck } from "./readiness.js";
import { isFinal, type ContainerRuntimeState, type ContainerState } from "./status.js";

/** Crash-restart back-off bounds. */
export interface RestartBackoff {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** Delay before restarting after `crashes` consecutive crashes (≥ 1). */
export function crashBackoffMs(crashes: number, backoff: RestartBackoff): number {
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(Math.max(crashes, 1) - 1, 30));
}

/** Mutable runtime state of one container (owned by its pod worker). */
export interface ContainerSlot {
  readonly name: string;
  readonly image: string;
  readonly check: ReadinessCheck;
  state: ContainerState;
  lastTermination: Extract<ContainerState, { kind: "terminated" }> | undefined;
  restartCount: number;
  crashes: number;
  /** Epoch ms before which the container must not be restarted. */
  restartAt: number;
  ready: boolean;
  pid: number;
  /** Entry file of the running program (for adoption checks). */
  entry: string;
  /** The spawned process; undefined when none runs or when adopted from a previous kubelet. */
  process: ContainerProcess | undefined;
}

/** A container that has not been started yet. */
export function createSlot(name: string, image: string, check: ReadinessCheck): ContainerSlot {
  return {
    name,
    image,
    check,
    state: { kind: "waiting", reason: "ContainerCreating" },
    lastTermination: undefined,
    restartCount: 0,
    crashes: 0,
    restartAt: 0,
    ready: false,
    pid: 0,
    entry: "",
    process: undefined,
  };
}

/** Records a started process. A start after a termination counts as a restart. */
export function markStarted(slot: ContainerSlot, proc: { pid: number; startedAt: Date; entry: string; process?: ContainerProcess }): void {
  if (slot.lastTermination !== undefined || slot.state.kind === "terminated") slot.restartCount += 1;
  slot.state = { kind: "running", startedAt: proc.startedAt };
  slot.pid = proc.pid;
  slot.entry = proc.entry;
  slot.process = proc.process;
  slot.ready = false;
}

const signalNumbers: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15 };

/** Records an exit and schedules the restart (if the policy restarts it) at the back-off. */
export function markExited(slot: ContainerSlot, exit: ProcessExit, options: { now: Date; restartPolicy: string; backoff: RestartBackoff }): void {
  const startedAt = slot.state.kind === "running" ? slot.state.startedAt : options.now;
  const signal = exit.signal === null ? undefined : (signalNumbers[exit.signal] ?? 0);
  const exitCode = exit.code ?? 128 + (signal ?? 0);
  const terminated: Extract<ContainerState, { kind: "terminated" }> = {
    kind: "terminated",
    exitCode,
    reason: exitCode === 0 ? "Completed" : "Error",
    startedAt,
    finishedAt: options.now,
    ...(signal === undefined ? {} : { signal }),
  };
  slot.pid = 0;
  slot.process = undefined;
  slot.ready = false;
  if (isFinal(terminated, options.restartPolicy)) {
    slot.state = terminated;
    return;
  }
  const ranMs = options.now.getTime() - startedAt.getTime();
  slot.crashes = ranMs >= 2 * options.backoff.maxMs ? 1 : slot.crashes + 1;
  const delay = crashBackoffMs(slot.crashes, options.backoff);
  slot.restartAt = options.now.getTime() + delay;
  slot.lastTermination = terminated;
  slot.state = {
    kind: "waiting",
    reason: "CrashLoopBackOff",
    message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${slot.name}`,
  };
}

/** True when the slot should get a process now. */
export function isDueToStart(slot: ContainerSlot, options: { now: number; restartPolicy: string }): boolean {
  if (slot.pid !== 0 || isFinal(slot.state, options.restartPolicy)) return false;
  return slot.restartAt <= options.now;
}

/** For adopted processes (no exit event): true when the recorded pid is gone. */
export function hasVanished(slot: ContainerSlot): boolean {
  return slot.process === undefined && slot.pid !== 0 && !isAlive(slot.pid);
}

/** The slot as the status computation sees it. */
export function toRuntimeState(slot: ContainerSlot): ContainerRuntimeState {
  return {
    name: slot.name,
    image: slot.image,
    state: slot.state,
    restartCount: slot.restartCount,
    ready: slot.ready,
    ...(slot.lastTermination === undefined ? {} : { lastTermination: slot.lastTermination }),
  };
}
