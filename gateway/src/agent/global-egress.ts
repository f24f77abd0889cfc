// Design notes (docs/adr/0206-global-addresses.md): a GlobalEgressIP (isthmus.io/v1alpha1,
// namespaced) makes the pods its podSelector picks in its namespace (empty or absent: all of
// them) leave to remote clusters as an address of the cluster's global block of their own,
// instead of the cluster's egress address. The broker gives the address (it holds it in the
// cluster record, from the allocator of the exports' global IPs); this planner, run by every
// gateway candidate on the same inputs, computes level-based:
// - what the active gateway publishes: every resource whose spec is valid (an invalid one is
//   not published, so it holds no address, and programs nothing: Ready=False "InvalidSpec"),
//   at most the oldest `maxGlobalEgressIps` (the broker refuses a cluster with more; the newer
//   ones: Ready=False "TooMany");
// - the SNAT rules: each resource with an address and its pods (IPv4, in the cluster's pod
//   CIDRs, not host-network, not finished). A pod that several resources select belongs to the
//   oldest (creationTimestamp, then namespace/name); the others report Conflict=True
//   "PodsClaimedByOther" and leave it alone, so adding a resource never moves working traffic;
// - every resource's status: the address, the pods it translates, Ready with a reason
//   ("Allocated", "NoGlobalBlock", "BlockExhausted", "Pending", "InvalidSpec", "TooMany") and
//   Conflict.
// A resource without an address programs nothing: its pods keep the cluster's egress address,
// never a black hole. Pure.
import { type Cluster, isDnsLabel, isDnsSubdomain, type LabelSelector, labelSelectorProblem, matchesLabelSelector, maxGlobalEgressIps } from "@isthmus/core/model";
import { compareIp, contains, isIp, parseCidr, parseIp } from "@isthmus/core/net";

/** A GlobalEgressIP as the planner reads it. */
export interface GlobalEgressIpData {
  readonly namespace: string;
  readonly name: string;
  /** metadata.creationTimestamp (ISO 8601); older resources win conflicts. */
  readonly createdAt?: string;
  /** spec.podSelector (absent or empty: every pod of the namespace); unchecked input. */
  readonly podSelector?: unknown;
}

/** A pod as the planner reads it. */
export interface GlobalEgressPodData {
  readonly namespace: string;
  readonly name: string;
  readonly ip?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly hostNetwork?: boolean;
  /** status.phase: "Succeeded" and "Failed" pods have no traffic (their address may be reused). */
  readonly phase?: string;
}

/** Why a GlobalEgressIP is or is not Ready. */
export type GlobalEgressReadyReason = "Allocated" | "NoGlobalBlock" | "BlockExhausted" | "Pending" | "InvalidSpec" | "TooMany";

/** A status condition (type, status, reason, message; the writer adds the transition time). */
export interface GlobalEgressCondition {
  readonly type: "Ready" | "Conflict";
  readonly status: "True" | "False";
  readonly reason: GlobalEgressReadyReason | "PodsClaimedByOther" | "NoConflict";
  readonly message: string;
}

/** The status the active gateway writes on a GlobalEgressIP. */
export interface GlobalEgressIpStatus {
  /** The address the selected pods leave as (once the broker gave one). */
  readonly globalIP?: string;
  /** How many pods leave as it (those another, older resource claims not counted). */
  readonly selectedPods: number;
  readonly conditions: readonly GlobalEgressCondition[];
}

/** Inputs of {@link planGlobalEgress}. */
export interface GlobalEgressInputs {
  readonly resources: readonly GlobalEgressIpData[];
  readonly pods: readonly GlobalEgressPodData[];
  /** Our cluster as the broker knows it (its block and its GlobalEgressIPs' addresses); undefined before the broker's snapshot. */
  readonly cluster: Cluster | undefined;
  /** The cluster's pod CIDRs: only pods in them are translated. */
  readonly podCidrs: readonly string[];
}

/** What the gateway does with the cluster's GlobalEgressIPs. */
export interface GlobalEgressPlan {
  /** The resources the active gateway publishes to the broker (the valid ones), sorted. */
  readonly requests: readonly { readonly namespace: string; readonly name: string }[];
  /** The SNAT rules: pods (sorted) that leave as `globalIp`; sorted by address. */
  readonly snat: readonly { readonly globalIp: string; readonly sources: readonly string[] }[];
  /** Every resource's status, by "namespace/name". */
  readonly statuses: ReadonlyMap<string, GlobalEgressIpStatus>;
}

/** The key of a GlobalEgressIP: "namespace/name". */
export const globalEgressKey = (r: { readonly namespace: string; readonly name: string }): string => `${r.namespace}/${r.name}`;

const condition = (type: GlobalEgressCondition["type"], ok: boolean, reason: GlobalEgressCondition["reason"], message: string): GlobalEgressCondition => ({ type, status: ok ? "True" : "False", reason, message });
const noConflict = condition("Conflict", false, "NoConflict", "no older GlobalEgressIP selects these pods");

