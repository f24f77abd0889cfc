/**
 * The checks of `isthmus diagnose` for what a cluster's own CNI does to cross-cluster traffic
 * (issue #18, ADR 0408), on any cluster: each node's route agent answers its node's state through
 * the API server's pod proxy (diagnose-cni-nodes.ts); the checks judge the nodes that answered and
 * warn naming the others:
 * - `cni masquerade`: every node holds the route agent's exemption (table ip isthmus-route-agent,
 *   chain keep_source: traffic to or from a remote CIDR keeps its source before any masquerade,
 *   such as flannel's `--ip-masq` rules) and its set holds every remote cluster's CIDRs;
 * - `pod mtu`: a pod MTU larger than the path to other clusters (the route agent's vx-isthmus,
 *   then the cable device) needs the active gateway's MSS clamp for the cable device;
 * - `rp_filter`: no strict reverse-path filtering (the max of conf/all and conf/DEV is 1) on the
 *   devices cross-cluster traffic arrives on whose route back leads elsewhere: the CNI's and our
 *   tunnels (VXLAN, WireGuard) and the node's underlay.
 * Reading a node (core model `readCniNode`, in the route agent) is separate from judging it: the
 * judges are pure and unit tested.
 */
import { defaults } from "@isthmus/core/constants";
import type { CniNodeAnswer, CniNodeState } from "@isthmus/core/model";
import { contains, firstAddress, lastAddress, parseCidr, parseIp } from "@isthmus/core/net";
import type { AdminConnection } from "../broker/admin.js";
import { activeGateway, listGateways } from "../join/gateways.js";
import type { ClusterTarget } from "../kube/cluster.js";
import type { CheckResult } from "./diagnose-checks.js";
import { readCniNodes, routeAgentSelector, withUnanswered } from "./diagnose-cni-nodes.js";

/** The route agent's nft table (gateway's `routeAgentNftTable`; the CLI loads no gateway code). */
const routeAgentTable = "isthmus-route-agent";

type Verdict = Omit<CheckResult, "check">;
const ok = (detail: string): Verdict => ({ result: "ok", detail, remedy: "" });

const covered = (cidr: string, elements: readonly string[]): boolean => {
  const want = parseCidr(cidr);
  return elements.some((e) => {
    const [from, to] = e.split("-");
    if (to === undefined) return contains(parseCidr(from?.includes("/") === true ? from : `${from ?? ""}/32`), want);
    return parseIp(from ?? "").value <= firstAddress(want).value && lastAddress(want).value <= parseIp(to).value;
  });
};

