import type { ConnectionState, RttStats } from "@isthmus/core/model";
import type { Clock } from "@isthmus/core/runtime";
import { createProbeWindow } from "./rtt-window.js";

/** When a peer counts as up or down. */
export interface HealthPolicy {
  /** Consecutive lost probes that turn a connected peer to error (with a 100 ms interval, 5 = ~0.5 s). */
  readonly failureThreshold: number;
  /** Consecutive answered probes that bring a peer in error back to connected. */
  readonly recoveryThreshold: number;
  /** A peer that has never answered turns from connecting to error after this long, ms. */
  readonly connectTimeoutMs: number;
  /** Outcomes kept for RTT statistics and loss. */
  readonly windowSize: number;
}

/** Defaults: 5 losses to fail, 2 answers to recover, 10 s to connect, window of 100. */
export const defaultHealthPolicy: HealthPolicy = Object.freeze({ failureThreshold: 5, recoveryThreshold: 2, connectTimeoutMs: 10_000, windowSize: 100 });

/** One peer's health as the prober reports it. */
export interface PeerHealthSnapshot {
  /** connecting (never answered yet), connected, or error. */
  readonly status: ConnectionState;
  /** Why the status is "error" (or why a connecting peer waits), in words. */
  readonly reason?: string;
  /** RTT statistics over the window; undefined until the first answer. */
  readonly rtt?: RttStats;
  /** Fraction of probes lost over the window. */
  readonly lossRatio: number;
  /** Clock time (ms) of the last status change. */
  readonly lastChangeMs: number;
}

/** The health state machine of one peer, fed with probe outcomes. Pure apart from the clock. */
export interface PeerHealth {
  /** Feeds one outcome (RTT ms, or undefined for a lost probe); returns true when the status changed. */
  record(rttMs: number | undefined): boolean;
  /** The current health. */
  snapshot(): PeerHealthSnapshot;
}

/**
 * Creates the state machine of one peer probed at `address`: connecting → connected on the
 * first answer; connected → error after `failureThreshold` losses in a row; error → connected
 * after `recoveryThreshold` answers in a row; connecting → error when nothing answered within
 * `connectTimeoutMs` of the start.
 */
export function createPeerHealth(address: string, options: { policy: HealthPolicy; clock: Clock }): PeerHealth {
  const { policy, clock } = options;
  const window = createProbeWindow(policy.windowSize);
  const started = clock.now();
  let status: ConnectionState = "connecting";
  let reason: string | undefined;
  let lastChangeMs = started;
  let losses = 0;
  let answers = 0;

  const change = (next: ConnectionState, why: string | undefined): boolean => {
    reason = why;
    if (next === status) return false;
    status = next;
    lastChangeMs = clock.now();
    return true;
  };

  return {
    record(rttMs) {
      window.record(rttMs);
      if (rttMs !== undefined) {
        losses = 0;
        answers += 1;
        if (status === "connecting" || (status === "error" && answers >= policy.recoveryThreshold)) return change("connected", undefined);
        return false;
      }
      answers = 0;
      losses += 1;
      if (status === "connected" && losses >= policy.failureThreshold) {
        return change("error", `${losses} probes to ${address} in a row got no answer`);
      }
      if (status === "connecting" && clock.now() - started >= policy.connectTimeoutMs) {
        return change("error", `no answer from ${address} within ${Math.round(policy.connectTimeoutMs / 1000)} s of connecting`);
      }
      if (status === "error") reason = `${losses} probes to ${address} in a row got no answer`;
      return false;
    },
    snapshot() {
      const rtt = window.stats();
      return {
        status,
        ...(reason === undefined ? {} : { reason }),
        ...(rtt === undefined ? {} : { rtt }),
        lossRatio: window.lossRatio(),
        lastChangeMs,
      };
    },
  };
}
