/**
 * The lab's plan: a pure function from a few options to every name, address and CIDR the lab
 * uses. Applying, checking and tearing down all read this one value, so the addressing rules of
 * the lab contract (docs/adr/0300-lab-topology.md) live here and nowhere else.
 */
import { LabError } from "./errors.js";

/** What a lab looks like; every field has a default. */
export interface LabOptions {
  /** Number of clusters, 1-4 (default 2). */
  readonly clusters?: number;
  /** Nodes per cluster, 1-4 (default 2); node 1 is the gateway candidate. */
  readonly nodesPerCluster?: number;
  /**
   * Clusters that get identical pod and service CIDRs (for global addresses): each of them gets
   * those of the first of them (`["c1", "c2"]`: c2 has c1's). At least two; empty: none.
   */
  readonly overlap?: readonly string[];
  /**
   * Pod network, one mode for every cluster or one per cluster (`{ c2: "flannel" }`; a cluster
   * not named gets "isthmus"): "isthmus" (default) applies deploy/cni (the isthmus-node
   * DaemonSet, which builds the VXLAN overlay and installs isthmus-cni); "flannel" applies
   * flannel's own manifest (lab/manifests/kube-flannel.yaml: flanneld with the Kubernetes
   * subnet manager and the VXLAN backend); "reference" writes a bridge + host-local conflist per
   * node and routes podCIDRs between nodes; "reference-masq" does the same with the bridge's
   * `ipMasq: true` (the CNI documentation's example: pod traffic leaving the node's pod subnet is
   * masqueraded); "none" leaves pods unwired for a CNI deployed into the lab by hand.
   */
  readonly podNetwork?: PodNetworkMode | Readonly<Record<string, PodNetworkMode>> | undefined;
  /** Put these clusters (e.g. `["c3"]`) behind a NAT router each on the WAN. */
  readonly natClusters?: readonly string[];
  /** Root of every file the lab writes (default /var/lib/isthmus-lab). */
  readonly stateDir?: string;
  /** Prefix of every namespace name (default "isthmus-lab-"); tests use their own. */
  readonly namePrefix?: string;
  /** Cluster i's apiserver is reachable from the host on 127.0.0.1:(base + i) (default 16440). */
  readonly localPortBase?: number;
}

/** Who wires pods: our CNI from deploy/cni, flannel, the reference plugins (without or with their masquerade), or nobody (a CNI deployed by hand). */
export type PodNetworkMode = "isthmus" | "flannel" | "reference" | "reference-masq" | "none";

/** Every pod network mode, for parsers (the first is the default). */
export const podNetworkModes: readonly PodNetworkMode[] = Object.freeze(["isthmus", "flannel", "reference", "reference-masq", "none"]);

/** The WAN: a bridge in its own namespace joining gateway nodes and NAT routers. */
export interface WanPlan {
  readonly netns: string;
  readonly bridge: string;
  readonly cidr: string;
  readonly prefixLength: number;
}

/** A NAT router between a cluster's gateway node and the WAN. */
export interface NatPlan {
  readonly netns: string;
  /** The router's address on the WAN. */
  readonly wanAddress: string;
  /** The link between router and gateway node: router .1, gateway node .11. */
  readonly insideCidr: string;
  readonly insideAddress: string;
  readonly nodeAddress: string;
}

/** One lab node: a network namespace plus a persistent mount namespace. */
export interface NodePlan {
  /** Kubernetes node name, `<cluster>-n<j>`. */
  readonly name: string;
  readonly clusterId: string;
  /** 1-based index in its cluster. */
  readonly index: number;
  readonly netns: string;
  /** The node's address on its cluster LAN (its InternalIP). */
  readonly lanAddress: string;
  /** Name of the LAN veth in the node and of its peer on the LAN bridge. */
  readonly lanIfname: string;
  readonly lanPeerIfname: string;
  /** Gateway candidate (labelled isthmus.io/gateway=true, has a WAN interface). */
  readonly gateway: boolean;
  /** The node's WAN interface (gateway nodes only): its address and where it is plugged in. */
  readonly wan?: { readonly ifname: string; readonly address: string; readonly peerIfname: string };
}

