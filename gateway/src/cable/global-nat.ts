import { isCidr, isIp, parseIp } from "@isthmus/core/net";
import { runTool } from "../system/command.js";
import { SystemError } from "../system/errors.js";
import type { IpTool } from "../system/ip.js";
import { CableError } from "./errors.js";

// Design notes (docs/adr/0206-global-addresses.md): the active gateway of a cluster that holds a
// global block translates in the kernel, never in userspace: packets from the cluster's pods
// leaving through the cable device are SNATed to the cluster's egress address, and packets
// arriving through it for a service's global IP are DNATed straight to the service's backends
// (a random one per connection, as kube-proxy picks), for a headless pod's own global IP to the
// pod (every port). Pods a GlobalEgressIP selects leave as its address instead (rules ahead of
// the cluster-wide SNAT). Not to the service's cluster IP: a second DNAT at the same hook would not
// run (netfilter NATs a connection once per hook), so kube-proxy could not take it from there. One table, replaced atomically; replies are un-NATed by
// conntrack. Runs before kube-proxy's chains (priority dstnat - 10 / srcnat - 10). Every gateway
// candidate holds the same rules, the passive ones too, so a promotion programs no rule; the
// table's comment records the role it was written under (see readGlobalNatRole).

/** The nft table (family ip) of the global address translation. */
export const globalNatTable = "isthmus_global";

/** One port of a service reachable at a global IP, and where its connections go. */
export interface GlobalServicePort {
  readonly protocol: "TCP" | "UDP" | "SCTP";
  /** The service port (what remote clusters dial at the global IP). */
  readonly port: number;
  /** The ready backends (pod IP and target port); none: the port is not translated. */
  readonly backends: readonly { readonly ip: string; readonly port: number }[];
}

/** What the active gateway translates. */
export interface GlobalNatSpec {
  /** The cable device remote traffic leaves and arrives through. */
  readonly device: string;
  /** The cluster's pod CIDRs: sources that leave as the egress address. */
  readonly localCidrs: readonly string[];
  /** The cluster's egress address (its block's second address). */
  readonly egressIp: string;
  /** Exported services by global IP. */
  readonly services: readonly { readonly globalIp: string; readonly ports: readonly GlobalServicePort[] }[];
  /** Pods of headless exports by their own global IP: DNATed 1:1 to the pod IP, every port. */
  readonly pods?: readonly { readonly globalIp: string; readonly podIp: string }[];
  /** Pods selected by a GlobalEgressIP: they leave as its address, not `egressIp` (each pod in one entry). */
  readonly egress?: readonly { readonly globalIp: string; readonly sources: readonly string[] }[];
}

const invalid = (why: string): CableError => new CableError("InvalidOptions", `Cannot program global address translation: ${why}`);
const isPort = (p: number): boolean => Number.isInteger(p) && p >= 1 && p <= 65_535;
const isV4 = (ip: string): boolean => isIp(ip) && parseIp(ip).family === 4;

