/**
 * Pod status as the lab kubelet reports it, computed purely from the pod spec and what runs:
 * phase, IPs, start time, the four standard conditions and one status per container. Condition
 * transition times are kept from the previous status while a condition does not change, so an
 * unchanged pod produces an unchanged status (and no API write: see {@link statusFingerprint}).
 */
import type { ApiContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from "./kube-types.js";

/** A container's state: waiting (with a reason), running, or terminated. */
export type ContainerState =
  | { readonly kind: "waiting"; readonly reason: string; readonly message?: string }
  | { readonly kind: "running"; readonly startedAt: Date }
  | {
      readonly kind: "terminated";
      readonly exitCode: number;
      readonly reason: string;
      readonly startedAt: Date;
      readonly finishedAt: Date;
      readonly signal?: number;
    };

/** What the kubelet knows about one container. */
export interface ContainerRuntimeState {
  readonly name: string;
  readonly image: string;
  readonly state: ContainerState;
  /** The previous termination, shown as lastState while restarting. */
  readonly lastTermination?: Extract<ContainerState, { kind: "terminated" }>;
  readonly restartCount: number;
  /** Alive and (when it declares a TCP port or probe) answering. */
  readonly ready: boolean;
}

/** What the kubelet knows about one pod. */
export interface PodRuntimeState {
  readonly podIp?: string;
  readonly startTime: Date;
  /** Sandbox (network, volumes) is set up; containers may be started. */
  readonly initialized: boolean;
  /** Why the pod is not initialized yet (e.g. NetworkNotReady), shown on the Initialized condition. */
  readonly pending?: { readonly reason: string; readonly message: string };
  readonly containers: readonly ContainerRuntimeState[];
}

/** Options of {@link computePodStatus}. */
export interface StatusContext {
  readonly hostIp: string;
  readonly now: Date;
}

const iso = (d: Date): string => new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString();

function toApiState(state: ContainerState): ApiContainerState {
  switch (state.kind) {
    case "waiting":
      return { waiting: { reason: state.reason, ...(state.message === undefined ? {} : { message: state.message }) } };
    case "running":
      return { running: { startedAt: iso(state.startedAt) } };
    case "terminated":
      return {
        terminated: {
          exitCode: state.exitCode,
          reason: state.reason,
          startedAt: iso(state.startedAt),
          finishedAt: iso(state.finishedAt),
          ...(state.signal === undefined ? {} : { signal: state.signal }),
        },
      };
  }
}

/** True when a terminated container will not be started again under `restartPolicy`. */
export function isFinal(state: ContainerState, restartPolicy: string): boolean {
  if (state.kind !== "terminated") return false;
  return restartPolicy === "Never" || (restartPolicy === "OnFailure" && state.exitCode === 0);
}

/** The pod phase from its containers (Kubernetes' getPhase, without init containers). */
export function computePhase(runtime: PodRuntimeState | undefined, restartPolicy: string): string {
  const containers = runtime?.containers ?? [];
  if (runtime === undefined || !runtime.initialized || containers.length === 0) return "Pending";
  const started = containers.filter((c) => c.state.kind !== "waiting" || c.lastTermination !== undefined);
  if (started.length < containers.length) return "Pending";
  if (containers.every((c) => isFinal(c.state, restartPolicy))) {
    return containers.every((c) => c.state.kind === "terminated" && c.state.exitCode === 0) ? "Succeeded" : "Failed";
  }
  return "Running";
}

function condition(type: string, ok: boolean, reason: string | undefined, message: string | undefined, previous: PodStatus | undefined, now: Date): PodCondition {
  const status = ok ? "True" : "False";
  const before = previous?.conditions?.find((c) => c.type === type);
  const lastTransitionTime = before?.status === status && before.lastTransitionTime !== undefined ? new Date(before.lastTransitionTime).toISOString() : iso(now);
  return {
    type,
    status,
    lastTransitionTime,
    ...(ok || reason === undefined ? {} : { reason }),
    ...(ok || message === undefined ? {} : { message }),
  };
}

/** The status to report for `pod` given what runs (undefined: nothing yet). */
export function computePodStatus(pod: Pod, runtime: PodRuntimeState | undefined, context: StatusContext): PodStatus {
  const previous = pod.status;
  const restartPolicy = pod.spec?.restartPolicy ?? "Always";
  const phase = computePhase(runtime, restartPolicy);
  const containers = runtime?.containers ?? [];
  const notReady = containers.filter((c) => !c.ready).map((c) => c.name);
  const allReady = containers.length > 0 && notReady.length === 0 && phase === "Running";
  const readyMessage = allReady ? undefined : `containers with unready status: [${notReady.join(" ")}]`;
  const initialized = runtime?.initialized === true;
  const conditions = [
    condition("PodScheduled", true, undefined, undefined, previous, context.now),
    condition("Initialized", initialized, runtime?.pending?.reason ?? "PodSandboxPending", runtime?.pending?.message, previous, context.now),
    condition("ContainersReady", allReady, "ContainersNotReady", readyMessage, previous, context.now),
    condition("Ready", allReady, "ContainersNotReady", readyMessage, previous, context.now),
  ];
  const containerStatuses: ContainerStatus[] = containers.map((c) => ({
    name: c.name,
    image: c.image,
    imageID: "",
    ready: c.ready,
    started: c.state.kind === "running",
    restartCount: c.restartCount,
    state: toApiState(c.state),
    ...(c.lastTermination === undefined ? {} : { lastState: toApiState(c.lastTermination) }),
  }));
  const podIp = runtime?.podIp;
  return {
    phase,
    hostIP: context.hostIp,
    hostIPs: [{ ip: context.hostIp }],
    ...(podIp === undefined ? {} : { podIP: podIp, podIPs: [{ ip: podIp }] }),
    startTime: previous?.startTime === undefined ? iso(runtime?.startTime ?? context.now) : new Date(previous.startTime).toISOString(),
    conditions,
    containerStatuses,
    qosClass: previous?.qosClass ?? "BestEffort",
  };
}

const time = (t: Date | string | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString());

function stateKey(s: ApiContainerState | undefined): unknown[] | null {
  if (s?.running !== undefined) return ["running", time(s.running.startedAt)];
  if (s?.waiting !== undefined) return ["waiting", s.waiting.reason, s.waiting.message];
  const t = s?.terminated;
  if (t !== undefined) return ["terminated", t.exitCode, t.reason, time(t.startedAt), time(t.finishedAt), t.signal];
  return null;
}

/** A stable string of everything a status says, so an unchanged status is not written again. */
export function statusFingerprint(status: PodStatus | undefined): string {
  if (status === undefined) return "";
  return JSON.stringify([
    status.phase,
    status.podIP,
    status.hostIP,
    time(status.startTime),
    (status.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message, time(c.lastTransitionTime)]),
    (status.containerStatuses ?? []).map((c) => [
      c.name,
      c.ready,
      c.started,
      c.restartCount,
      stateKey(c.state),
      stateKey(c.lastState),
    ]),
  ]);
}