/** One cluster: LAN, control plane namespace, CIDRs and nodes. */
export interface ClusterPlan {
  /** Cluster id, `c<i>`. */
  readonly id: string;
  readonly index: number;
  /** Namespace of etcd, the Kubernetes control plane and CoreDNS; holds the LAN bridge. */
  readonly cpNetns: string;
  readonly lanBridge: string;
  readonly lanCidr: string;
  readonly lanPrefixLength: number;
  /** The control plane's LAN address: apiserver, CoreDNS, and the nodes' default gateway. */
  readonly cpAddress: string;
  readonly apiserverPort: number;
  /** Where the host reaches the apiserver (a forwarder into the control-plane namespace). */
  readonly localApiserverPort: number;
  readonly podCidr: string;
  readonly serviceCidr: string;
  /** Who wires this cluster's pods. */
  readonly podNetwork: PodNetworkMode;
  /** ClusterIP of `default/kubernetes` (first address of the service CIDR). */
  readonly apiServiceIp: string;
  /** ClusterIP of `kube-system/kube-dns`. */
  readonly dnsServiceIp: string;
  readonly nat?: NatPlan;
  readonly nodes: readonly NodePlan[];
}

/** The whole lab. */
export interface LabPlan {
  readonly stateDir: string;
  /** The pod network mode of every cluster, or "mixed" when they differ (each cluster has its own). */
  readonly podNetwork: PodNetworkMode | "mixed";
  readonly namePrefix: string;
  readonly wan: WanPlan;
  readonly clusters: readonly ClusterPlan[];
}

// The default lab's location can be moved with environment variables, so that two test runs
// (two worktrees, or helpers working side by side) each get a lab of their own instead of
// sharing one: ISTHMUS_LAB_STATE_DIR, ISTHMUS_LAB_PREFIX and ISTHMUS_LAB_PORT_BASE.

/** Where the lab lives unless moved by `ISTHMUS_LAB_STATE_DIR` or an option. */
export const builtinLabStateDir = "/var/lib/isthmus-lab";
/** Default root of the lab's files (`ISTHMUS_LAB_STATE_DIR`, else {@link builtinLabStateDir}). */
export const defaultLabStateDir = nonEmpty(process.env.ISTHMUS_LAB_STATE_DIR) ?? builtinLabStateDir;
/** Default prefix of the lab's namespaces (`ISTHMUS_LAB_PREFIX`, else "isthmus-lab-"); `lab down` finds leftovers by it. */
export const defaultLabPrefix = nonEmpty(process.env.ISTHMUS_LAB_PREFIX) ?? "isthmus-lab-";

const wanCidrBase = "203.0.113";
const lanBase = "198.18";
const natInsideBase = "198.19";
const apiserverPort = 6443;
/** Default base of the host-side apiserver ports (`ISTHMUS_LAB_PORT_BASE`, else 16440). */
export const defaultLocalPortBase = portBase(process.env.ISTHMUS_LAB_PORT_BASE) ?? 16440;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function portBase(value: string | undefined): number | undefined {
  if (nonEmpty(value) === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1024 || port > 65_000) {
    throw new LabError("InvalidOptions", `ISTHMUS_LAB_PORT_BASE="${String(value)}" must be a port number between 1024 and 65000`);
  }
  return port;
}

/**
 * How many clusters and nodes per cluster the address plan has room for: cluster i's LAN is
 * 198.18.i.0/24 with nodes at .(10+j), its pods 10.i.0.0/16, its apiserver on the host at
 * port base + i, and labs of tests sit 10 ports apart (16440, 16450, …).
 */
export const labLimits = Object.freeze({ clusters: 4, nodesPerCluster: 4 });

/**
 * Computes the plan; throws `InvalidOptions` for counts the address plan has no room for, an
 * unknown cluster in `natClusters` or `overlap`, or an overlap of fewer than two clusters.
 */
export function planLab(options: LabOptions = {}): LabPlan {
  const clusters = checkCount("clusters", options.clusters ?? 2, labLimits.clusters);
  const nodes = checkCount("nodesPerCluster", options.nodesPerCluster ?? 2, labLimits.nodesPerCluster);
  const prefix = options.namePrefix ?? defaultLabPrefix;
  if (!/^[a-z][a-z0-9-]{0,15}$/.test(prefix)) {
    throw new LabError("InvalidOptions", `Name prefix "${prefix}" must be 1-16 lowercase letters, digits or dashes`);
  }
  const ids = Array.from({ length: clusters }, (_, i) => `c${i + 1}`);
  const nat = checkClusters("NAT", options.natClusters ?? [], ids);
  const overlap = checkClusters("Overlapping", options.overlap ?? [], ids);
  if (overlap.length === 1) {
    throw new LabError("InvalidOptions", `Overlapping clusters need at least two (they get identical pod and service CIDRs), got only ${overlap.join("")}`);
  }
  // Every overlapping cluster takes the CIDRs of the first of them (the lowest index).
  const overlapIndex = overlap.length === 0 ? undefined : Math.min(...overlap.map((id) => ids.indexOf(id) + 1));
  const modes = clusterPodNetworks(options.podNetwork, ids);
  const distinct = new Set(Object.values(modes));
  return {
    stateDir: options.stateDir ?? defaultLabStateDir,
    podNetwork: distinct.size === 1 ? (modes.c1 ?? "isthmus") : "mixed",
    namePrefix: prefix,
    wan: { netns: `${prefix}wan`, bridge: "br-wan", cidr: `${wanCidrBase}.0/24`, prefixLength: 24 },
    clusters: ids.map((id, i) =>
      planCluster({
        id,
        index: i + 1,
        nodes,
        prefix,
        cidrIndex: overlapIndex !== undefined && overlap.includes(id) ? overlapIndex : i + 1,
        nat: nat.includes(id),
        podNetwork: modes[id] ?? "isthmus",
        localPortBase: checkPortBase(options.localPortBase ?? defaultLocalPortBase),
      }),
    ),
  };
}

