/**
 * The `global addresses` check of `isthmus diagnose` (issue #15, ADR 0206): the usual failures
 * of a cluster with overlapping CIDRs. From the broker: a cluster that overlaps a member but
 * holds no block, and a block with no address left, naming the exports that have no global IP
 * for it (isthmus-dns marks each such ServiceExport GlobalAddresses=False, docs/adr/0206). On a lab
 * cluster (where the CLI can enter nodes) also the active gateway's translation table against
 * what the gateway's own planner (`@isthmus/gateway/global`) computes from the broker and the
 * cluster's EndpointSlices.
 */
import { DiscoveryV1Api } from "@kubernetes/client-node";
import { clusterFromWire, exportFromWire } from "@isthmus/core/brokerapi";
import { defaults } from "@isthmus/core/constants";
import { httpStatusOf } from "@isthmus/core/kube";
import { globalBlockCapacity, type Cluster, type ServiceExport } from "@isthmus/core/model";
import { overlaps, parseCidr } from "@isthmus/core/net";
import { runCommand } from "@isthmus/core/runtime";
import { globalNatTable, planGlobalNat, type GlobalNatSpec } from "@isthmus/gateway/global";
import type { AdminConnection } from "../broker/admin.js";
import { activeGateway, listGateways } from "../join/gateways.js";
import type { ClusterTarget } from "../kube/cluster.js";
import { labNodeArgv } from "../lab-bridge.js";
import type { CheckResult } from "./diagnose-checks.js";

type Finding = Omit<CheckResult, "check">;

/** What the broker knows that the block findings need. */
export interface GlobalView {
  readonly clusterId: string;
  /** Every member (id, CIDRs, block, GlobalEgressIPs). */
  readonly clusters: readonly Pick<Cluster, "id" | "podCidrs" | "serviceCidrs" | "globalCidr" | "globalEgress">[];
  /** The broker's exports (every cluster's). */
  readonly exports: readonly ServiceExport[];
  /** "namespace/name" of the cluster's ServiceExports marked GlobalAddresses=False (the block has no global IP for them). */
  readonly unaddressed: readonly string[];
}

/** The condition isthmus-dns writes on a ServiceExport the broker has no global IP for (docs/adr/0206). */
const globalAddressesCondition = "GlobalAddresses";

/** "namespace/name" of the ServiceExports (as listed from the API) whose GlobalAddresses condition is False. */
export function unaddressedExports(items: readonly { metadata?: { namespace?: string; name?: string }; status?: { conditions?: readonly { type?: string; status?: string }[] } }[]): string[] {
  return items
    .filter((i) => (i.status?.conditions ?? []).some((c) => c.type === globalAddressesCondition && c.status === "False"))
    .map((i) => `${i.metadata?.namespace ?? ""}/${i.metadata?.name ?? ""}`)
    .sort();
}

/** The global IPs the broker gave the cluster's exports. */
export function usedGlobalIps(clusterId: string, exports: readonly ServiceExport[]): string[] {
  return exports.flatMap((e) => {
    if (e.clusterId !== clusterId) return [];
    if (e.type === "ClusterSetIP") return e.globalIp === undefined ? [] : [e.globalIp];
    return e.endpoints.flatMap((x) => (x.globalIp === undefined ? [] : [x.globalIp]));
  });
}

/** The broker side of the check: no block while overlapping, a full block (pure). */
export function judgeBlock(view: GlobalView): Finding {
  const me = view.clusters.find((c) => c.id === view.clusterId);
  if (me === undefined) return { result: "warn", detail: `the broker has no cluster ${view.clusterId}`, remedy: "see broker reachability" };
  const mine = [...me.podCidrs, ...me.serviceCidrs];
  const clashes = view.clusters.flatMap((other) => {
    if (other.id === me.id) return [];
    return mine.flatMap((x) => [...other.podCidrs, ...other.serviceCidrs].filter((y) => overlaps(parseCidr(x), parseCidr(y))).map((y) => `${x} / ${other.id} ${y}`));
  });
  if (me.globalCidr === undefined) {
    if (clashes.length > 0) return { result: "fail", detail: `no global block, but the CIDRs overlap: ${clashes.join("; ")}`, remedy: "join again with global addressing (isthmus join --global-cidr auto): the broker gives this cluster a block" };
    return { result: "ok", detail: "no global block: the cluster's CIDRs are unique, other clusters reach its real addresses", remedy: "" };
  }
  // The block's global IPs go to exports, headless pods and GlobalEgressIPs alike.
  const used = usedGlobalIps(me.id, view.exports).length + (me.globalEgress ?? []).filter((g) => g.globalIp !== undefined).length;
  const capacity = globalBlockCapacity(me.globalCidr);
  const usage = `block ${me.globalCidr}: ${String(used)} of ${String(capacity)} global IPs in use`;
  const bigger = `unexport services that need no longer be reached, or free the block and join with a larger one (isthmus broker remove-cluster ${me.id}, then isthmus join --global-cidr /${String(Math.max(1, parseCidr(me.globalCidr).prefix - 2))})`;
  if (view.unaddressed.length > 0) {
    return { result: "fail", detail: `${usage}: the block is exhausted; exports without their global IPs (other clusters cannot reach them or some of their pods): ${view.unaddressed.join(", ")}`, remedy: `${bigger}; kubectl describe serviceexport shows each one's GlobalAddresses condition` };
  }
  if (used >= capacity) return { result: "warn", detail: `${usage}: the block is exhausted, the next export (or headless pod) gets no global IP and is left out`, remedy: bigger };
  return { result: "ok", detail: usage, remedy: "" };
}

