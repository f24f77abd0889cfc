/*
 * Design notes. Leader election on a coordination.k8s.io/v1 Lease with client-go's semantics:
 *
 * - A candidate acquires the Lease when it does not exist, when nobody holds it (holder ""),
 *   when it already holds it, or when it has expired: expiry is judged by the *local* monotonic
 *   clock at which this candidate last saw the Lease change (observedTime + leaseDuration), never
 *   by comparing the holder's renewTime with our wall clock, so clock skew does not matter.
 * - Every write quotes the observed resourceVersion; a 409 Conflict means somebody else won
 *   the race and is simply another failed attempt.
 * - The leader renews every retryPeriod. If no renewal has succeeded for renewDeadline (measured
 *   from the start of the last successful one), or a read shows another valid holder, it steps
 *   down: the signal given to onStartedLeading aborts, its work is awaited, onStoppedLeading runs.
 *   Since renewDeadline < leaseDuration, it stops before any standby may take over.
 * - After losing, the elector becomes a candidate again (client-go's Run returns instead).
 * - stop() while leading releases the Lease (holder "", duration 1 s) after the work has
 *   stopped, so a standby acquires it on its next attempt instead of waiting out the lease.
 * - leaseTransitions is incremented whenever the holder changes (including from "").
 */
import type { Logger } from "pino";
import { errorMessage, isAbortError } from "../errors.js";
import { systemClock } from "../runtime/clock.js";
import { createSilentLogger } from "../runtime/log.js";
import { KubeError } from "./errors.js";
import { checkLeaderElectorOptions, type LeaderElectorOptions } from "./leader-election-options.js";
import type { LeaseRecord, ObservedLease } from "./lease-client.js";
import { createSleeper, withTimeout } from "./wait.js";

export type { LeaderElectorOptions } from "./leader-election-options.js";
export { checkLeaderElectorOptions } from "./leader-election-options.js";

/** A candidate in a Lease-based leader election. */
export interface LeaderElector {
  /** Name for lifecycle logs: "leader-election". */
  readonly name: string;
  /** This candidate's identity. */
  readonly identity: string;
  /** True while this candidate leads (between onStartedLeading and the abort of its signal). */
  readonly isLeader: boolean;
  /** The last observed holder, or undefined when none was seen. */
  readonly leader: string | undefined;
  /** Starts campaigning in the background and returns at once. Callable once. */
  start(signal?: AbortSignal): Promise<void>;
  /** Stops campaigning; if leading, stops the work, calls onStoppedLeading and releases the Lease. Idempotent. */
  stop(): Promise<void>;
}

/** Fraction of retryPeriod added at random to acquire retries so candidates do not move in lockstep. */
const acquireJitter = 0.2;

type Attempt = "acquired" | "held-by-other" | "failed";

