import type { GatewayEndpoint } from "@isthmus/core/model";
import { endpointSetFingerprint, type FailedMarks } from "./peer-plan.js";

/** Keeps the probe-failure marks of remote gateways (see peer-plan.ts design notes). */
export interface FailoverTracker {
  /** Marks `hostname` of `clusterId` failed now. Returns true when it was not marked yet. */
  markFailed(clusterId: string, hostname: string): boolean;
  /**
   * Feeds the current endpoint set from the broker; drops the marks of every cluster whose
   * endpoints changed since the last call. Returns true when marks were dropped.
   */
  observe(endpoints: readonly GatewayEndpoint[]): boolean;
  /** The current marks. */
  marks(): FailedMarks;
}

/** Creates a {@link FailoverTracker} on the clock `now` (ms). */
export function createFailoverTracker(now: () => number): FailoverTracker {
  const failed = new Map<string, Map<string, number>>();
  const fingerprints = new Map<string, string>();
  return {
    markFailed(clusterId, hostname) {
      const marks = failed.get(clusterId) ?? new Map<string, number>();
      failed.set(clusterId, marks);
      const fresh = !marks.has(hostname);
      marks.set(hostname, now());
      return fresh;
    },
    observe(endpoints) {
      const byCluster = new Map<string, GatewayEndpoint[]>();
      for (const e of endpoints) byCluster.set(e.clusterId, [...(byCluster.get(e.clusterId) ?? []), e]);
      let dropped = false;
      for (const clusterId of new Set([...byCluster.keys(), ...fingerprints.keys()])) {
        const print = endpointSetFingerprint(byCluster.get(clusterId) ?? []);
        if (fingerprints.get(clusterId) !== print) {
          fingerprints.set(clusterId, print);
          dropped = failed.delete(clusterId) || dropped;
        }
      }
      return dropped;
    },
    marks: () => failed,
  };
}
