/**
 * Pure checks of `isthmus join` input, run before anything is installed: the cluster id, the
 * cable driver, the gateway node list, and CIDR overlaps against the clusters the broker knows.
 */
import { overlaps, parseCidr } from "@isthmus/core/net";
import { CliError } from "../command.js";

/** The cable drivers the gateway has. */
export const cableDrivers = ["wireguard", "vxlan"] as const;
/** One cable driver. */
export type CableDriver = (typeof cableDrivers)[number];

/** True for an RFC 1123 label: 1-63 of a-z, 0-9 and "-", starting and ending alphanumeric. */
export function isClusterId(id: string): boolean {
  return id.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(id);
}

/** Throws a UsageError unless `id` is a valid cluster id. */
export function parseClusterId(id: string | undefined): string {
  if (id === undefined) throw new CliError("UsageError", "--clusterid is required: the cluster's name in the clusterset (an RFC 1123 label, e.g. east-1)");
  if (!isClusterId(id)) throw new CliError("UsageError", `Cluster id "${id}" is not an RFC 1123 label: use 1-63 lowercase letters, digits and "-", starting and ending with a letter or digit`);
  return id;
}

/** Parses `--cable-driver`; the error lists the valid drivers. */
export function parseCableDriver(value: string | undefined): CableDriver {
  if (value === undefined) return "wireguard";
  const found = cableDrivers.find((d) => d === value);
  if (found === undefined) throw new CliError("UsageError", `Unknown cable driver "${value}": use ${cableDrivers.join(" or ")}`);
  return found;
}

/** Parses a comma-separated node list (`--gateway-nodes n1,n2`). */
export function parseNodeList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(",").map((n) => n.trim()).filter((n) => n !== "");
  if (names.length === 0) throw new CliError("UsageError", "--gateway-nodes needs at least one node name");
  return [...new Set(names)];
}

/** Parses `--public-ip node=ip[,node=ip]`. */
export function parsePublicIps(value: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of value === undefined ? [] : value.split(",")) {
    const [node, ip] = pair.split("=");
    if (node === undefined || ip === undefined || node === "" || ip === "") throw new CliError("UsageError", `--public-ip takes NODE=IP pairs, got "${pair}"`);
    out.set(node, ip);
  }
  return out;
}

/** A cluster's CIDRs as the broker knows them. */
export interface ClusterCidrs {
  readonly id: string;
  readonly podCidrs: readonly string[];
  readonly serviceCidrs: readonly string[];
}

/** Every overlap between `mine` and `others` (and between mine's own pod and service CIDRs), as sentences. */
export function findOverlaps(mine: ClusterCidrs, others: readonly ClusterCidrs[]): string[] {
  const found: string[] = [];
  const own = [...mine.podCidrs.map((c) => ({ c, what: "pod" })), ...mine.serviceCidrs.map((c) => ({ c, what: "service" }))];
  for (const p of mine.podCidrs) for (const s of mine.serviceCidrs) if (overlaps(parseCidr(p), parseCidr(s))) found.push(`its own pod CIDR ${p} overlaps its service CIDR ${s}`);
  for (const other of others) {
    if (other.id === mine.id) continue;
    const theirs = [...other.podCidrs.map((c) => ({ c, what: "pod" })), ...other.serviceCidrs.map((c) => ({ c, what: "service" }))];
    for (const a of own) for (const b of theirs) {
      if (overlaps(parseCidr(a.c), parseCidr(b.c))) found.push(`${a.what} CIDR ${a.c} overlaps ${other.id}'s ${b.what} CIDR ${b.c}`);
    }
  }
  return found;
}
