// Design notes: the prober runs one probe stream per remote gateway (its tunnel address), feeds
// each outcome to that peer's state machine and reports status changes as they happen, so the
// gateway can publish them and fail over without waiting for a lease or the broker. Targets are
// set declaratively; a target whose address is unchanged keeps its history.
import { systemClock, type Clock } from "@isthmus/core/runtime";
import type { Logger } from "pino";
import { createPeerHealth, defaultHealthPolicy, type HealthPolicy, type PeerHealth, type PeerHealthSnapshot } from "./peer-health.js";
import type { ProbeSource } from "./source.js";

/** One peer to probe. */
export interface HealthTarget {
  /** Stable id, e.g. the remote cluster id. */
  readonly id: string;
  /** Address probed through the tunnel (the remote gateway's health-check IP). */
  readonly address: string;
}

/** Options of {@link createHealthProber}. */
export interface HealthProberOptions {
  /** Where probes come from. */
  readonly source: ProbeSource;
  /** Parent logger; logs as `component: "health"`. */
  readonly logger: Logger;
  /** Time between probes, ms; default 100. */
  readonly intervalMs?: number;
  /** Probe timeout, ms; default 300. */
  readonly timeoutMs?: number;
  /** Thresholds; default {@link defaultHealthPolicy}. */
  readonly policy?: HealthPolicy;
  /** Time source; default the system clock. */
  readonly clock?: Clock;
  /** Called after each status change of a target, with the address that was probed. Must not throw. */
  readonly onChange?: (id: string, health: PeerHealthSnapshot, address: string) => void;
}

/** Probes a set of peers and keeps their health. */
export interface HealthProber {
  /** Probes exactly `targets`: starts new ones, stops removed ones, restarts ones whose address changed. Idempotent. */
  setTargets(targets: readonly HealthTarget[]): void;
  /** The health of one target, or undefined when it is not probed. */
  snapshot(id: string): PeerHealthSnapshot | undefined;
  /** The health of every target, by id. */
  snapshots(): ReadonlyMap<string, PeerHealthSnapshot>;
  /** Stops every stream. Idempotent. */
  stop(): void;
}

interface Entry {
  readonly address: string;
  readonly health: PeerHealth;
  readonly stop: () => void;
}

/** Creates a {@link HealthProber}. */
export function createHealthProber(options: HealthProberOptions): HealthProber {
  const clock = options.clock ?? systemClock;
  const policy = options.policy ?? defaultHealthPolicy;
  const log = options.logger.child({ component: "health" });
  const entries = new Map<string, Entry>();

  const startEntry = (target: HealthTarget): Entry => {
    const health = createPeerHealth(target.address, { policy, clock });
    const stop = options.source.start(target.address, {
      intervalMs: options.intervalMs ?? 100,
      timeoutMs: options.timeoutMs ?? 300,
      onOutcome: (rttMs) => {
        if (entries.get(target.id)?.health !== health || !health.record(rttMs)) return;
        const snapshot = health.snapshot();
        log.info({ peer: target.id, address: target.address, status: snapshot.status, reason: snapshot.reason }, "peer health changed");
        options.onChange?.(target.id, snapshot, target.address);
      },
    });
    return { address: target.address, health, stop };
  };

  return {
    setTargets(targets) {
      const wanted = new Map(targets.map((t) => [t.id, t]));
      for (const [id, entry] of entries) {
        if (wanted.get(id)?.address === entry.address) continue;
        entry.stop();
        entries.delete(id);
      }
      for (const target of targets) {
        if (!entries.has(target.id)) entries.set(target.id, startEntry(target));
      }
    },
    snapshot: (id) => entries.get(id)?.health.snapshot(),
    snapshots: () => new Map([...entries].map(([id, e]) => [id, e.health.snapshot()])),
    stop() {
      for (const entry of entries.values()) entry.stop();
      entries.clear();
    },
  };
}
