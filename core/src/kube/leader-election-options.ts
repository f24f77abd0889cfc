import type { Logger } from "pino";
import type { Clock } from "../runtime/clock.js";
import { KubeError } from "./errors.js";
import type { LeaseClient, LeaseRef } from "./lease-client.js";

/** Options of `createLeaderElector`; the timing fields follow client-go's leaderelection package. */
export interface LeaderElectorOptions {
  /** The Lease that elects the leader, e.g. `{ namespace: "isthmus-system", name: "isthmus-gateway" }`. */
  readonly lease: LeaseRef;
  /** This candidate's identity (usually the node or pod name); unique among candidates. */
  readonly identity: string;
  /** How long others wait after the last observed renewal before taking over (written rounded up to seconds). */
  readonly leaseDurationMs: number;
  /** How long the leader keeps leading without a successful renewal; < leaseDurationMs. */
  readonly renewDeadlineMs: number;
  /** Pause between attempts (to acquire, or to renew); < renewDeadlineMs. */
  readonly retryPeriodMs: number;
  /**
   * Called when this candidate becomes leader. `signal` aborts when leadership ends (lost, or
   * stop()); the work must stop then. A returned promise is awaited before onStoppedLeading and
   * before the lease is released; if it rejects (other than by abort), the elector steps down.
   */
  readonly onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /** Called once after each leadership ends, after the work of onStartedLeading has settled. */
  readonly onStoppedLeading: () => void;
  /** Called when the observed leader changes (including to this candidate). */
  readonly onNewLeader?: (identity: string) => void;
  /** Reads and writes the Lease (`createKubeLeaseClient(...)`, or a fake in tests). */
  readonly leaseClient: LeaseClient;
  /** Monotonic time for all timing decisions; default the system clock. */
  readonly clock?: Clock;
  /** Wall-clock time written into acquireTime/renewTime; default `new Date()`. */
  readonly wallClock?: () => Date;
  /** Logger (a child with component "leader-election" is made); default silent. */
  readonly logger?: Logger;
  /** Random source for the jitter of acquire retries; default Math.random. */
  readonly random?: () => number;
  /** Release the lease on stop() so a standby takes over at once; default true. */
  readonly releaseOnStop?: boolean;
}

/**
 * Throws KubeError "InvalidOptions" unless 0 < retryPeriodMs < renewDeadlineMs < leaseDurationMs,
 * leaseDurationMs ≥ 1000 (the Lease holds whole seconds) and identity and lease names are set.
 */
export function checkLeaderElectorOptions(options: LeaderElectorOptions): void {
  const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = options;
  const problems: string[] = [];
  if (options.identity === "") problems.push("identity must not be empty");
  if (options.lease.name === "" || options.lease.namespace === "") problems.push("lease namespace and name must not be empty");
  for (const [name, value] of Object.entries({ leaseDurationMs, renewDeadlineMs, retryPeriodMs })) {
    if (!Number.isFinite(value) || value <= 0) problems.push(`${name} must be a positive number of ms, got ${value}`);
  }
  if (leaseDurationMs < 1000) problems.push(`leaseDurationMs must be at least 1000 (the Lease stores seconds), got ${leaseDurationMs}`);
  if (!(renewDeadlineMs < leaseDurationMs)) {
    problems.push(`renewDeadlineMs (${renewDeadlineMs}) must be less than leaseDurationMs (${leaseDurationMs})`);
  }
  if (!(retryPeriodMs < renewDeadlineMs)) {
    problems.push(`retryPeriodMs (${retryPeriodMs}) must be less than renewDeadlineMs (${renewDeadlineMs})`);
  }
  if (problems.length > 0) {
    throw new KubeError("InvalidOptions", `Invalid leader election options for ${options.identity || "(no identity)"}: ${problems.join("; ")}`);
  }
}
