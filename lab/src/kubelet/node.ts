/**
 * The lab node: registers the Node object (labels, addresses, capacity, Ready), then keeps it
 * alive the way a kubelet does — the Lease `kube-node-lease/<node>` renewed every
 * `leaseRenewMs`, and Node status (conditions with heartbeat times) patched every
 * `nodeStatusIntervalMs` — so the node-lifecycle controller keeps the node Ready. A Node deleted
 * behind its back is registered again at the next heartbeat.
 */
import { readFileSync } from "node:fs";
import { release } from "node:os";
import type { CoordinationV1Api, CoreV1Api } from "@kubernetes/client-node";
import { V1Lease, V1MicroTime, V1Node } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { errorMessage } from "@isthmus/core/errors";
import { httpStatusOf } from "@isthmus/core/kube";
import { systemClock, type Clock, type Component, type Timer } from "@isthmus/core/runtime";
import type { KubeletConfig } from "./config.js";
import { KubeletError } from "./errors.js";
import type { Node, NodeStatus } from "./kube-types.js";

/** The Kubernetes version the lab kubelet reports. */
export const kubeletVersion = "v1.34.4";

/** Host facts reported in nodeInfo. */
export interface NodeFacts {
  readonly kernelVersion: string;
  readonly osImage: string;
  readonly machineId: string;
  readonly bootId: string;
  readonly architecture: string;
}

const readOr = (path: string, fallback: string): string => {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return fallback;
  }
};

/** Reads the host facts (missing files give "unknown"). */
export function readNodeFacts(): NodeFacts {
  const osRelease = readOr("/etc/os-release", "");
  return {
    kernelVersion: release(),
    osImage: /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? "unknown",
    machineId: readOr("/etc/machine-id", "unknown"),
    bootId: readOr("/proc/sys/kernel/random/boot_id", "unknown"),
    architecture: process.arch === "x64" ? "amd64" : process.arch,
  };
}

/** The node's status: Ready plus the three pressure conditions, addresses, capacity, nodeInfo. */
export function buildNodeStatus(config: KubeletConfig, facts: NodeFacts, now: Date, since: Date): NodeStatus {
  const condition = (type: string, ok: boolean, reason: string, message: string) => ({
    type,
    status: ok ? "True" : "False",
    reason,
    message,
    lastHeartbeatTime: now.toISOString(),
    lastTransitionTime: since.toISOString(),
  });
  const resources = { cpu: "2", memory: "4Gi", pods: "110", "ephemeral-storage": "20Gi" };
  return {
    conditions: [
      condition("MemoryPressure", false, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
      condition("DiskPressure", false, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
      condition("PIDPressure", false, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
      condition("Ready", true, "KubeletReady", "lab kubelet is posting ready status"),
    ],
    addresses: [
      { type: "InternalIP", address: config.nodeIp },
      { type: "Hostname", address: config.nodeName },
    ],
    capacity: resources,
    allocatable: resources,
    daemonEndpoints: { kubeletEndpoint: { Port: config.serverPort } },
    nodeInfo: {
      architecture: facts.architecture,
      bootID: facts.bootId,
      containerRuntimeVersion: "isthmus-lab://0.1.0",
      kernelVersion: facts.kernelVersion,
      kubeProxyVersion: kubeletVersion,
      kubeletVersion,
      machineID: facts.machineId,
      operatingSystem: "linux",
      osImage: facts.osImage,
      systemUUID: facts.machineId,
    },
  };
}

/**
 * The Node object to register: standard labels plus the configured ones. Its status is patched
 * right after (client-node's serializer wants Date objects in typed bodies; patches are plain JSON).
 */
export function buildNode(config: KubeletConfig, facts: NodeFacts): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: config.nodeName,
      labels: {
        "kubernetes.io/hostname": config.nodeName,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": facts.architecture,
        ...config.labels,
      },
    },
    spec: {},
  };
}