/** Checks `spec` (CableError "InvalidOptions" naming the bad field; nothing is programmed then). */
function check(spec: GlobalNatSpec): void {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(spec.device)) throw invalid(`device "${spec.device}" is not an interface name`);
  if (!isV4(spec.egressIp)) throw invalid(`egress address "${spec.egressIp}" is not an IPv4 address`);
  for (const cidr of spec.localCidrs) if (!isCidr(cidr) || !cidr.includes(".")) throw invalid(`local CIDR "${cidr}" is not an IPv4 CIDR`);
  const seen = new Set<string>();
  for (const service of spec.services) {
    if (!isV4(service.globalIp)) throw invalid(`global IP "${service.globalIp}" is not an IPv4 address`);
    if (seen.has(service.globalIp)) throw invalid(`global IP ${service.globalIp} is listed twice`);
    seen.add(service.globalIp);
    for (const p of service.ports) {
      if (!isPort(p.port)) throw invalid(`port ${p.port} of ${service.globalIp} is out of range`);
      for (const b of p.backends) if (!isV4(b.ip) || !isPort(b.port)) throw invalid(`backend ${b.ip}:${b.port} of ${service.globalIp}:${p.port} is not an IPv4 address and port`);
    }
  }
  for (const pod of spec.pods ?? []) {
    if (!isV4(pod.globalIp) || !isV4(pod.podIp)) throw invalid(`pod ${pod.podIp} at ${pod.globalIp}: not IPv4 addresses`);
    if (seen.has(pod.globalIp)) throw invalid(`global IP ${pod.globalIp} is listed twice`);
    seen.add(pod.globalIp);
  }
  const sources = new Set<string>();
  for (const e of spec.egress ?? []) {
    if (!isV4(e.globalIp) || e.globalIp === spec.egressIp || seen.has(e.globalIp)) throw invalid(`egress address ${e.globalIp} is not an IPv4 address of its own`);
    seen.add(e.globalIp);
    for (const ip of e.sources) {
      if (!isV4(ip)) throw invalid(`source "${ip}" of egress address ${e.globalIp} is not an IPv4 address`);
      if (sources.has(ip)) throw invalid(`source ${ip} leaves as two egress addresses`);
      sources.add(ip);
    }
  }
}

/**
 * The role a gateway programmed the table under: "active" translates (its conntrack entries of
 * remote flows carry the translation); "passive" holds the same rules for a promotion (only a
 * remote that switched to it early is translated there).
 */
export type GlobalNatRole = "active" | "passive";

/** The nft script that replaces the table with `spec`, commented with `role` (pure; throws like `applyGlobalNat`). */
export function renderGlobalNat(spec: GlobalNatSpec, role: GlobalNatRole): string {
  check(spec);
  const dev = `"${spec.device}"`;
  const dnat = spec.services.flatMap((s) =>
    s.ports
      .filter((p) => p.backends.length > 0)
      .map((p) => {
        const proto = p.protocol.toLowerCase();
        const targets = new Set(p.backends.map((b) => b.port));
        const rule = `    iifname ${dev} ip daddr ${s.globalIp} ${proto} dport ${p.port}`;
        // One target port (the usual case): pick an address; several: address and port together.
        if (targets.size === 1) return `${rule} dnat to ${pick(p.backends.map((b) => b.ip))}:${String(p.backends[0]?.port)}`;
        return `${rule} dnat ip addr . port to numgen random mod ${p.backends.length} map { ${p.backends.map((b, i) => `${i} : ${b.ip} . ${b.port}`).join(", ")} }`;
      }),
  );
  const pods = (spec.pods ?? []).map((p) => `    iifname ${dev} ip daddr ${p.globalIp} dnat to ${p.podIp}`);
  // GlobalEgressIPs' pods first: their rule matches before the cluster-wide one.
  const selected = (spec.egress ?? []).filter((e) => e.sources.length > 0).map((e) => `    oifname ${dev} ip saddr { ${e.sources.join(", ")} } snat to ${e.globalIp}`);
  const sources = spec.localCidrs.length === 0 ? [] : [`    oifname ${dev} ip saddr { ${spec.localCidrs.join(", ")} } snat to ${spec.egressIp}`];
  return [
    `table ip ${globalNatTable}`,
    `delete table ip ${globalNatTable}`,
    `table ip ${globalNatTable} {`,
    `  comment "${role}"`,
    "  chain prerouting {",
    "    type nat hook prerouting priority dstnat - 10; policy accept;",
    ...dnat,
    ...pods,
    "  }",
    "  chain postrouting {",
    "    type nat hook postrouting priority srcnat - 10; policy accept;",
    ...selected,
    ...sources,
    "  }",
    "}",
    "",
  ].join("\n");
}

