/**
 * IPv4 address and port ranges as inclusive integer intervals, and the set algebra the compiler
 * needs: an ipBlock minus its exceptions, unions, and the union of (peer range × port range)
 * boxes as disjoint boxes (nftables refuses overlapping elements in an interval set of
 * concatenations, and overlapping ipBlocks are valid input).
 */
import { parseCidrLoose } from "@isthmus/core/net";

/** An inclusive interval of integers (IPv4 addresses as unsigned 32-bit values, or ports). */
export interface Range {
  readonly start: number;
  readonly end: number;
}

/** Every IPv4 address. */
export const allAddresses: Range = Object.freeze({ start: 0, end: 2 ** 32 - 1 });
/** Every port. */
export const allPorts: Range = Object.freeze({ start: 0, end: 65535 });

/** The range of an IPv4 CIDR (host bits ignored, as the API server accepts them); undefined for IPv6 or malformed text. */
export function cidrRange(text: string): Range | undefined {
  let cidr;
  try {
    cidr = parseCidrLoose(text);
  } catch {
    return undefined;
  }
  if (cidr.family !== 4) return undefined;
  const start = Number(cidr.network.value);
  return { start, end: start + 2 ** (32 - cidr.prefix) - 1 };
}

/** The single-address range of an IPv4 address text; undefined when it is not one. */
export function addressRange(ip: string): Range | undefined {
  return ip.includes(":") ? undefined : cidrRange(`${ip}/32`);
}

/** True when `value` lies in one of `ranges`. */
export function inRanges(value: number, ranges: readonly Range[]): boolean {
  return ranges.some((r) => r.start <= value && value <= r.end);
}

/** Sorted, disjoint, non-adjacent ranges covering exactly the union of `ranges`. */
export function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: { start: number; end: number }[] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last !== undefined && r.start <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push({ start: r.start, end: r.end });
  }
  return out;
}

/** `base` without any address of `minus` (an ipBlock without its `except` blocks). */
export function subtractRanges(base: readonly Range[], minus: readonly Range[]): Range[] {
  let current = mergeRanges(base);
  for (const m of mergeRanges(minus)) {
    current = current.flatMap((r) => {
      if (m.end < r.start || m.start > r.end) return [r];
      const parts: Range[] = [];
      if (m.start > r.start) parts.push({ start: r.start, end: m.start - 1 });
      if (m.end < r.end) parts.push({ start: m.end + 1, end: r.end });
      return parts;
    });
  }
  return current;
}

/** A peer range × port range (one protocol implied by the caller). */
export interface Box {
  readonly peer: Range;
  readonly ports: Range;
}

/**
 * Disjoint boxes covering exactly the union of `boxes`: the peer axis is cut at every box edge,
 * each piece gets the merged port ranges of the boxes over it, and neighbouring pieces with the
 * same ports are joined again. Deterministic (sorted by peer, then port).
 */
export function disjointBoxes(boxes: readonly Box[]): Box[] {
  const cuts = [...new Set(boxes.flatMap((b) => [b.peer.start, b.peer.end + 1]))].sort((a, b) => a - b);
  const pieces: { peer: Range; ports: Range[]; key: string }[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const start = cuts[i] ?? 0;
    const end = (cuts[i + 1] ?? 0) - 1;
    const ports = mergeRanges(boxes.filter((b) => b.peer.start <= start && b.peer.end >= end).map((b) => b.ports));
    if (ports.length === 0) continue;
    const key = ports.map((p) => `${String(p.start)}-${String(p.end)}`).join(",");
    const last = pieces.at(-1);
    if (last?.key === key && last.peer.end + 1 === start) last.peer = { start: last.peer.start, end };
    else pieces.push({ peer: { start, end }, ports, key });
  }
  return pieces.flatMap((p) => p.ports.map((ports) => ({ peer: p.peer, ports })));
}

/** Dotted-quad text of an unsigned 32-bit address. */
export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => String(Math.floor(value / 2 ** shift) % 256)).join(".");
}
