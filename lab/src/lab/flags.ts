/**
 * The topology flags of `lab up` (`--clusters N --nodes M --nat c3 --overlap c1,c2
 * --cni c2=flannel,c3=reference`), parsed and
 * checked against the address plan before anything is started, so that users and tests share one
 * way to make a lab and a bad flag is a clear error naming the flag.
 */
import { LabError } from "./errors.js";
import { labLimits, planLab, podNetworkModes, type LabOptions, type PodNetworkMode } from "./plan.js";

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
  /** `--cni flannel` (every cluster) or `--cni c1=isthmus,c2=flannel` (a cluster not named: isthmus). */
  readonly cni?: string | undefined;
}

/** The lab options the topology flags set. */
export type LabTopology = Pick<LabOptions, "clusters" | "nodesPerCluster" | "natClusters" | "overlap" | "podNetwork">;

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

function parseMode(value: string, flag: string): PodNetworkMode {
  const mode = podNetworkModes.find((m) => m === value);
  if (mode === undefined) throw invalid(`--cni: "${value}" is not a pod network: one of ${podNetworkModes.join(", ")}${flag === "" ? "" : ` (in "${flag}")`}`);
  return mode;
}

/** `--cni MODE` for every cluster, or `--cni c1=MODE,c2=MODE`; each cluster at most once. */
function parseCni(value: string | undefined, ids: readonly string[]): LabOptions["podNetwork"] {
  if (value === undefined) return undefined;
  if (!value.includes("=")) return parseMode(value.trim(), "");
  const modes: Record<string, PodNetworkMode> = {};
  for (const part of value.split(",").map((s) => s.trim())) {
    const [id, mode, extra] = part.split("=").map((s) => s.trim());
    if (id === undefined || id === "" || mode === undefined || mode === "" || extra !== undefined) {
      throw invalid(`--cni takes one pod network for all clusters (e.g. flannel) or cluster=network pairs (e.g. c1=isthmus,c2=flannel), got "${value}"`);
    }
    if (!ids.includes(id)) throw invalid(`--cni: "${id}" is not a cluster of this lab: clusters are ${ids.join(", ")}`);
    if (modes[id] !== undefined) throw invalid(`--cni names ${id} twice in "${value}"`);
    modes[id] = parseMode(mode, part);
  }
  return modes;
}

/**
 * Parses the topology flags into lab options and checks the whole plan; throws `InvalidOptions`
 * naming the flag (a count out of the address plan, an unknown cluster in `--nat`, `--overlap`
 * or `--cni`, an overlap of one cluster, an unknown pod network).
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
  const podNetwork = parseCni(flags.cni, ids);
  const topology: LabTopology = {
    ...(clusters === undefined ? {} : { clusters }),
    ...(nodesPerCluster === undefined ? {} : { nodesPerCluster }),
    ...(natClusters === undefined ? {} : { natClusters }),
    ...(overlap === undefined ? {} : { overlap }),
    ...(podNetwork === undefined ? {} : { podNetwork }),
  };
  planLab(topology);
  return topology;
}