/** The `cni masquerade` check; `remoteCidrs` undefined when the broker was not asked. */
export function judgeMasquerade(nodes: readonly CniNodeState[], remoteCidrs: readonly string[] | undefined): Verdict {
  const bad: string[] = [];
  for (const n of nodes) {
    const missing = [...(n.exemption.daddr ? [] : ["to"]), ...(n.exemption.saddr ? [] : ["from"])];
    if (missing.length > 0) bad.push(`${n.node}: no exemption of traffic ${missing.join(" and ")} remote CIDRs (table ip ${routeAgentTable}, chain keep_source)${n.masquerades.length > 0 ? `, so the CNI's masquerade rules rewrite its source: ${n.masquerades.join(" | ")}` : ""}`);
    const uncovered = (remoteCidrs ?? []).filter((c) => !covered(c, n.exempted));
    if (uncovered.length > 0) bad.push(`${n.node}: remote CIDRs ${uncovered.join(", ")} missing from the exempted set (${n.exempted.join(", ") || "empty"})`);
  }
  if (bad.length > 0) return { result: "fail", detail: bad.join("; "), remedy: "check the route agent on those nodes (kubectl -n isthmus-system logs ds/isthmus-route-agent): it restores its table on its next sync; remote clusters see the node's address until then" };
  const rules = new Set(nodes.flatMap((n) => n.masquerades)).size;
  const scope = remoteCidrs === undefined ? "remote CIDRs (pass --broker-admin to check which)" : (remoteCidrs.join(", ") || "no remote CIDRs yet");
  return ok(`${String(nodes.length)} node(s) keep the source of traffic to and from ${scope}; the CNI's masquerade rules: ${String(rules)}`);
}

/** The `pod mtu` check: `active.node` is the Lease holder, `active.cableDevice` its cable device. */
export function judgePodMtu(nodes: readonly CniNodeState[], active: { node: string; cableDevice: string }): Verdict {
  const podMtus = nodes.flatMap((n) => n.links.filter((l) => l.kind === "veth" && l.master !== undefined && n.links.some((b) => b.name === l.master && b.kind === "bridge")).map((l) => ({ node: n.node, mtu: l.mtu })));
  if (podMtus.length === 0) return { result: "warn", detail: "no pod interfaces found on the nodes", remedy: "start a pod, then check again" };
  const pod = podMtus.reduce((a, b) => (b.mtu > a.mtu ? b : a));
  const gateway = nodes.find((n) => n.node === active.node);
  const cable = gateway?.links.find((l) => l.name === active.cableDevice);
  if (gateway === undefined || cable === undefined) return { result: "fail", detail: `no cable device ${active.cableDevice} on the active gateway ${active.node}`, remedy: "check the gateway agent's log" };
  const hops = [{ what: `${active.cableDevice} on ${active.node}`, mtu: cable.mtu }, ...nodes.flatMap((n) => n.links.filter((l) => l.name === defaults.routeAgentDevice).map((l) => ({ what: `${l.name} on ${n.node}`, mtu: l.mtu })))];
  const path = hops.reduce((a, b) => (b.mtu < a.mtu ? b : a));
  if (pod.mtu <= path.mtu) return ok(`pod MTU ${String(pod.mtu)} (${pod.node}) fits the path (${path.what} ${String(path.mtu)})`);
  const clamp = gateway.mssClamped.includes(active.cableDevice);
  if (!clamp) return { result: "fail", detail: `pod MTU ${String(pod.mtu)} (${pod.node}) > ${path.what} ${String(path.mtu)} and ${active.node} does not clamp TCP MSS into ${active.cableDevice}: large TCP segments to other clusters are dropped`, remedy: `restart the gateway on ${active.node} (it installs the clamp), or lower the CNI's MTU to ${String(path.mtu)}` };
  return ok(`pod MTU ${String(pod.mtu)} (${pod.node}) > ${path.what} ${String(path.mtu)}: TCP is clamped on ${active.node}; other protocols rely on path MTU discovery (ICMP "fragmentation needed")`);
}

/** Kinds of devices cross-cluster traffic arrives on with a route back elsewhere. */
const arrivalKinds = new Set(["vxlan", "tun", "wireguard"]);

/** The `rp_filter` check; `underlays` are each node's underlay devices by node name. */
export function judgeRpFilter(nodes: readonly CniNodeState[], underlays: Readonly<Record<string, readonly string[]>>): Verdict {
  const strict: string[] = [];
  let checked = 0;
  for (const n of nodes) {
    const all = n.rpFilter.all ?? 0;
    for (const l of n.links) {
      if (!arrivalKinds.has(l.kind) && !(underlays[n.node] ?? []).includes(l.name)) continue;
      checked += 1;
      const own = n.rpFilter[l.name] ?? 0;
      if (Math.max(all, own) === 1) strict.push(`${n.node} ${l.name} (all=${String(all)}, ${l.name}=${String(own)})`);
    }
  }
  if (strict.length > 0) return { result: "fail", detail: `strict reverse-path filtering on ${strict.join(", ")}: traffic from other clusters arrives there while the route back to its source leads through vx-isthmus or the tunnel, and is dropped`, remedy: "set net.ipv4.conf.all.rp_filter and net.ipv4.conf.<device>.rp_filter to 2 (loose) or 0 on those nodes" };
  return ok(`no strict rp_filter on ${String(checked)} tunnel and underlay device(s)`);
}

/** What a CNI check gets (the context of every diagnose check). */
export interface CniCheckContext {
  readonly target: ClusterTarget;
  readonly conn: AdminConnection | undefined;
  readonly clusterId: string | undefined;
}

/** The `cni masquerade` check. */
export async function checkCniMasquerade({ target, conn, clusterId }: CniCheckContext): Promise<Verdict> {
  const nodes = readCniNodes(target);
  const remote = conn === undefined || clusterId === undefined ? undefined : (await conn.admin.listClusters({})).clusters.filter((c) => c.id !== clusterId).flatMap((c) => (c.globalCidr === undefined ? [...c.podCidrs, ...c.serviceCidrs] : [c.globalCidr])).filter((c) => !c.includes(":"));
  return withUnanswered(await nodes, (answered) => judgeMasquerade(answered, remote));
}

/** The `pod mtu` check. */
export async function checkPodMtu({ target }: CniCheckContext): Promise<Verdict> {
  const nodes = await readCniNodes(target);
  const active = activeGateway(await listGateways(target));
  if (active === undefined) return { result: "fail", detail: "no active gateway", remedy: "see gateway leadership" };
  const silent = nodes.unanswered.find((u) => u.node === active.node);
  if (silent !== undefined) return { result: "warn", detail: `the active gateway ${active.node} did not answer: ${silent.reason}`, remedy: `check the route agent on ${active.node} (kubectl -n ${defaults.namespace} get pods -l ${routeAgentSelector} -o wide, and its log)` };
  return withUnanswered(nodes, (answered) => judgePodMtu(answered, { node: active.node, cableDevice: active.driver === "vxlan" ? "isthmus-vxlan" : defaults.wireguardDevice }));
}

/** The `rp_filter` check: each node's underlays as its route agent found them. */
export async function checkRpFilter({ target }: CniCheckContext): Promise<Verdict> {
  return withUnanswered(await readCniNodes(target), (answered: readonly CniNodeAnswer[]) => judgeRpFilter(answered, Object.fromEntries(answered.map((n) => [n.node, n.underlays]))));
}
