/**
 * Makes one node's kernel match its egress programs (render.ts says what and why): the nft
 * table in one transaction, the per-program routing tables, the ip rules and the extra egress
 * addresses. Level-based: it reads what is there (the table, the rules of its two priorities, the
 * routes of its tables, the addresses; one read of each kind, side by side) and writes only what
 * differs, so a restarted agent adopts or cleans up what the last one left, and something removed
 * behind the agent's back (an address, a rule, a route, the SNAT or the whole table) is put back
 * by the next call. The table is compared with what the last call left (`memo`, its JSON without
 * handles and counter values): rendering nft's own JSON to compare would be a second renderer.
 * Order keeps traffic flowing: routes before the rules that use them, rules removed before their
 * routes, an address recorded before it is added and forgotten only after it is removed.
 */
import { defaults } from "@isthmus/core/constants";
import { cidrContaining, parseCidr, parseIp } from "@isthmus/core/net";
import type { CommandRunner } from "../datapath/exec.js";
import { routePeers, type VxlanMode } from "../agent/overlay-plan.js";
import { CniError } from "../plugin/errors.js";
import { clearClaimsScript, deleteEgressScript, type ExistingEgressObjects, forgetAddressesScript, egressTable, type NextHop, type ProgramRoute, renderEgressScript, routeArgs, ruleArgs, rulePriorities, type SteerRule, steerRules, tableBase } from "./render.js";
import type { GatewayProgram } from "./types.js";

/** What the data path needs besides the programs. */
export interface EgressApplyOptions {
  readonly programs: readonly GatewayProgram[];
  /** This node's InternalIP (finds the underlay interface). */
  readonly nodeIp: string;
  readonly mode: VxlanMode;
  /** The cluster's own CIDRs: every node's podCIDR and the service CIDR. */
  readonly clusterCidrs: readonly string[];
  /**
   * Extra addresses to announce even when the node holds them already: ones this process did not
   * serve before (a node that comes back may still hold the address while the segment learnt it
   * at the standby's MAC).
   */
  readonly reannounce?: readonly string[];
  /** What the last call of this process left in the table; read and updated by this call (one per process). */
  readonly memo?: EgressTableMemo;
  /** Told what failed but is safe to continue past (the caller logs it at warn). */
  readonly onWarning?: (message: string) => void;
}

/**
 * The table as the last call left it: what it had to hold (the script without deletions), its
 * JSON without handles and counter values, and the extra addresses it recorded as ours (still
 * ours when the table, and so its set `addresses`, is deleted behind the agent's back).
 */
export interface EgressTableMemo {
  script?: string;
  table?: string;
  addresses?: readonly string[];
}

/** The table's objects without what changes by itself (handles, counter values) or says nothing (metainfo). */
function tableFingerprint(objects: readonly NftObject[] | undefined): string | undefined {
  if (objects === undefined) return undefined;
  return JSON.stringify(objects.filter((o) => !("metainfo" in o)), (key, value: unknown) => (key === "handle" || key === "packets" || key === "bytes" ? undefined : value));
}

interface NftObject {
  metainfo?: unknown;
  set?: { name?: string; elem?: unknown[] };
  counter?: { name?: string; packets?: number; bytes?: number };
}

async function listTable(runner: CommandRunner): Promise<NftObject[] | undefined> {
  const out = await runner.run(["nft", "-j", "list", "table", "ip", egressTable], { allowFailure: true });
  if (out.code !== 0) {
    if (out.stderr.includes("No such file or directory")) return undefined;
    throw new CniError("IoFailure", `Cannot read nft table ip ${egressTable}: ${out.stderr.trim()}`);
  }
  return (JSON.parse(out.stdout) as { nftables?: NftObject[] }).nftables ?? [];
}

function existingObjects(objects: readonly NftObject[]): ExistingEgressObjects & { readonly addresses: readonly string[] } {
  const addresses = objects.find((o) => o.set?.name === "addresses")?.set?.elem ?? [];
  return {
    sets: objects.flatMap((o) => (o.set?.name === undefined ? [] : [o.set.name])),
    counters: objects.flatMap((o) => (o.counter?.name === undefined ? [] : [o.counter.name])),
    addresses: addresses.filter((a): a is string => typeof a === "string"),
  };
}