/** Creates a {@link LeaderElector}; throws KubeError "InvalidOptions" for inconsistent timings. */
export function createLeaderElector(options: LeaderElectorOptions): LeaderElector {
  checkLeaderElectorOptions(options);
  const { lease, identity, leaseClient, renewDeadlineMs, retryPeriodMs } = options;
  const clock = options.clock ?? systemClock;
  const wallClock = options.wallClock ?? (() => new Date());
  const random = options.random ?? Math.random;
  const log: Logger = (options.logger ?? createSilentLogger()).child({ component: "leader-election", lease: `${lease.namespace}/${lease.name}`, identity });
  const leaseSeconds = Math.ceil(options.leaseDurationMs / 1000);
  const sleeper = createSleeper(clock);

  let state: "new" | "running" | "stopped" = "new";
  let leading = false;
  let reportedLeader: string | undefined;
  let observed: ObservedLease | undefined;
  let observedAt = 0;
  let loop: Promise<void> = Promise.resolve();
  // A function, not a comparison inline: the state changes across awaits.
  const running = (): boolean => state === "running";

  const observe = (record: ObservedLease): void => {
    if (observed?.resourceVersion !== record.resourceVersion) {
      observed = record;
      observedAt = clock.now();
    }
    if (record.holderIdentity !== "" && record.holderIdentity !== reportedLeader) {
      reportedLeader = record.holderIdentity;
      log.info({ leader: reportedLeader }, "new leader observed");
      callSafely("onNewLeader", () => options.onNewLeader?.(record.holderIdentity));
    }
  };

  const callSafely = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      log.error({ err }, `${what} callback threw; leader election continues`);
    }
  };

  const call = <T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> =>
    withTimeout(promise, {
      clock,
      ms: timeoutMs,
      onTimeout: () => new KubeError("ApiError", `${what} Lease ${lease.namespace}/${lease.name}: no answer within ${timeoutMs} ms`),
    });

  const tryAcquireOrRenew = async (timeoutMs: number): Promise<Attempt> => {
    const now = wallClock();
    try {
      const current = await call("Cannot read", leaseClient.get(lease), timeoutMs);
      if (current === undefined) {
        const record: LeaseRecord = { holderIdentity: identity, leaseDurationSeconds: leaseSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 };
        observe(await call("Cannot create", leaseClient.create(lease, record), timeoutMs));
        return "acquired";
      }
      observe(current);
      const holder = current.holderIdentity;
      if (holder !== "" && holder !== identity && observedAt + current.leaseDurationSeconds * 1000 > clock.now()) {
        return "held-by-other";
      }
      const ours = holder === identity;
      const record = {
        holderIdentity: identity,
        leaseDurationSeconds: leaseSeconds,
        acquireTime: ours ? (current.acquireTime ?? now) : now,
        renewTime: now,
        leaseTransitions: ours ? current.leaseTransitions : current.leaseTransitions + 1,
        resourceVersion: current.resourceVersion,
      };
      observe(await call("Cannot replace", leaseClient.replace(lease, record), timeoutMs));
      return "acquired";
    } catch (err) {
      if (err instanceof KubeError && err.code === "Conflict") {
        log.debug({ err: errorMessage(err) }, "lease changed under us; will retry");
      } else {
        log.warn({ err }, "lease acquire/renew attempt failed; will retry");
      }
      return "failed";
    }
  };

  const acquire = async (): Promise<boolean> => {
    while (running()) {
      if ((await tryAcquireOrRenew(renewDeadlineMs)) === "acquired") return true;
      await sleeper.sleep(retryPeriodMs * (1 + acquireJitter * random()));
    }
    return false;
  };

  /** Renews until a renewal misses the deadline, another holder appears, the work fails or stop(). */
  const renewWhileLeading = async (failed: () => boolean): Promise<void> => {
    let lastRenewStart = clock.now();
    while (running() && !failed()) {
      await sleeper.sleep(retryPeriodMs);
      let result: Attempt = "failed";
      while (running() && !failed()) {
        const remaining = lastRenewStart + renewDeadlineMs - clock.now();
        if (remaining <= 0) break;
        const started = clock.now();
        result = await tryAcquireOrRenew(remaining);
        if (result === "acquired") lastRenewStart = started;
        if (result !== "failed") break;
        await sleeper.sleep(Math.min(retryPeriodMs, Math.max(0, lastRenewStart + renewDeadlineMs - clock.now())));
      }
      if (!running() || failed()) return;
      if (result !== "acquired") {
        const why = result === "held-by-other" ? "lease taken by another holder" : "could not renew the lease within renewDeadline";
        log.error({ renewDeadlineMs, result }, `${why}; stepping down`);
        return;
      }
    }
  };

  const lead = async (): Promise<void> => {
    const controller = new AbortController();
    let workFailed = false;
    const failed = (): boolean => workFailed;
    leading = true;
    log.info("started leading");
    const work = Promise.resolve()
      .then(() => options.onStartedLeading(controller.signal))
      .catch((err: unknown) => {
        if (controller.signal.aborted && isAbortError(err)) return;
        workFailed = true;
        log.error({ err }, "onStartedLeading failed; stepping down");
        sleeper.interrupt();
      });
    await renewWhileLeading(failed);
    leading = false;
    controller.abort(new DOMException("Leadership ended", "AbortError"));
    await work;
    callSafely("onStoppedLeading", () => {
      options.onStoppedLeading();
    });
    log.info("stopped leading");
    if (!running() && options.releaseOnStop !== false) await release();
    if (failed() && running()) {
      await release();
      await sleeper.sleep(retryPeriodMs);
    }
  };

  const release = async (): Promise<void> => {
    if (observed?.holderIdentity !== identity) return;
    const now = wallClock();
    const record = { ...observed, holderIdentity: "", leaseDurationSeconds: 1, acquireTime: now, renewTime: now };
    try {
      observe(await call("Cannot release", leaseClient.replace(lease, record), renewDeadlineMs));
      log.info("released the lease");
    } catch (err) {
      log.warn({ err }, "could not release the lease; standbys will take over when it expires");
    }
  };

  const run = async (): Promise<void> => {
    while (running()) {
      if (!(await acquire())) break;
      if (!running()) {
        await release();
        break;
      }
      await lead();
    }
  };

  return {
    name: "leader-election",
    identity,
    get isLeader() {
      return leading;
    },
    get leader() {
      return reportedLeader;
    },
    start(signal) {
      if (state !== "new") {
        return Promise.reject(new KubeError("InvalidOptions", `Leader elector ${identity} was already started`));
      }
      signal?.throwIfAborted();
      state = "running";
      loop = run();
      return Promise.resolve();
    },
    async stop() {
      state = "stopped";
      sleeper.wake();
      await loop;
    },
  };
}