/**
 * Every cluster's pod network mode: one mode for all, or a map by cluster id (a cluster not named
 * gets "isthmus"); `InvalidOptions` names an unknown cluster or mode.
 */
export function clusterPodNetworks(
  podNetwork: PodNetworkMode | Readonly<Record<string, PodNetworkMode>> | undefined,
  ids: readonly string[],
): Record<string, PodNetworkMode> {
  const valid = (mode: string): PodNetworkMode => {
    const found = podNetworkModes.find((m) => m === mode);
    if (found === undefined) throw new LabError("InvalidOptions", `Pod network "${mode}" is not one of ${podNetworkModes.join(", ")}`);
    return found;
  };
  if (podNetwork === undefined || typeof podNetwork === "string") {
    const mode = valid(podNetwork ?? "isthmus");
    return Object.fromEntries(ids.map((id) => [id, mode]));
  }
  checkClusters("Pod network", Object.keys(podNetwork), ids);
  return Object.fromEntries(ids.map((id) => [id, valid(podNetwork[id] ?? "isthmus")]));
}

function checkPortBase(base: number): number {
  if (!Number.isInteger(base) || base < 1024 || base > 65_000) {
    throw new LabError("InvalidOptions", `localPortBase must be an integer from 1024 to 65000, got ${base}`);
  }
  return base;
}

function checkCount(what: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new LabError("InvalidOptions", `${what} must be a whole number from 1 to ${max} (what the lab's address plan has room for), got ${value}`);
  }
  return value;
}

/** The distinct cluster ids of a list, each checked against the lab's; `InvalidOptions` names the unknown ones. */
function checkClusters(what: string, list: readonly string[], ids: readonly string[]): string[] {
  const unknown = list.filter((id) => !ids.includes(id));
  if (unknown.length > 0) {
    throw new LabError("InvalidOptions", `${what} cluster${unknown.length > 1 ? "s" : ""} ${unknown.map((u) => `"${u}"`).join(", ")} ${unknown.length > 1 ? "are" : "is"} not in the lab: clusters are ${ids.join(", ")}`);
  }
  return [...new Set(list)];
}

interface ClusterInput {
  readonly id: string;
  readonly index: number;
  readonly nodes: number;
  readonly prefix: string;
  /** Whose pod and service CIDRs this cluster gets (its own index unless it overlaps). */
  readonly cidrIndex: number;
  readonly nat: boolean;
  readonly podNetwork: PodNetworkMode;
  readonly localPortBase: number;
}

function planCluster(input: ClusterInput): ClusterPlan {
  const { id, index: i, prefix } = input;
  const cidrIndex = input.cidrIndex;
  const wanAddress = `${wanCidrBase}.${10 + i}`;
  const nat: NatPlan | undefined = input.nat
    ? {
        netns: `${prefix}${id}-nat`,
        wanAddress,
        insideCidr: `${natInsideBase}.${i}.0/24`,
        insideAddress: `${natInsideBase}.${i}.1`,
        nodeAddress: `${natInsideBase}.${i}.11`,
      }
    : undefined;
  const nodes = Array.from({ length: input.nodes }, (_, j) => planNode({ clusterId: id, cluster: i, index: j + 1, prefix, nat, wanAddress }));
  return {
    id,
    index: i,
    cpNetns: `${prefix}${id}-cp`,
    lanBridge: "br-lan",
    lanCidr: `${lanBase}.${i}.0/24`,
    lanPrefixLength: 24,
    cpAddress: `${lanBase}.${i}.2`,
    apiserverPort,
    localApiserverPort: input.localPortBase + i,
    podCidr: `10.${cidrIndex}.0.0/16`,
    serviceCidr: `10.${100 + cidrIndex}.0.0/16`,
    podNetwork: input.podNetwork,
    apiServiceIp: `10.${100 + cidrIndex}.0.1`,
    dnsServiceIp: `10.${100 + cidrIndex}.0.10`,
    ...(nat === undefined ? {} : { nat }),
    nodes,
  };
}

