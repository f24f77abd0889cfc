/**
 * The topology flags of `lab up` (`--clusters N --nodes M --nat c3 --overlap c1,c2`), parsed and
 * checked against the address plan before anything is started, so that users and tests share one
 * way to make a lab and a bad flag is a clear error naming the flag.
 */
import { LabError } from "./errors.js";
import { labLimits, planLab, type LabOptions } from "./plan.js";

/** The topology flags as given on a command line; each may be absent. */
export interface LabTopologyFlags {
  /** `--clusters N`: how many clusters (c1 … cN). */
  readonly clusters?: string | undefined;
  /** `--nodes M`: nodes per cluster. */
  readonly nodes?: string | undefined;
  /** `--nat c3[,c4]`: clusters whose gateway node sits behind a NAT router. */
  readonly nat?: string | undefined;
  /** `--overlap c1,c2`: clusters with identical pod and service CIDRs (for global addresses). */
  readonly overlap?: string | undefined;
}

/** The lab options the topology flags set. */
export type LabTopology = Pick<LabOptions, "clusters" | "nodesPerCluster" | "natClusters" | "overlap">;

function invalid(message: string): LabError {
  return new LabError("InvalidOptions", message);
}

function parseCount(flag: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw invalid(`--${flag} must be a whole number from 1 to ${max} (what the lab's address plan has room for), got "${value}"`);
  }
  return n;
}

function parseClusterList(flag: string, value: string | undefined, ids: readonly string[]): string[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(",").map((s) => s.trim());
  if (list.some((id) => id === "")) throw invalid(`--${flag} takes a comma-separated list of clusters (e.g. c1,c2), got "${value}"`);
  const unknown = list.filter((id) => !ids.includes(id));
  if (unknown.length > 0) {
    throw invalid(`--${flag}: ${unknown.map((u) => `"${u}"`).join(", ")} ${unknown.length > 1 ? "are" : "is"} not a cluster of this lab: clusters are ${ids.join(", ")}`);
  }
  return [...new Set(list)];
}

/**
 * Parses the topology flags into lab options and checks the whole plan; throws `InvalidOptions`
 * naming the flag (a count out of the address plan, an unknown cluster in `--nat` or
 * `--overlap`, an overlap of one cluster).
 */
export function parseTopologyFlags(flags: LabTopologyFlags): LabTopology {
  const clusters = parseCount("clusters", flags.clusters, labLimits.clusters);
  const nodesPerCluster = parseCount("nodes", flags.nodes, labLimits.nodesPerCluster);
  const ids = Array.from({ length: clusters ?? 2 }, (_, i) => `c${i + 1}`);
  const natClusters = parseClusterList("nat", flags.nat, ids);
  const overlap = parseClusterList("overlap", flags.overlap, ids);
  if (overlap?.length === 1) {
    throw invalid(`--overlap needs at least two clusters (they get identical pod and service CIDRs), got only ${overlap.join("")}`);
  }
  const topology: LabTopology = {
    ...(clusters === undefined ? {} : { clusters }),
    ...(nodesPerCluster === undefined ? {} : { nodesPerCluster }),
    ...(natClusters === undefined ? {} : { natClusters }),
    ...(overlap === undefined ? {} : { overlap }),
  };
  planLab(topology);
  return topology;
}
