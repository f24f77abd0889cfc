/*
 * Design notes: the policy half of isthmus-node (ADR 0406).
 *
 * One key ("policy") in a reconcile queue: every Pod, Namespace and NetworkPolicy event adds
 * it; a pass compiles the whole input into the wanted ruleset and, when it differs from the one
 * this process last applied, replaces the table's contents in one nft transaction. Nothing is
 * applied before all three caches have synced once: after a restart the table the previous
 * agent left stays in force (the kernel keeps it; only `--uninstall` deletes it) until a
 * complete view replaces it, so a restart never opens a hole. The first pass of a process
 * always applies (it cannot know what the last one wrote). Drop counters live in the kernel
 * and survive both restarts and replacements.
 */
import { createReconcileQueue, type ReconcileQueue } from "@isthmus/core/runtime";
import type { Logger } from "pino";
import type { CommandRunner } from "../datapath/exec.js";
import { applyPolicyRuleset, ensureBridgeNetfilter, readDropCounters } from "./apply.js";
import { compilePolicies, type Direction, type PolicyCounter } from "./compile.js";
import type { PolicySource } from "./kube.js";

/** Drops counted for one policy and direction on this node. */
export interface PolicyDrops {
  readonly namespace: string;
  readonly policy: string;
  readonly direction: Direction;
  readonly packets: number;
  readonly bytes: number;
}

/** What one pass did. */
export type PolicyPassResult = "waiting-for-caches" | "unchanged" | "applied";

/** The policy enforcement component. */
export interface PolicyAgent {
  readonly name: string;
  /** One level-based pass (also what the queue runs). Throws CniError when nft fails. */
  reconcile(): Promise<PolicyPassResult>;
  /** Schedules a pass (call on every informer event). */
  changed(): void;
  /** True once a complete view of the cluster has been applied. */
  isReady(): boolean;
  /** Drop counters of the policies in force on this node (read from the kernel). */
  drops(): Promise<readonly PolicyDrops[]>;
  /** Starts the queue; returns at once (the first apply waits for the caches, not the caller). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Options of {@link createPolicyAgent}. */
export interface PolicyAgentOptions {
  readonly nodeName: string;
  readonly runner: CommandRunner;
  readonly source: PolicySource;
  readonly logger: Logger;
}

/** Creates the agent; nothing happens until `start()` or `reconcile()`. */
export function createPolicyAgent(options: PolicyAgentOptions): PolicyAgent {
  const { runner, logger, nodeName } = options;
  let applied: string | undefined;
  let counters: readonly PolicyCounter[] = [];
  let bridgeChecked = false;
  let warned = new Set<string>();

  async function reconcile(): Promise<PolicyPassResult> {
    const input = options.source.snapshot(nodeName);
    if (input === undefined) return "waiting-for-caches";
    const ruleset = compilePolicies(input);
    const key = JSON.stringify([ruleset.ingress, ruleset.egress, ruleset.counters, ruleset.dropChains]);
    if (key === applied) return "unchanged";
    if (!bridgeChecked) {
      if (!(await ensureBridgeNetfilter(runner))) {
        logger.error("br_netfilter is not available: traffic between pods of this node is bridged past the forward hook and NOT filtered; load br_netfilter");
      }
      bridgeChecked = true;
    }
    const fresh = ruleset.warnings.filter((w) => !warned.has(w));
    for (const warning of fresh) logger.warn({ warning }, "odd network policy input, enforced as the API documents");
    warned = new Set(ruleset.warnings);
    await applyPolicyRuleset(runner, ruleset);
    applied = key;
    counters = ruleset.counters;
    logger.info({ ingressIsolated: ruleset.ingress.isolated.length, egressIsolated: ruleset.egress.isolated.length, elements: ruleset.ingress.ports.length + ruleset.ingress.any.length + ruleset.egress.ports.length + ruleset.egress.any.length, policies: new Set(ruleset.counters.map((c) => `${c.namespace}/${c.policy}`)).size }, "network policy applied");
    return "applied";
  }

  const queue: ReconcileQueue<"policy"> = createReconcileQueue<"policy">({
    reconcile: async () => {
      await reconcile();
    },
    backoff: { baseMs: 100, maxMs: 5_000, jitter: 0.2 },
    resyncMs: 60_000,
    listKeys: () => ["policy"],
    logger: logger.child({ component: "policy-queue" }),
  });

  return {
    name: "policy-agent",
    reconcile,
    changed: () => {
      queue.add("policy");
    },
    isReady: () => applied !== undefined,
    drops: async () => {
      const values = await readDropCounters(runner);
      return counters.map((c) => ({ namespace: c.namespace, policy: c.policy, direction: c.direction, packets: values.get(c.name)?.packets ?? 0, bytes: values.get(c.name)?.bytes ?? 0 }));
    },
    start: async () => {
      await queue.start();
      queue.add("policy");
    },
    stop: () => queue.stop(),
  };
}
