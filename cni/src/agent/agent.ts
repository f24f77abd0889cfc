/*
 * Design notes: the node agent's reconcile loop.
 *
 * One key ("node") in a reconcile queue: every Node event adds it, and one level-based pass reads
 * the whole Node list and makes this node match it — local devices (bridge, VXLAN), the route to
 * every other node's podCIDR (direct or over VXLAN, by `vxlanMode`; overlay-plan.ts), the
 * masquerade rules and the installed plugin and conflist. The
 * pass reads the kernel before it writes and changes only what differs, so it is as safe after a
 * restart (adopting what a previous agent built) as on a resync. The agent is ready after its
 * first successful pass; CNI STATUS reports 50 until then.
 */
import { defaults } from "@isthmus/core/constants";
import { type Cidr, parseCidr, parseIp } from "@isthmus/core/net";
import { createReconcileQueue, type ReconcileQueue } from "@isthmus/core/runtime";
import type { Logger } from "pino";
import type { CommandRunner } from "../datapath/exec.js";
import { CniError } from "../plugin/errors.js";
import { type InstallPaths, installCni } from "./install.js";
import { applyNat, applySysctls } from "./nat.js";
import { ensureLocalDevices, findUnderlay, syncPeers } from "./overlay.js";
import { nodeMtus, type OverlayNode, routePeers, type VxlanMode } from "./overlay-plan.js";

/** A Node as the agent needs it (from the informer, or a fake list in tests). */
export interface NodeRecord {
  readonly name: string;
  /** spec.podCIDR, when the controller-manager has allocated one. */
  readonly podCidr?: string;
  /** status.addresses[type=InternalIP]. */
  readonly internalIp?: string;
}

/** Where Nodes come from. */
export interface NodeSource {
  /** The Nodes known now (the informer's cache). */
  list(): readonly NodeRecord[];
}

/** Options of {@link createNodeAgent}. */
export interface NodeAgentOptions {
  readonly nodeName: string;
  readonly runner: CommandRunner;
  readonly nodes: NodeSource;
  readonly logger: Logger;
  readonly paths: InstallPaths;
  /** The cluster's own CIDRs besides the nodes' podCIDRs (e.g. the service CIDR): never masqueraded. */
  readonly clusterCidrs?: readonly Cidr[];
  /** How other nodes are reached; default "always" (every node over VXLAN). */
  readonly vxlanMode?: VxlanMode;
}

/** What one pass found and did. */
export interface ReconcileReport {
  readonly podCidr: Cidr;
  /** The pod MTU written to the conflist. */
  readonly mtu: number;
  /** Every other node with a podCIDR, by name. */
  readonly peers: readonly string[];
  /** The peers reached by a direct route (the rest go over VXLAN). */
  readonly direct: readonly string[];
  readonly changes: readonly string[];
}

/** The overlay half of isthmus-node. */
export interface NodeAgent {
  /** Component name for the lifecycle. */
  readonly name: string;
  /** One level-based pass (also what the queue runs); throws CniError when this Node is not ready. */
  reconcile(): Promise<ReconcileReport>;
  /** Schedules a pass (call on every Node event). */
  nodesChanged(): void;
  /** True after the first successful pass. */
  isReady(): boolean;
  /** Starts the queue and resolves after the first successful pass. */
  start(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

function toOverlayNode(node: NodeRecord): OverlayNode | undefined {
  if (node.podCidr === undefined || node.internalIp === undefined) return undefined;
  return { name: node.name, podCidr: parseCidr(node.podCidr), nodeIp: parseIp(node.internalIp) };
}

/** Creates the agent; nothing happens until `start()` or `reconcile()`. */
export function createNodeAgent(options: NodeAgentOptions): NodeAgent {
  const { runner, logger, nodeName } = options;
  const mode = options.vxlanMode ?? "always";
  let ready = false;
  let sysctlsDone = false;
  let installed = "";
  let nat = "";
  let firstPass: { resolve: () => void } | undefined;

  async function reconcile(): Promise<ReconcileReport> {
    const all = options.nodes.list();
    const self = all.find((n) => n.name === nodeName);
    const local = self === undefined ? undefined : toOverlayNode(self);
    if (local === undefined) {
      throw new CniError("TryAgainLater", `Node ${nodeName} ${self === undefined ? "is not registered yet" : "has no podCIDR or InternalIP yet"}: waiting for the kubelet and the controller-manager`);
    }
    if (!sysctlsDone) {
      await applySysctls(runner);
      sysctlsDone = true;
    }
    const underlay = await findUnderlay(runner, local.nodeIp);
    const mtus = nodeMtus(underlay.mtu, mode);
    await ensureLocalDevices(runner, local, mtus, underlay);
    const peers = all.filter((n) => n.name !== nodeName).map(toOverlayNode).filter((n) => n !== undefined);
    const routing = routePeers(peers, { mode, underlaySubnets: underlay.subnets });
    const plan = await syncPeers(runner, { routing, underlay });
    const clusterCidrs = [local.podCidr, ...peers.map((p) => p.podCidr), ...(options.clusterCidrs ?? [])];
    const natKey = clusterCidrs.map(String).sort().join(",");
    if (natKey !== nat) {
      await applyNat(runner, local.podCidr, clusterCidrs);
      nat = natKey;
    }
    const installKey = `${local.podCidr.toString()}|${mtus.pod}`;
    if (installKey !== installed) {
      await installCni(local.podCidr, mtus.pod, options.paths);
      installed = installKey;
    }
    if (plan.changes.length > 0) logger.info({ changes: plan.changes }, "overlay updated");
    if (!ready) logger.info({ podCidr: local.podCidr, mtu: mtus.pod, vxlanMtu: mtus.vxlan, underlay: underlay.device, device: defaults.cniVxlanDevice, vxlanMode: mode }, "node network ready");
    ready = true;
    firstPass?.resolve();
    return { podCidr: local.podCidr, mtu: mtus.pod, peers: peers.map((p) => p.name), direct: routing.direct.map((p) => p.name), changes: plan.changes };
  }

  const queue: ReconcileQueue<"node"> = createReconcileQueue<"node">({
    reconcile: async () => {
      await reconcile();
    },
    backoff: { baseMs: 200, maxMs: 10_000, jitter: 0.2 },
    resyncMs: 60_000,
    listKeys: () => ["node"],
    logger: logger.child({ component: "overlay-queue" }),
  });

  return {
    name: "node-agent",
    reconcile,
    nodesChanged: () => {
      queue.add("node");
    },
    isReady: () => ready,
    start: async (signal) => {
      const first = new Promise<void>((resolve, reject) => {
        firstPass = { resolve };
        signal?.addEventListener("abort", () => { reject(signal.reason instanceof Error ? signal.reason : new Error("aborted")); }, { once: true });
      });
      await queue.start();
      queue.add("node");
      await first;
    },
    stop: () => queue.stop(),
  };
}