/** The rules of `spec` that `table` (`nft list table ip isthmus_global`) lacks (pure). */
export function missingNatRules(spec: GlobalNatSpec, table: string): string[] {
  const text = table.replaceAll(/\s+/g, " ");
  const out: string[] = [];
  if (!text.includes(`table ip ${globalNatTable}`)) return [`no table ip ${globalNatTable}`];
  if (spec.localCidrs.length > 0 && !text.includes(`snat to ${spec.egressIp}`) && !text.includes(`snat ip to ${spec.egressIp}`)) out.push(`no SNAT to ${spec.egressIp}`);
  if (text.includes('comment "passive"')) out.push("the table is programmed as a passive gateway's (it does not translate)");
  for (const s of spec.services) {
    for (const p of s.ports) {
      if (p.backends.length === 0) continue;
      if (!text.includes(`ip daddr ${s.globalIp} ${p.protocol.toLowerCase()} dport ${String(p.port)} dnat`)) out.push(`no DNAT of ${s.globalIp} ${p.protocol.toLowerCase()}/${String(p.port)}`);
    }
  }
  for (const pod of spec.pods ?? []) if (!text.includes(`ip daddr ${pod.globalIp} dnat to ${pod.podIp}`)) out.push(`no DNAT of ${pod.globalIp} to pod ${pod.podIp}`);
  return out;
}

/** The check; `conn` undefined or an unknown cluster id only warn. */
export async function checkGlobal(context: { target: ClusterTarget; conn: AdminConnection | undefined; clusterId: string | undefined }): Promise<Finding> {
  const { target, conn, clusterId } = context;
  if (conn === undefined) return { result: "warn", detail: "no admin file given", remedy: "pass --broker-admin" };
  if (clusterId === undefined) return { result: "warn", detail: "the cluster's join state names no cluster id", remedy: "run isthmus join first" };
  const [{ clusters: wireClusters }, { exports: wireExports }] = await Promise.all([conn.admin.listClusters({}), conn.admin.listExports({})]);
  const clusters = wireClusters.map(clusterFromWire);
  const exports = wireExports.map(exportFromWire);
  // No MCS CRD (isthmus-dns not installed): no exports to compare.
  const listed = (await target.custom.listClusterCustomObject({ group: defaults.mcsGroup, version: defaults.mcsVersion, plural: "serviceexports" }).catch((err: unknown) => {
    if (httpStatusOf(err) === 404) return { items: [] };
    throw err;
  })) as { items?: Parameters<typeof unaddressedExports>[0] };
  const block = judgeBlock({ clusterId, clusters, exports, unaddressed: unaddressedExports(listed.items ?? []) });
  const me = clusters.find((c) => c.id === clusterId);
  if (block.result === "fail" || me?.globalCidr === undefined) return block;
  const active = activeGateway(await listGateways(target));
  if (active === undefined) return { result: "fail", detail: `${block.detail}; no active gateway translates`, remedy: "see gateway leadership" };
  const slices = await target.kube.api(DiscoveryV1Api).listEndpointSliceForAllNamespaces();
  const spec = planGlobalNat({ clusterId, clusters, exports, slices: slices.items, device: defaults.wireguardDevice, podCidrs: me.podCidrs });
  const node = target.lab?.cluster.nodes.find((n) => n.name === active.node);
  if (spec === undefined || target.lab === undefined || node === undefined) return { result: block.result === "ok" ? "warn" : block.result, detail: `${block.detail}; the translation needs node access (lab only)`, remedy: `on ${active.node}: nft list table ip ${globalNatTable} (a DNAT per global IP and port with ready backends, the SNAT to the egress address)` };
  const { stdout } = await runCommand([...(await labNodeArgv(target.lab, node)), "nft", "list", "table", "ip", globalNatTable], { allowExitCodes: [1], timeoutMs: 30_000 });
  const missing = missingNatRules(spec, stdout);
  if (missing.length > 0) return { result: "fail", detail: `NAT rule missing on the active gateway ${active.node}: ${missing.join("; ")}`, remedy: `the gateway re-checks its table every 10 s and puts it back: if the rule stays missing, check its log (kubectl -n ${defaults.namespace} logs of the isthmus-gateway pod on ${active.node})` };
  const rules = spec.services.reduce((n, s) => n + s.ports.filter((p) => p.backends.length > 0).length, 0) + (spec.pods?.length ?? 0);
  return { result: block.result, detail: `${block.detail}; ${active.node} translates (SNAT to ${spec.egressIp}, ${String(rules)} DNAT rule(s))`, remedy: block.remedy };
}
