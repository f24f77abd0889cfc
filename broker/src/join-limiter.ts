// Design notes: refused Joins are counted per source address (the TCP peer's host) in a sliding
// window; a source with `maxFailures` refusals in the last `windowMs` gets RESOURCE_EXHAUSTED
// for every Join until its oldest refusal leaves the window. Guessing a 256-bit secret is hopeless
// anyway; the limit keeps a misconfigured or hostile agent from turning Join into a CPU sink (each
// attempt costs a CSR check) and makes the attempts visible. Memory is bounded: at most
// `maxSources` sources are tracked, the stalest dropped first.
import { BrokerError } from "./errors.js";

/** Options of {@link createJoinLimiter}. */
export interface JoinLimiterOptions {
  /** Refusals per source within the window before Joins from it are refused outright. */
  readonly maxFailures: number;
  readonly windowMs: number;
  /** Sources tracked at most (default 10,000). */
  readonly maxSources?: number;
  /** The current time in ms (injectable for tests). */
  readonly now?: () => number;
}

/** Counts refused Joins per source. */
export interface JoinLimiter {
  /** Throws BrokerError "Exhausted" when `source` has used up its refusals; call before any work. */
  check(source: string): void;
  /** Records one refused Join from `source`. */
  fail(source: string): void;
}

/** The host part of a grpc-js peer string (`ipv4:1.2.3.4:5678`, `ipv6:[::1]:5678`, `unix:…`). */
export function peerHost(peer: string): string {
  const match = /^(?:ipv4:)?([\d.]+):\d+$/.exec(peer) ?? /^(?:ipv6:)?\[([^\]]+)\]:\d+$/.exec(peer);
  return match?.[1] ?? peer;
}

/** Creates a join limiter. */
export function createJoinLimiter(options: JoinLimiterOptions): JoinLimiter {
  const now = options.now ?? Date.now;
  const maxSources = options.maxSources ?? 10_000;
  // source → times of its refusals in the window, oldest first; Map order = least recently failed first.
  const failures = new Map<string, number[]>();
  const recent = (source: string): number[] => {
    const times = (failures.get(source) ?? []).filter((t) => t > now() - options.windowMs);
    if (times.length === 0) failures.delete(source);
    else failures.set(source, times);
    return times;
  };
  return {
    check(source) {
      const times = recent(source);
      if (times.length < options.maxFailures) return;
      const retryInS = Math.ceil(((times[0] ?? now()) + options.windowMs - now()) / 1000);
      throw new BrokerError("Exhausted", `Join refused: ${times.length} refused Joins from ${source} in the last ${options.windowMs / 1000} s; try again in ${retryInS} s`);
    },
    fail(source) {
      const times = recent(source);
      failures.delete(source);
      failures.set(source, [...times, now()]);
      while (failures.size > maxSources) {
        const stalest = failures.keys().next().value;
        if (stalest === undefined) break;
        failures.delete(stalest);
      }
    },
  };
}
