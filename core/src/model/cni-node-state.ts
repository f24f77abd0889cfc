/**
 * What a node's own CNI does to cross-cluster traffic, as `isthmus diagnose` judges it (issue #18,
 * ADR 0408): the node's links, its rp_filter settings, the route agent's masquerade exemption,
 * the CNI's masquerade rules and the gateway's MSS clamps. The route agent reads its node with
 * {@link readCniNode} (local commands, it runs in the node's network namespace) and answers
 * `GET /cni-state` on its metrics port with a {@link CniNodeAnswer}; the CLI reads that through
 * the API server's pod proxy and checks it with {@link parseCniNodeAnswer}. Only what the
 * judges need: device names, MTUs, sysctls, CIDRs and rule texts, no secrets.
 */
import { z } from "zod";
import { parseModel } from "./errors.js";

/** One link of a node (`ip -j -d link show`). */
export interface NodeLink {
  readonly name: string;
  /** `linkinfo.info_kind` ("veth", "bridge", "vxlan", "tun", …; "" when none). */
  readonly kind: string;
  readonly mtu: number;
  /** The device this one is enslaved to (a pod veth's bridge). */
  readonly master?: string;
}

/** What the CNI checks read of one node. */
export interface CniNodeState {
  readonly node: string;
  readonly links: readonly NodeLink[];
  /** `net.ipv4.conf.<dev>.rp_filter` by device, with "all". */
  readonly rpFilter: Readonly<Record<string, number>>;
  /** Whether the route agent's keep_source chain has both rules (daddr and saddr in the remote set). */
  readonly exemption: { readonly daddr: boolean; readonly saddr: boolean };
  /** The elements of the route agent's remote set (CIDRs or `a-b` ranges). */
  readonly exempted: readonly string[];
  /** iptables nat rules that masquerade, other than kube-proxy's (KUBE-*). */
  readonly masquerades: readonly string[];
  /** Rules of the whole nft ruleset that clamp TCP MSS, by output device. */
  readonly mssClamped: readonly string[];
}

/** A route agent's answer on `/cni-state`: its node's state and the node's underlay devices. */
export interface CniNodeAnswer extends CniNodeState {
  /** The devices that carry the node's own traffic (its address's, its default routes', its gateway endpoint's). */
  readonly underlays: readonly string[];
}

const cniNodeAnswerSchema = z.strictObject({
  node: z.string().min(1),
  links: z.array(z.strictObject({ name: z.string(), kind: z.string(), mtu: z.number().int(), master: z.string().optional() })),
  rpFilter: z.record(z.string(), z.number().int()),
  exemption: z.strictObject({ daddr: z.boolean(), saddr: z.boolean() }),
  exempted: z.array(z.string()),
  masquerades: z.array(z.string()),
  mssClamped: z.array(z.string()),
  underlays: z.array(z.string()),
});

/** Checks a `/cni-state` answer (parsed JSON); throws ModelError `InvalidCniNodeState`. */
export function parseCniNodeAnswer(value: unknown): CniNodeAnswer {
  return parseModel(cniNodeAnswerSchema, value, { code: "InvalidCniNodeState", what: "CNI node state" }) as CniNodeAnswer;
}

interface NftObject { set?: { name: string; elem?: unknown[] }; rule?: { chain: string; expr?: unknown[] } }

const elementText = (e: unknown): string => {
  if (typeof e === "string") return e;
  const o = e as { prefix?: { addr: string; len: number }; range?: [string, string] };
  if (o.prefix !== undefined) return `${o.prefix.addr}/${String(o.prefix.len)}`;
  if (o.range !== undefined) return `${o.range[0]}-${o.range[1]}`;
  return JSON.stringify(e);
};

/** Parses the route agent's table (`nft -j list table ip isthmus-route-agent`; "" when absent). */
export function parseRouteAgentTable(json: string): Pick<CniNodeState, "exemption" | "exempted"> {
  const objects = json.trim() === "" ? [] : (JSON.parse(json) as { nftables: NftObject[] }).nftables;
  const exempted = objects.flatMap((o) => (o.set?.name === "remote" ? (o.set.elem ?? []).map(elementText) : []));
  const keeps = (field: "daddr" | "saddr"): boolean => objects.some((o) => {
    if (o.rule?.chain !== "keep_source") return false;
    const text = JSON.stringify(o.rule.expr ?? []);
    return text.includes(`{"payload":{"protocol":"ip","field":"${field}"}},"right":"@remote"`) && text.includes('"snat":{"addr":{"payload":{"protocol":"ip","field":"saddr"}}');
  });
  return { exemption: { daddr: keeps("daddr"), saddr: keeps("saddr") }, exempted };
}

/** Parses `ip -j -d link show`. */
export function parseLinks(json: string): NodeLink[] {
  return (JSON.parse(json) as { ifname: string; mtu: number; master?: string; linkinfo?: { info_kind?: string } }[]).map((l) => ({
    name: l.ifname, kind: l.linkinfo?.info_kind ?? "", mtu: l.mtu, ...(l.master === undefined ? {} : { master: l.master }),
  }));
}

/** The devices `nft list ruleset` (text) clamps TCP MSS into. */
export function parseMssClamps(ruleset: string): string[] {
  return [...ruleset.matchAll(/oifname "([^"]+)" tcp flags syn tcp option maxseg size set rt mtu/g)].map((m) => m[1] ?? "");
}

/** Parses `grep -H . /proc/sys/net/ipv4/conf/<each device>/rp_filter` (`path:value` lines) by device. */
export function parseRpFilters(text: string): Record<string, number> {
  const rpFilter: Record<string, number> = {};
  for (const m of text.matchAll(/conf\/([^/]+)\/rp_filter:(\d)/g)) rpFilter[m[1] ?? ""] = Number(m[2]);
  return rpFilter;
}

/** The masquerading rules of `iptables -t nat -S`, other than kube-proxy's. */
export function parseMasquerades(rules: string): string[] {
  return rules.split("\n").filter((l) => l.startsWith("-A ") && l.includes("MASQUERADE") && !l.startsWith("-A KUBE-"));
}

/** Runs one command on the node and resolves with its stdout (exit codes 1 and 2 allowed: an absent nft table is ""). */
export type NodeCommandRunner = (argv: readonly string[]) => Promise<string>;

/** Reads what the CNI checks need from one node through `run`; `table` is the route agent's nft table. */
export async function readCniNode(node: string, options: { readonly run: NodeCommandRunner; readonly table: string }): Promise<CniNodeState> {
  const { run } = options;
  const rpFilter = parseRpFilters(await run(["sh", "-c", "grep -H . /proc/sys/net/ipv4/conf/*/rp_filter"]));
  const masquerades = parseMasquerades(await run(["iptables", "-t", "nat", "-S"]));
  return {
    node,
    links: parseLinks(await run(["ip", "-j", "-d", "link", "show"])),
    rpFilter,
    ...parseRouteAgentTable(await run(["nft", "-j", "list", "table", "ip", options.table])),
    masquerades,
    mssClamped: parseMssClamps(await run(["nft", "list", "ruleset"])),
  };
}
