import { describe, expect, it } from "vitest";
import type { Pod } from "./kube-types.js";
import { computePhase, computePodStatus, statusFingerprint, type ContainerRuntimeState, type PodRuntimeState } from "./status.js";

const t0 = new Date("2025-01-01T00:00:00.000Z");
const t1 = new Date("2025-01-01T00:00:10.400Z");
const pod = (restartPolicy = "Always"): Pod => ({
  metadata: { name: "echo-1", namespace: "demo", uid: "u1" },
  spec: { restartPolicy, containers: [{ name: "echo", image: "lab/echo" }] },
});
const running = (ready: boolean, restartCount = 0): ContainerRuntimeState => ({
  name: "echo",
  image: "lab/echo",
  state: { kind: "running", startedAt: t0 },
  restartCount,
  ready,
});
const exited = (exitCode: number): ContainerRuntimeState => ({
  name: "echo",
  image: "lab/echo",
  state: { kind: "terminated", exitCode, reason: exitCode === 0 ? "Completed" : "Error", startedAt: t0, finishedAt: t1 },
  restartCount: 0,
  ready: false,
});
const runtime = (containers: ContainerRuntimeState[], extra: Partial<PodRuntimeState> = {}): PodRuntimeState => ({
  podIp: "10.1.1.5",
  startTime: t0,
  initialized: true,
  containers,
  ...extra,
});
const cond = (status: ReturnType<typeof computePodStatus>, type: string): string | undefined =>
  status.conditions?.find((c) => c.type === type)?.status;

describe("computePhase", () => {
  it("is Pending before the sandbox is up or a container started", () => {
    expect(computePhase(undefined, "Always")).toBe("Pending");
    expect(computePhase(runtime([running(false)], { initialized: false }), "Always")).toBe("Pending");
    const waiting: ContainerRuntimeState = { ...running(false), state: { kind: "waiting", reason: "ContainerCreating" } };
    expect(computePhase(runtime([waiting]), "Always")).toBe("Pending");
  });

  it("follows the restart policy for exited containers", () => {
    expect(computePhase(runtime([exited(0)]), "Never")).toBe("Succeeded");
    expect(computePhase(runtime([exited(3)]), "Never")).toBe("Failed");
    expect(computePhase(runtime([exited(0)]), "OnFailure")).toBe("Succeeded");
    expect(computePhase(runtime([exited(3)]), "OnFailure")).toBe("Running");
    expect(computePhase(runtime([exited(0)]), "Always")).toBe("Running");
  });

  it("stays Running while a crashed container waits in CrashLoopBackOff", () => {
    const backoff: ContainerRuntimeState = {
      ...exited(1),
      state: { kind: "waiting", reason: "CrashLoopBackOff", message: "back-off 10s" },
      lastTermination: { kind: "terminated", exitCode: 1, reason: "Error", startedAt: t0, finishedAt: t1 },
      restartCount: 1,
    };
    expect(computePhase(runtime([backoff]), "Always")).toBe("Running");
  });
});

describe("computePodStatus", () => {
  it("reports IPs, start time, conditions and container statuses of a ready pod", () => {
    const status = computePodStatus(pod(), runtime([running(true)]), { hostIp: "198.18.1.11", now: t1 });
    expect(status).toMatchObject({ phase: "Running", podIP: "10.1.1.5", podIPs: [{ ip: "10.1.1.5" }], hostIP: "198.18.1.11" });
    expect(status.startTime).toBe(t0.toISOString());
    expect(["PodScheduled", "Initialized", "ContainersReady", "Ready"].map((t) => cond(status, t))).toEqual(["True", "True", "True", "True"]);
    expect(status.containerStatuses?.[0]).toMatchObject({ name: "echo", ready: true, started: true, restartCount: 0 });
    expect(status.containerStatuses?.[0]?.state?.running?.startedAt).toBe(t0.toISOString());
  });

  it("is not Ready while the port is closed, and says which container", () => {
    const status = computePodStatus(pod(), runtime([running(false)]), { hostIp: "198.18.1.11", now: t1 });
    expect(cond(status, "Ready")).toBe("False");
    expect(status.conditions?.find((c) => c.type === "Ready")?.message).toBe("containers with unready status: [echo]");
  });

  it("shows why the pod is not initialized", () => {
    const r = runtime([], { initialized: false, pending: { reason: "NetworkNotReady", message: "no CNI config in /etc/cni/net.d" } });
    const status = computePodStatus(pod(), r, { hostIp: "198.18.1.11", now: t1 });
    expect(status.conditions?.find((c) => c.type === "Initialized")).toMatchObject({ status: "False", reason: "NetworkNotReady" });
    expect(status.phase).toBe("Pending");
  });

  it("keeps transition times of unchanged conditions, so the fingerprint is stable", () => {
    const first = computePodStatus(pod(), runtime([running(true)]), { hostIp: "198.18.1.11", now: t0 });
    // Round-trip through JSON, as the API server returns it (dates as strings, second precision).
    const stored = JSON.parse(JSON.stringify(first)) as NonNullable<Pod["status"]>;
    const again = computePodStatus({ ...pod(), status: stored }, runtime([running(true)]), { hostIp: "198.18.1.11", now: t1 });
    expect(statusFingerprint(again)).toBe(statusFingerprint(stored));
    const changed = computePodStatus({ ...pod(), status: stored }, runtime([running(false)]), { hostIp: "198.18.1.11", now: t1 });
    expect(statusFingerprint(changed)).not.toBe(statusFingerprint(stored));
    expect(changed.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime).toBe("2025-01-01T00:00:10.000Z");
  });
});
