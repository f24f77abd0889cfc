/** Options of one probe stream. */
export interface ProbeStreamOptions {
  /** Time between probes, ms. */
  readonly intervalMs: number;
  /** A probe not answered within this many ms is lost. */
  readonly timeoutMs: number;
  /** Called once per probe, in completion order: its RTT in ms, or undefined when it was lost. */
  readonly onOutcome: (rttMs: number | undefined) => void;
}

/**
 * Where probe outcomes come from (ICMP through `ping`, or UDP echo). A source never throws after
 * a stream started: local failures (no route, socket errors) count as lost probes, and the source
 * logs them (at most once per streak).
 */
export interface ProbeSource {
  /** Starts probing `address` until the returned function is called (idempotent). */
  start(address: string, options: ProbeStreamOptions): () => void;
}