interface NodeInput {
  readonly clusterId: string;
  readonly cluster: number;
  readonly index: number;
  readonly prefix: string;
  readonly nat: NatPlan | undefined;
  readonly wanAddress: string;
}

function planNode(input: NodeInput): NodePlan {
  const name = `${input.clusterId}-n${input.index}`;
  const gateway = input.index === 1;
  const base = {
    name,
    clusterId: input.clusterId,
    index: input.index,
    netns: `${input.prefix}${name}`,
    lanAddress: `${lanBase}.${input.cluster}.${10 + input.index}`,
    lanIfname: "eth0",
    lanPeerIfname: `veth-n${input.index}`,
    gateway,
  };
  if (!gateway) return base;
  const wan =
    input.nat === undefined
      ? { ifname: "wan0", address: input.wanAddress, peerIfname: name }
      : { ifname: "wan0", address: input.nat.nodeAddress, peerIfname: "inside0" };
  return { ...base, wan };
}

/** Every network namespace of the plan, in creation order (WAN, NAT routers, control planes, nodes). */
export function planNamespaces(plan: LabPlan): string[] {
  return [
    plan.wan.netns,
    ...plan.clusters.flatMap((c) => [...(c.nat === undefined ? [] : [c.nat.netns]), c.cpNetns, ...c.nodes.map((n) => n.netns)]),
  ];
}

/** Finds a cluster by id; throws `NotFound` listing the valid ids. */
export function findCluster(plan: LabPlan, id: string): ClusterPlan {
  const cluster = plan.clusters.find((c) => c.id === id);
  if (cluster === undefined) {
    throw new LabError("NotFound", `No cluster "${id}" in the lab: clusters are ${plan.clusters.map((c) => c.id).join(", ")}`);
  }
  return cluster;
}

/** Finds a node by cluster id and node name (`c1-n1`) or short name (`n1`). */
export function findNode(plan: LabPlan, clusterId: string, node: string): NodePlan {
  const cluster = findCluster(plan, clusterId);
  const found = cluster.nodes.find((n) => n.name === node || n.name === `${clusterId}-${node}`);
  if (found === undefined) {
    throw new LabError("NotFound", `No node "${node}" in cluster ${clusterId}: nodes are ${cluster.nodes.map((n) => n.name).join(", ")}`);
  }
  return found;
}

/** One cluster LAN's router to the WAN (its control-plane namespace), for the outside host. */
export interface LanRouterPlan {
  readonly clusterId: string;
  /** The control-plane namespace (the nodes' default gateway). */
  readonly netns: string;
  /**
   * Its address on the WAN, 203.0.113.(30+i): the gateway nodes have .(10+i), and .(20+i) is the
   * address the failover suites give a cluster's standby gateway (e2e `standbyWanAddress`); a
   * router on .(20+i) answered ARP for the standby and took its broker and tunnel traffic.
   */
  readonly wanAddress: string;
  /** Name of its veth's peer on the WAN bridge. */
  readonly peerIfname: string;
  readonly lanCidr: string;
}

/**
 * The lab's "outside" host (issue #17): a namespace on the WAN at 203.0.113.100 standing for
 * the internet (a partner's server, a database firewall), and each cluster's control-plane
 * namespace as its LAN's router to it: every node reaches the outside host through its default
 * gateway with its own address, and the outside host routes each LAN back through that router.
 * The routers have no default route, so LANs still do not reach each other or anything else.
 */
export interface OutsidePlan {
  readonly netns: string;
  readonly address: string;
  /** Name of the outside host's veth's peer on the WAN bridge. */
  readonly peerIfname: string;
  readonly routers: readonly LanRouterPlan[];
}

/** The outside host and the LAN routers of `plan`. */
export function planOutside(plan: LabPlan): OutsidePlan {
  return {
    netns: `${plan.namePrefix}outside`,
    address: `${wanCidrBase}.100`,
    peerIfname: "outside",
    routers: plan.clusters.map((c) => ({ clusterId: c.id, netns: c.cpNetns, wanAddress: `${wanCidrBase}.${30 + c.index}`, peerIfname: `${c.id}-cp`, lanCidr: c.lanCidr })),
  };
}