interface RuleJson { priority?: number; fwmark?: string; fwmask?: string; table?: string }

function parseRule(r: RuleJson): SteerRule | undefined {
  if (r.priority !== rulePriorities.main && r.priority !== rulePriorities.steer) return undefined;
  const mark = Number(r.fwmark ?? "NaN");
  if (!Number.isInteger(mark)) return undefined;
  return { priority: r.priority, mark, table: r.table === "main" ? "main" : Number(r.table) };
}

const ruleKey = (r: SteerRule): string => `${String(r.priority)}/${String(r.mark)}/${String(r.table)}`;

interface AddrJson { ifname?: string; addr_info?: { family?: string; local?: string; prefixlen?: number }[] }

interface RouteJson { dst?: string; gateway?: string; dev?: string; table?: string; flags?: string[] }

/** The underlay of `nodeIp` (the interface holding it and its subnets) from `ip -j -4 addr show`. */
function underlayOf(links: readonly AddrJson[], nodeIp: string): { readonly device: string; readonly subnets: ReturnType<typeof cidrContaining>[] } {
  const link = links.find((l) => (l.addr_info ?? []).some((a) => a.local === nodeIp));
  if (link?.ifname === undefined) throw new CniError("InvalidConfig", `No interface holds the node address ${nodeIp}: check the Node's InternalIP`);
  const subnets = (link.addr_info ?? []).flatMap((a) => (a.local !== undefined && a.prefixlen !== undefined ? [cidrContaining(parseIp(a.local), a.prefixlen)] : []));
  return { device: link.ifname, subnets };
}

/** True when table `table`'s routes (of our protocol) are exactly the default route through `hop`. */
function routeIs(routes: readonly RouteJson[], table: number, hop: NextHop): boolean {
  const mine = routes.filter((r) => Number(r.table) === table);
  const [r] = mine;
  return mine.length === 1 && r?.dst === "default" && r.gateway === hop.via && r.dev === hop.dev && (r.flags ?? []).includes("onlink") === hop.onlink;
}

/** Where each program's steered traffic goes from this node: over the overlay, or direct on one segment. */
function nextHops(programs: readonly GatewayProgram[], options: { readonly mode: VxlanMode; readonly underlay: { readonly device: string; readonly subnets: Parameters<typeof routePeers>[1]["underlaySubnets"] } }): ProgramRoute[] {
  const hopOf = (target: GatewayProgram["active"]): NextHop => {
    const peer = { name: target.name, podCidr: parseCidr(target.podCidr), nodeIp: parseIp(target.internalIp) };
    const direct = routePeers([peer], { mode: options.mode, underlaySubnets: options.underlay.subnets }).direct.length > 0;
    return direct
      ? { via: target.internalIp, dev: options.underlay.device, onlink: false }
      : { via: peer.podCidr.network.toString(), dev: defaults.cniVxlanDevice, onlink: true };
  };
  return programs.map((program) => {
    if (program.serving || program.steer.length === 0) return { program };
    return { program, nextHop: hopOf(program.active), candidateHops: (program.candidates ?? []).map((c) => hopOf(c).via) };
  });
}