function pick(ips: readonly string[]): string {
  return ips.length === 1 ? (ips[0] ?? "") : `numgen random mod ${ips.length} map { ${ips.map((ip, i) => `${i} : ${ip}`).join(", ")} }`;
}

/**
 * Installs (atomically replaces) the translation of `spec` in `tool`'s namespace. Idempotent.
 * Throws CableError "InvalidOptions" for a bad spec, "ProgrammingFailed" when nft refuses.
 */
export async function applyGlobalNat(tool: IpTool, spec: GlobalNatSpec, role: GlobalNatRole): Promise<void> {
  const script = renderGlobalNat(spec, role);
  try {
    await tool.nft(script);
  } catch (err) {
    throw new CableError("ProgrammingFailed", `nft refused the global address translation of ${spec.device}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The role the table in `tool`'s namespace was programmed under; undefined when there is none. A
 * table without a comment was written by an agent that programmed it on the active gateway only.
 */
export async function readGlobalNatRole(tool: IpTool): Promise<GlobalNatRole | undefined> {
  const listed = await listGlobalNat(tool);
  if (listed === undefined) return undefined;
  return /^\s*comment "passive"/m.test(listed) ? "passive" : "active";
}

/** The table as `nft list table` prints it in `tool`'s namespace (no handles); undefined when there is none. */
export async function listGlobalNat(tool: IpTool): Promise<string | undefined> {
  try {
    return await runTool("nft", ["list", "table", "ip", globalNatTable], { netns: tool.netns });
  } catch (err) {
    if (err instanceof SystemError && err.code === "CommandFailed") return undefined;
    throw err;
  }
}

/** Removes the translation (the cluster has no block, or the agent is uninstalled). Idempotent. */
export async function removeGlobalNat(tool: IpTool): Promise<void> {
  await tool.nft(`table ip ${globalNatTable}\ndelete table ip ${globalNatTable}\n`);
}

/**
 * Deletes this node's connection-tracking entries of flows between `localCidrs` and
 * `remoteCidrs` (both ways) and from `remoteCidrs` to `globalCidrs`. A tracked flow keeps the
 * translation it started with, so a gateway whose role in translating changes must forget them:
 * - one that starts translating (it just became active) may track such flows from before,
 *   untranslated: it forwarded its own pods' flows to the old active gateway, hosted a backend
 *   the old one DNATed to, or received a remote's packets for a global IP before its table was in
 *   place (remotes switch to it on their own probes, ADR 0501): their packets would leave with
 *   the pod's address or never reach a backend;
 * - one that stops (demoted) tracks flows it translated: its pods' flows, now forwarded to the
 *   new active gateway, would still leave SNATed here; and a flow to a backend on this node,
 *   DNATed by the new active gateway now, clashes with the old entry's reply tuple, so the node
 *   drops it until conntrack forgets the old one (two minutes for a UDP stream).
 * Deleted, the next packet is tracked again as the node's table now says (TCP mid-stream too:
 * conntrack picks it up loosely). Idempotent. Throws SystemError when `conntrack` fails for
 * another reason than finding nothing.
 */
export async function flushGlobalFlows(
  netns: string | undefined,
  options: { readonly localCidrs: readonly string[]; readonly remoteCidrs: readonly string[]; readonly globalCidrs: readonly string[] },
): Promise<void> {
  const pairs = options.remoteCidrs.flatMap((remote) => [
    ...options.localCidrs.flatMap((local) => [[local, remote], [remote, local]] as const),
    ...options.globalCidrs.map((global) => [remote, global] as const),
  ]);
  // Side by side: on a promotion this stands before the flows through the node recover.
  await Promise.all(pairs.map(async ([src, dst]) => {
    try {
      await runTool("conntrack", ["-D", "-s", src, "-d", dst], { netns });
    } catch (err) {
      // conntrack exits 1 when nothing matched: that is the usual, wanted outcome.
      if (!(err instanceof SystemError && err.message.includes("0 flow entries"))) throw err;
    }
  }));
}
