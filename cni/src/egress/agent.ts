/*
 * Design notes: the egress half of isthmus-node (issue #17, ADR 0407).
 *
 * One key ("egress") in a reconcile queue: every EgressGateway, Node, Pod and Namespace event
 * adds it. A pass plans this node from the whole input (plan.ts) and applies the programs
 * (apply.ts, level-based: it reads the kernel and writes only what differs; the first pass adopts
 * or cleans up what a previous agent left) when they differ from what this process last applied,
 * when a re-announcement is due, or when the last check of the kernel is `recheckMs / 2` old: the
 * queue re-adds the key every `recheckMs`, so what was removed behind the agent's back (an
 * address, a rule, a route, the SNAT) is back within `recheckMs`, and an informer event that
 * changes nothing for this node costs no command. Then it writes the statuses this node owns: those of
 * the resources it serves, and, on the first Ready node by name, those of resources no node
 * serves (someone must say why). Nothing is applied before every cache has synced once: after a
 * restart the kernel keeps the last programs until a complete view replaces them.
 *
 * Liveness (liveness.ts): each pass hands the planner the nodes this node's probes find dead and
 * hands the prober the nodes the plan says to probe; a change of liveness schedules a pass. A
 * node cut off from every peer writes no status (its view is its own).
 *
 * Re-announcing: the segment's router sends an egress address's replies to whichever node
 * announced it last. A serving node announces its extra addresses when it starts serving them,
 * and again after any change of its peers' liveness (a peer died, came back, or was cut off and
 * returned) and when a peer says it released one of them (`released`): a standby that wrongly
 * took an address while this node kept serving it announced it, and gives it back with a
 * release, after which the router would otherwise stay at the standby's MAC. A node that stops
 * serving an address tells its peers so (liveness.ts `release`). Each announcement is repeated
 * once, `announceRepeatMs` later, by this process and only if it still serves the address then
 * (a lost first announcement would leave the router at the old MAC until it re-probes): the
 * repeat was arping's own second packet, which went out even after the agent had died or the
 * address had moved on.
 */
import { createReconcileQueue, type MetricFamily, type ReconcileQueue } from "@isthmus/core/runtime";
import type { Logger } from "pino";
import type { VxlanMode } from "../agent/overlay-plan.js";
import type { CommandRunner } from "../datapath/exec.js";
import { CniError } from "../plugin/errors.js";
import { applyEgress, type EgressTableMemo, readEgressCounters } from "./apply.js";
import type { EgressSource } from "./kube.js";
import type { EgressLiveness } from "./liveness.js";
import { planEgress } from "./plan.js";
import { counterNames } from "./render.js";
import type { EgressGatewayStatus, EgressInput } from "./types.js";

/** What one pass did. */
export type EgressPassResult = "waiting-for-caches" | "unchanged" | "applied";

