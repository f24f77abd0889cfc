import { CniError } from "../plugin/errors.js";

/** The standard pod annotations for bandwidth limits (Kubernetes quantities, bits per second). */
export const ingressBandwidthAnnotation = "kubernetes.io/ingress-bandwidth";
/** See {@link ingressBandwidthAnnotation}. */
export const egressBandwidthAnnotation = "kubernetes.io/egress-bandwidth";

/** Limits of one pod in bits per second; absent means unlimited. */
export interface BandwidthLimits {
  /** Traffic towards the pod: shaped on the host veth's egress. */
  readonly ingressBps?: number;
  /** Traffic from the pod: redirected from the host veth's ingress to an IFB and shaped there. */
  readonly egressBps?: number;
}

const minBps = 1_000;
const maxBps = 32_000_000_000;

const suffixes: Readonly<Record<string, number>> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/**
 * Parses a Kubernetes quantity of bits per second ("10M", "1.5G", "512Ki", "100000"). Throws
 * CniError "InvalidConfig" naming the annotation when malformed or outside 1k..32G.
 */
export function parseBandwidth(text: string, what: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)([kMGT]i?|Ki|)$/.exec(text.trim());
  const multiplier = match === null ? undefined : suffixes[match[2] ?? ""];
  if (match === null || multiplier === undefined) {
    throw new CniError("InvalidConfig", `${what} ${JSON.stringify(text)} is not a quantity of bits per second: write e.g. "10M" or "1G"`);
  }
  const bps = Math.round(Number(match[1]) * multiplier);
  if (bps < minBps || bps > maxBps) {
    throw new CniError("InvalidConfig", `${what} ${JSON.stringify(text)} is out of range: use between 1k and 32G bits per second`);
  }
  return bps;
}

/** Limits from pod annotations (missing annotations mean no limit). */
export function parseBandwidthAnnotations(annotations: Readonly<Record<string, string>>): BandwidthLimits {
  const ingress = annotations[ingressBandwidthAnnotation];
  const egress = annotations[egressBandwidthAnnotation];
  return {
    ...(ingress === undefined ? {} : { ingressBps: parseBandwidth(ingress, `Annotation ${ingressBandwidthAnnotation}`) }),
    ...(egress === undefined ? {} : { egressBps: parseBandwidth(egress, `Annotation ${egressBandwidthAnnotation}`) }),
  };
}

/** True when any limit is set. */
export function hasLimits(limits: BandwidthLimits): boolean {
  return limits.ingressBps !== undefined || limits.egressBps !== undefined;
}

/** A TBF qdisc line: burst of at least 32 KiB or 10 ms at rate, queue of 25 ms. */
function tbf(dev: string, bps: number): string {
  const burstBytes = Math.max(32 * 1024, Math.ceil(bps / 8 / 100));
  return `qdisc replace dev ${dev} root tbf rate ${bps}bit burst ${burstBytes} latency 25ms`;
}

/**
 * The `tc -batch` script that applies `limits` on `hostVeth` (IFB `ifb` must exist when an
 * egress limit is set): TBF on the veth root for ingress, ingress qdisc + u32 mirred redirect to
 * the IFB and TBF there for egress.
 */
export function bandwidthScript(limits: BandwidthLimits, devices: { readonly hostVeth: string; readonly ifb: string }): string {
  const lines: string[] = [];
  if (limits.ingressBps !== undefined) lines.push(tbf(devices.hostVeth, limits.ingressBps));
  if (limits.egressBps !== undefined) {
    lines.push(
      `qdisc replace dev ${devices.hostVeth} handle ffff: ingress`,
      `filter add dev ${devices.hostVeth} parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev ${devices.ifb}`,
      tbf(devices.ifb, limits.egressBps),
    );
  }
  return lines.map((l) => `${l}\n`).join("");
}