/** Options of {@link createNodeAgent}. */
export interface NodeAgentOptions {
  readonly core: CoreV1Api;
  readonly coordination: CoordinationV1Api;
  readonly config: KubeletConfig;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly facts?: NodeFacts;
}

/** Registers the node and keeps its Lease and status fresh (a lifecycle component). */
export function createNodeAgent(options: NodeAgentOptions): Component & { heartbeat(): Promise<void> } {
  const { core, coordination, config, logger } = options;
  const clock = options.clock ?? systemClock;
  const facts = options.facts ?? readNodeFacts();
  const name = config.nodeName;
  const since = new Date();
  const timers: Timer[] = [];
  let stopped = false;

  const register = async (): Promise<void> => {
    try {
      await core.createNode({ body: Object.assign(new V1Node(), buildNode(config, facts)) });
      logger.info({ node: name }, "registered node");
    } catch (err) {
      if (httpStatusOf(err) !== 409) throw new KubeletError("ApiFailed", `Cannot register node ${name}: ${errorMessage(err)}`, { cause: err });
      const node = await core.readNode({ name });
      const labels = { ...(node.metadata?.labels ?? {}), ...buildNode(config, facts).metadata?.labels };
      await core.patchNode({ name, body: [{ op: "add", path: "/metadata/labels", value: labels }] });
    }
  };

  const patchStatus = async (): Promise<void> => {
    const status = buildNodeStatus(config, facts, new Date(), since);
    const ops = Object.entries(status).map(([key, value]) => ({ op: "add", path: `/status/${key}`, value }));
    try {
      await core.patchNodeStatus({ name, body: ops });
    } catch (err) {
      if (httpStatusOf(err) !== 404) throw new KubeletError("ApiFailed", `Cannot update status of node ${name}: ${errorMessage(err)}`, { cause: err });
      logger.warn({ node: name }, "node object is gone; registering it again");
      await register();
    }
  };

  const renewLease = async (): Promise<void> => {
    const renewTime = new V1MicroTime(Date.now());
    try {
      await coordination.patchNamespacedLease({
        name,
        namespace: "kube-node-lease",
        body: [
          { op: "add", path: "/spec/renewTime", value: renewTime.toISOString() },
          { op: "add", path: "/spec/holderIdentity", value: name },
          { op: "add", path: "/spec/leaseDurationSeconds", value: config.leaseDurationSeconds },
        ],
      });
    } catch (err) {
      if (httpStatusOf(err) !== 404) throw new KubeletError("ApiFailed", `Cannot renew lease of node ${name}: ${errorMessage(err)}`, { cause: err });
      const lease = Object.assign(new V1Lease(), {
        metadata: { name, namespace: "kube-node-lease" },
        spec: { holderIdentity: name, leaseDurationSeconds: config.leaseDurationSeconds, renewTime },
      });
      await coordination.createNamespacedLease({ namespace: "kube-node-lease", body: lease });
    }
  };

  const every = (ms: number, what: string, fn: () => Promise<void>): void => {
    const tick = (): void => {
      if (stopped) return;
      fn().then(
        () => undefined,
        (err: unknown) => { logger.warn({ err, node: name }, `${what} failed; retrying at the next period`); },
      ).finally(() => {
        if (!stopped) timers.push(clock.setTimeout(tick, ms));
      });
    };
    timers.push(clock.setTimeout(tick, ms));
  };

  return {
    name: "node",
    async start(): Promise<void> {
      await register();
      await patchStatus();
      await renewLease();
      every(config.nodeStatusIntervalMs, "node status heartbeat", patchStatus);
      every(config.leaseRenewMs, "node lease renewal", renewLease);
    },
    stop(): Promise<void> {
      stopped = true;
      for (const t of timers) t.cancel();
      return Promise.resolve();
    },
    async heartbeat(): Promise<void> {
      await patchStatus();
      await renewLease();
    },
  };
}