/** The egress component. */
export interface EgressAgent {
  readonly name: string;
  /** One level-based pass (also what the queue runs). Throws CniError when the kernel or the API fails. */
  reconcile(): Promise<EgressPassResult>;
  /** Schedules a pass (call on every informer event). */
  changed(): void;
  /** A peer no longer serves `address`: if this node serves it, announce it again (schedules a pass). */
  released(address: string): void;
  /** Bytes and packets through each egress this node serves (from the kernel's counters). */
  metrics(): Promise<MetricFamily[]>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Options of {@link createEgressAgent}. */
export interface EgressAgentOptions {
  readonly nodeName: string;
  readonly runner: CommandRunner;
  readonly source: EgressSource;
  readonly logger: Logger;
  readonly vxlanMode?: VxlanMode;
  /** The cluster's CIDRs besides the nodes' podCIDRs (the service CIDR): never steered. */
  readonly clusterCidrs?: readonly string[];
  /** The probes of the egress nodes; without it only the Ready condition says which nodes are alive. */
  readonly liveness?: Pick<EgressLiveness, "setPeers" | "unreachable" | "peers" | "release">;
  /** How often the kernel is checked against the plan when nothing else changes, ms (default 10 s). */
  readonly recheckMs?: number;
}

/** The default of EgressAgentOptions.recheckMs: five reads per node every 10 s. */
export const defaultEgressRecheckMs = 10_000;

/** How long after announcing an address the agent announces it once more (see the design notes). */
export const announceRepeatMs = 1_000;

/** The statuses node `input.nodeName` writes (see the design notes; of a `hash` resource the first serving node by name). */
export function statusesToWrite(input: EgressInput, statuses: readonly EgressGatewayStatus[]): EgressGatewayStatus[] {
  const firstReady = input.nodes.filter((n) => n.ready).map((n) => n.name).sort()[0];
  return statuses.filter((s) => {
    const writer = s.activeNode ?? s.activeNodes?.[0]?.name;
    return writer === input.nodeName || (writer === undefined && firstReady === input.nodeName);
  });
}

/** Creates the agent; nothing happens until `start()` or `reconcile()`. */
export function createEgressAgent(options: EgressAgentOptions): EgressAgent {
  const { runner, logger, nodeName } = options;
  const recheckMs = options.recheckMs ?? defaultEgressRecheckMs;
  const memo: EgressTableMemo = {};
  let applied: string | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let serving: readonly string[] = [];
  let servedAddresses: readonly string[] = [];
  let lastUnreachable: string | undefined;
  /** Served addresses to announce again at the next pass (see the design notes). */
  const announceAgain = new Set<string>();
  /** Addresses whose next announcement is the repeat of the last (which is not repeated again). */
  const repeating = new Set<string>();
  const repeatTimers = new Set<ReturnType<typeof setTimeout>>();

  async function reconcile(): Promise<EgressPassResult> {
    const cached = options.source.snapshot(nodeName);
    if (cached === undefined) return "waiting-for-caches";
    const self = cached.nodes.find((n) => n.name === nodeName);
    if (self?.internalIp === undefined) throw new CniError("TryAgainLater", `Node ${nodeName} has no InternalIP yet: the egress gateway waits for it`);
    const unreachable = options.liveness?.unreachable() ?? [];
    const unreachableKey = unreachable.join(",");
    if (lastUnreachable !== undefined && unreachableKey !== lastUnreachable) for (const a of servedAddresses) announceAgain.add(a);
    lastUnreachable = unreachableKey;
    const input: EgressInput = { ...cached, unreachable };
    const plan = planEgress(input);
    const addressOf = new Map(input.nodes.flatMap((n) => (n.internalIp === undefined ? [] : [[n.name, n.internalIp] as const])));
    options.liveness?.setPeers(new Map(plan.probe.flatMap((name) => { const a = addressOf.get(name); return a === undefined ? [] : [[name, a] as const]; })));
    const clusterCidrs = [...new Set([...input.nodes.flatMap((n) => (n.podCidr === undefined ? [] : [n.podCidr])), ...(options.clusterCidrs ?? [])])].sort();
    const mode = options.vxlanMode ?? "always";
    const key = JSON.stringify([plan.programs, clusterCidrs, self.internalIp, mode]);
    const addresses = plan.programs.filter((p) => p.serving && p.extraPrefix !== undefined).map((p) => p.egressIp);
    const reannounce = addresses.filter((a) => !servedAddresses.includes(a) || announceAgain.has(a));
    const started = Date.now();
    let result: EgressPassResult = "unchanged";
    if (key !== applied || reannounce.length > 0 || started - checkedAt >= recheckMs / 2) {
      const changes = await applyEgress(runner, { programs: plan.programs, nodeIp: self.internalIp, mode, clusterCidrs, reannounce, memo, onWarning: (message) => { logger.warn(message); } });
      checkedAt = started;
      announceAgain.clear();
      for (const address of reannounce) {
        if (repeating.delete(address)) continue;
        const timer = setTimeout(() => {
          repeatTimers.delete(timer);
          if (!servedAddresses.includes(address)) return;
          repeating.add(address);
          announceAgain.add(address);
          queue.add("egress");
        }, announceRepeatMs);
        repeatTimers.add(timer);
      }
      const released = servedAddresses.filter((a) => !addresses.includes(a));
      if (released.length > 0) options.liveness?.release(released);
      serving = plan.programs.filter((p) => p.serving).map((p) => p.name);
      servedAddresses = addresses;
      if (key !== applied || changes.length > 0) {
        logger.info({ programs: plan.programs.map((p) => ({ name: p.name, active: p.active.name, steered: p.steer.length, snat: p.snat.length })), unreachable, changes, ...(reannounce.length > 0 ? { announced: reannounce } : {}) }, key === applied ? "egress kernel state repaired" : "egress gateways applied");
        result = "applied";
      } else if (reannounce.length > 0) {
        logger.info({ announced: reannounce, unreachable }, "egress addresses announced again");
      }
      applied = key;
    }
    if (unreachable.includes(nodeName)) return result;
    const failures: string[] = [];
    for (const status of statusesToWrite(input, plan.statuses)) {
      try {
        if (await options.source.writeStatus(status)) logger.info({ gateway: status.name, activeNode: status.activeNode, reason: status.conditions[0]?.reason }, "egress gateway status written");
      } catch (err) {
        failures.push(err instanceof Error ? err.message : String(err));
      }
    }
    if (failures.length > 0) throw new CniError("IoFailure", `Cannot write ${String(failures.length)} egress gateway statuses (the data path is applied; retrying): ${failures.join("; ")}`);
    return result;
  }

  const queue: ReconcileQueue<"egress"> = createReconcileQueue<"egress">({
    reconcile: async () => {
      await reconcile();
    },
    backoff: { baseMs: 100, maxMs: 5_000, jitter: 0.2 },
    resyncMs: recheckMs,
    listKeys: () => ["egress"],
    logger: logger.child({ component: "egress-queue" }),
  });

  return {
    name: "egress-agent",
    reconcile,
    changed: () => {
      queue.add("egress");
    },
    released: (address) => {
      if (!servedAddresses.includes(address)) return;
      announceAgain.add(address);
      queue.add("egress");
    },
    metrics: async () => {
      const counters = await readEgressCounters(runner);
      const samples = (field: "bytes" | "packets") => serving.flatMap((name) => {
        const { tx, rx } = counterNames(name);
        return [
          { labels: { gateway: name, direction: "tx" }, value: counters.get(tx)?.[field] ?? 0 },
          { labels: { gateway: name, direction: "rx" }, value: counters.get(rx)?.[field] ?? 0 },
        ];
      });
      return [
        { name: "isthmus_egress_bytes_total", help: "Bytes through an egress gateway this node serves: tx from the pods to the outside (SNATed), rx the replies.", type: "counter", samples: samples("bytes") },
        { name: "isthmus_egress_packets_total", help: "Packets counted like isthmus_egress_bytes_total.", type: "counter", samples: samples("packets") },
        { name: "isthmus_egress_peer_up", help: "1 when a node this node probes for the egress gateway answers (UDP 4801), 0 when it went silent; absent until it first answers.", type: "gauge", samples: (options.liveness?.peers() ?? []).filter((p) => p.state !== "unknown").map((p) => ({ labels: { node: p.name }, value: p.state === "up" ? 1 : 0 })) },
      ];
    },
    start: async () => {
      await queue.start();
      queue.add("egress");
    },
    stop: async () => {
      for (const timer of repeatTimers) clearTimeout(timer);
      repeatTimers.clear();
      await queue.stop();
    },
  };
}