/** Brings the node to `options.programs`; returns a line per change (for the log). Throws CniError on failure. */
export async function applyEgress(runner: CommandRunner, options: EgressApplyOptions): Promise<string[]> {
  const changes: string[] = [];
  // One read of each kind: the table and the addresses first, the rules and routes beside the
  // table's write (they are needed only after it). On a failover every command before the route
  // or the address is part of the loss window.
  const [current, addrOut] = await Promise.all([listTable(runner), runner.run(["ip", "-j", "-4", "addr", "show"])]);
  const links = JSON.parse(addrOut.stdout) as AddrJson[];
  // Nothing to program needs no underlay: uninstall works on a node whose address is gone.
  const underlay = options.programs.length === 0 ? { device: "", subnets: [] } : underlayOf(links, options.nodeIp);
  const routes = nextHops(options.programs, { mode: options.mode, underlay });
  const existing = existingObjects(current ?? []);
  const memo = options.memo ?? {};
  const own = [...new Set([...existing.addresses, ...(memo.addresses ?? [])])];
  const holder = (address: string): { dev: string; prefix: number } | undefined => {
    for (const l of links) for (const a of l.addr_info ?? []) if (a.local === address && l.ifname !== undefined) return { dev: l.ifname, prefix: a.prefixlen ?? 32 };
    return undefined;
  };
  // An address the node holds that is not recorded as ours is not ours: never record it, so never remove it.
  const wantAddresses = options.programs
    .filter((p) => p.serving && p.extraPrefix !== undefined && p.egressIp !== options.nodeIp)
    .map((p) => p.egressIp)
    .filter((a) => holder(a) === undefined || own.includes(a));
  const recorded = [...new Set([...wantAddresses, ...own])].sort();
  const devices = new Set(routes.flatMap((r) => (r.nextHop === undefined ? [] : [r.nextHop.dev])));
  const input = { programs: routes, clusterCidrs: options.clusterCidrs, addresses: recorded, served: wantAddresses };
  const script = renderEgressScript(input, existing);
  // What the table must hold, whatever objects of gone resources this write also deletes.
  const wanted = renderEgressScript(input, { sets: [], counters: [] });
  const newScript = memo.script !== wanted;
  const tableWanted = options.programs.length > 0 || current !== undefined;
  // Every address this pass announces (added, or held and announced again) may be one another
  // node claimed meanwhile: the write before the announcement clears that claim from the ARP
  // guard, so this node's kernel answers for it again (render.ts).
  const reannounceHeld = wantAddresses.filter((a) => holder(a) !== undefined && options.reannounce?.includes(a) === true);
  const announcing = wantAddresses.filter((a) => holder(a) === undefined || reannounceHeld.includes(a));
  const drifted = memo.table === undefined || memo.table !== tableFingerprint(current);
  const writeTable = tableWanted && (newScript || drifted || announcing.length > 0);
  if (writeTable && !newScript && drifted) changes.push(`table ip ${egressTable}: ${current === undefined ? "missing" : "changed behind the agent's back"}, rewritten`);
  const [ruleOut, routeOut] = await Promise.all([
    runner.run(["ip", "-j", "-4", "rule", "show"]),
    runner.run(["ip", "-j", "-4", "route", "show", "table", "all", "proto", String(defaults.cniRouteProtocol)]),
    ...(writeTable ? [runner.run(["nft", "-f", "-"], { stdin: script + clearClaimsScript(announcing) })] : []),
    // Replies carry the steering mark back (render.ts); the reverse-path check uses it only with this set.
    ...(newScript ? [...devices].map((dev) => runner.run(["sysctl", "-q", "-w", `net/ipv4/conf/${dev}/src_valid_mark=1`])) : []),
  ]);
  // A node taking over adds and announces the address right after its SNAT rule: the segment's
  // router sends replies to whoever announced last, and the steering nodes may switch first.
  const warn = options.onWarning === undefined ? {} : { onWarning: options.onWarning };
  for (const address of wantAddresses) {
    if (holder(address) !== undefined) {
      if (reannounceHeld.includes(address)) announce(runner, { address, device: underlay.device, ...warn });
      continue;
    }
    await runner.run(["ip", "addr", "add", `${address}/32`, "dev", underlay.device]);
    changes.push(`address ${address}: add on ${underlay.device}`);
    announce(runner, { address, device: underlay.device, ...warn });
  }

  const haveRoutes = JSON.parse(routeOut.stdout) as RouteJson[];
  const wantRules = steerRules(routes);
  const wantTables = new Set(routes.flatMap((r) => (r.nextHop === undefined ? [] : [tableBase + r.program.index])));
  for (const r of routes) {
    if (r.nextHop === undefined || routeIs(haveRoutes, tableBase + r.program.index, r.nextHop)) continue;
    await runner.run(["ip", "route", "replace", ...routeArgs(r.program.index, r.nextHop)]);
    changes.push(`table ${String(tableBase + r.program.index)}: default via ${r.nextHop.via} dev ${r.nextHop.dev}`);
  }
  const haveRules = (JSON.parse(ruleOut.stdout) as RuleJson[]).map(parseRule).filter((r) => r !== undefined);
  const wantKeys = new Set(wantRules.map(ruleKey));
  const haveKeys = new Set(haveRules.map(ruleKey));
  for (const rule of haveRules.filter((r) => !wantKeys.has(ruleKey(r)))) {
    await runner.run(["ip", "rule", "del", ...ruleArgs(rule)]);
    changes.push(`rule ${ruleKey(rule)}: remove`);
  }
  for (const rule of wantRules.filter((r) => !haveKeys.has(ruleKey(r)))) {
    await runner.run(["ip", "rule", "add", ...ruleArgs(rule)]);
    changes.push(`rule ${ruleKey(rule)}: add`);
  }
  for (const table of tablesOf(haveRoutes)) {
    if (wantTables.has(table)) continue;
    await runner.run(["ip", "route", "flush", "table", String(table)]);
    changes.push(`table ${String(table)}: flush`);
  }

  const stale = own.filter((a) => !wantAddresses.includes(a));
  for (const address of stale) {
    const held = holder(address);
    if (held !== undefined) {
      await runner.run(["ip", "addr", "del", `${address}/${String(held.prefix)}`, "dev", held.dev]);
      changes.push(`address ${address}: remove from ${held.dev}`);
    }
  }
  if (options.programs.length === 0) {
    if (current !== undefined) {
      await runner.run(["nft", "-f", "-"], { stdin: deleteEgressScript() });
      changes.push(`table ip ${egressTable}: delete`);
    }
    delete memo.script;
    delete memo.table;
    delete memo.addresses;
    return changes;
  }
  memo.addresses = wantAddresses;
  if (stale.length > 0) {
    // Forgotten now they are gone; with none left, the ARP guard goes too (render.ts).
    await runner.run(["nft", "-f", "-"], { stdin: forgetAddressesScript(stale, wantAddresses.length === 0) });
    delete memo.script;
    delete memo.table;
  } else if (writeTable) {
    memo.script = wanted;
    const written = tableFingerprint(await listTable(runner));
    if (written === undefined) delete memo.table;
    else memo.table = written;
  }
  return changes;
}