/** What is wrong with `resource` (one sentence), or undefined. */
export function globalEgressProblem(resource: GlobalEgressIpData): string | undefined {
  if (!isDnsLabel(resource.namespace) || !isDnsSubdomain(resource.name)) return `"${globalEgressKey(resource)}" is not a namespace and resource name`;
  const selector = resource.podSelector;
  if (selector === undefined || selector === null) return undefined;
  if (typeof selector !== "object" || Array.isArray(selector)) return "spec.podSelector must be a label selector (matchLabels, matchExpressions)";
  const { matchLabels, matchExpressions, ...rest } = selector as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) return `spec.podSelector: unknown field "${extra}" (a label selector has matchLabels and matchExpressions)`;
  if (matchLabels !== undefined && (typeof matchLabels !== "object" || matchLabels === null || Array.isArray(matchLabels))) return "spec.podSelector.matchLabels must be a map of labels";
  if (matchExpressions !== undefined && (!Array.isArray(matchExpressions) || !matchExpressions.every((e) => typeof e === "object" && e !== null))) return "spec.podSelector.matchExpressions must be a list of requirements";
  return labelSelectorProblem("spec.podSelector", selector);
}

/** Older first: creationTimestamp, then namespace/name; a resource without a timestamp sorts last. */
function byAge(a: GlobalEgressIpData, b: GlobalEgressIpData): number {
  const ta = a.createdAt ?? "\uffff";
  const tb = b.createdAt ?? "\uffff";
  return ta === tb ? globalEgressKey(a).localeCompare(globalEgressKey(b)) : ta < tb ? -1 : 1;
}

/** The pod's address when the gateway may translate it: IPv4, in the pod CIDRs, not host-network, not finished. */
function podAddress(pod: GlobalEgressPodData, podCidrs: readonly ReturnType<typeof parseCidr>[]): string | undefined {
  if (pod.ip === undefined || pod.hostNetwork === true || pod.phase === "Succeeded" || pod.phase === "Failed") return undefined;
  if (!isIp(pod.ip)) return undefined;
  const ip = parseIp(pod.ip);
  return ip.family === 4 && podCidrs.some((c) => contains(c, ip)) ? ip.toString() : undefined;
}

/** Plans the cluster's GlobalEgressIPs (equal inputs give equal plans). */
export function planGlobalEgress(input: GlobalEgressInputs): GlobalEgressPlan {
  const statuses = new Map<string, GlobalEgressIpStatus>();
  const requests: { namespace: string; name: string }[] = [];
  const given = new Map((input.cluster?.globalEgress ?? []).map((g) => [globalEgressKey(g), g] as const));
  const block = input.cluster?.globalCidr;
  const ready: { resource: GlobalEgressIpData; globalIp: string }[] = [];
  for (const resource of [...input.resources].sort(byAge)) {
    const key = globalEgressKey(resource);
    const problem = globalEgressProblem(resource);
    if (problem !== undefined) {
      statuses.set(key, { selectedPods: 0, conditions: [condition("Ready", false, "InvalidSpec", problem), noConflict] });
      continue;
    }
    // The broker refuses a cluster with more (its whole publish would fail): the newest wait.
    if (requests.length >= maxGlobalEgressIps) {
      statuses.set(key, { selectedPods: 0, conditions: [condition("Ready", false, "TooMany", `the cluster has more than ${String(maxGlobalEgressIps)} GlobalEgressIPs; the oldest ones get addresses`), noConflict] });
      continue;
    }
    requests.push({ namespace: resource.namespace, name: resource.name });
    const entry = given.get(key);
    const globalIp = entry?.globalIp;
    if (globalIp !== undefined) {
      ready.push({ resource, globalIp });
      continue;
    }
    const [reason, message]: [GlobalEgressReadyReason, string] = input.cluster === undefined || entry === undefined
      ? ["Pending", "the broker has not given this resource an address yet"]
      : block === undefined
        ? ["NoGlobalBlock", "the cluster holds no global block (its CIDRs are unique, remote clusters see its pods' own addresses); join with --global-cidr to get one"]
        : ["BlockExhausted", `the cluster's global block ${block} has no address left: unexport services or delete GlobalEgressIPs that are no longer needed`];
    statuses.set(key, { selectedPods: 0, conditions: [condition("Ready", false, reason, message), noConflict] });
  }

  const cidrs = input.podCidrs.map((c) => parseCidr(c));
  const owner = new Map<string, string>();
  const snat: { globalIp: string; sources: string[] }[] = [];
  for (const { resource, globalIp } of ready) {
    const key = globalEgressKey(resource);
    const selector = (resource.podSelector ?? {}) as LabelSelector;
    const sources: string[] = [];
    const holders = new Set<string>();
    for (const pod of input.pods) {
      if (pod.namespace !== resource.namespace || !matchesLabelSelector(selector, pod.labels)) continue;
      const ip = podAddress(pod, cidrs);
      if (ip === undefined) continue;
      const holder = owner.get(ip);
      if (holder === undefined) {
        owner.set(ip, key);
        sources.push(ip);
      } else holders.add(holder);
    }
    sources.sort((a, b) => compareIp(parseIp(a), parseIp(b)));
    if (sources.length > 0) snat.push({ globalIp, sources });
    const conflict = holders.size === 0
      ? noConflict
      : condition("Conflict", true, "PodsClaimedByOther", `some selected pods already leave as the older ${[...holders].sort().join(", ")}: they stay there`);
    statuses.set(key, {
      globalIP: globalIp,
      selectedPods: sources.length,
      conditions: [condition("Ready", true, "Allocated", `the selected pods leave to remote clusters as ${globalIp}`), conflict],
    });
  }
  snat.sort((a, b) => compareIp(parseIp(a.globalIp), parseIp(b.globalIp)));
  requests.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  return { requests, snat, statuses };
}