/**
 * Sends one unsolicited ARP for `address` without waiting for it: the segment's router and hosts
 * may still hold the address at the MAC of the node that served it before (dead or not) and
 * would keep sending the replies there. One, not `-c 2`: an arping that sends its second a second
 * later outlives the agent that started it, and a node whose agent was killed just after
 * announcing then announced again after the standby had taken over (the failover netns test's
 * timeline showed the router moved back to it for a second); the agent repeats the announcement
 * itself, while it still serves the address (agent.ts). A failure (no `arping` on the node) goes
 * to `onWarning`: neighbours then learn the address when their entry for it expires.
 */
function announce(runner: CommandRunner, options: { readonly address: string; readonly device: string; readonly onWarning?: (message: string) => void }): void {
  const { address, device } = options;
  void runner.run(["arping", "-U", "-c", "1", "-I", device, address], { allowFailure: true })
    .catch((err: unknown) => ({ code: -1, stderr: err instanceof Error ? err.message : String(err) }))
    .then((arp) => {
      if (arp.code !== 0) options.onWarning?.(`Cannot announce egress address ${address} on ${device} (arping: ${arp.stderr.trim() || `exit ${String(arp.code)}`}): neighbours learn it when their entry for it expires`);
    });
}

/** The routing tables of the steering that hold routes. */
function tablesOf(routes: readonly RouteJson[]): number[] {
  const tables = routes.map((r) => Number(r.table)).filter((t) => Number.isInteger(t) && t > tableBase && t <= tableBase + 255);
  return [...new Set(tables)];
}

/** Bytes and packets through each egress this node serves, by resource name (from the table's counters). */
export async function readEgressCounters(runner: CommandRunner): Promise<ReadonlyMap<string, { readonly packets: number; readonly bytes: number }>> {
  const objects = (await listTable(runner)) ?? [];
  return new Map(objects.flatMap((o) => (o.counter?.name === undefined ? [] : [[o.counter.name, { packets: o.counter.packets ?? 0, bytes: o.counter.bytes ?? 0 }] as const])));
}

/** Removes everything of the egress gateway on this node (uninstall); idempotent. */
export async function deleteEgress(runner: CommandRunner): Promise<string[]> {
  return applyEgress(runner, { programs: [], nodeIp: "", mode: "always", clusterCidrs: [] });
}
