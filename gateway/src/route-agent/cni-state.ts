// The route agent's answer on `GET /cni-state` (its metrics port): this node's state as `isthmus
// diagnose` judges it (core model `CniNodeAnswer`, ADR 0408), read on request by local commands —
// the agent runs in the node's network namespace (hostNetwork), so it sees the node's links,
// sysctls, iptables and nft rulesets. The CLI reads it through the API server's pod proxy, so the
// CNI checks work on any cluster without node access. Each request reads afresh, bounded in time;
// nothing is cached or logged here (the metrics server answers 500 with the error's message).
import { type CniNodeAnswer, type NodeCommandRunner, readCniNode } from "@isthmus/core/model";
import { runCommand } from "@isthmus/core/runtime";
import { AgentError } from "../agent/errors.js";
import { gatewayDefaults } from "../constants.js";

/** Reads this node's CNI state for `/cni-state`. */
export interface CniStateCollector {
  /** Reads the node now; rejects with the failing command's error, or AgentError `CniStateTimedOut` past the bound. */
  collect(): Promise<CniNodeAnswer>;
}

/** Options of {@link createCniStateCollector}. */
export interface CniStateCollectorOptions {
  readonly nodeName: string;
  /** The node's own addresses whose devices are underlays: its InternalIP, and on a gateway node its endpoint's public IP. */
  readonly addresses: () => readonly string[];
  /** Bound on one collection, in ms (default 10000): the commands still running are killed. */
  readonly timeoutMs?: number;
  /** Read inside this named network namespace (tests); absent = the agent's own (the node's). */
  readonly netns?: string;
}

interface Route { dev?: string; nexthops?: { dev?: string }[] }
const parseJson = <T>(text: string): T[] => (text.trim() === "" ? [] : (JSON.parse(text) as T[]));

/**
 * The node's underlay devices from what the node itself knows (the CLI has no lab plan on a real
 * cluster): the device holding each of `addresses`, else the one routing to it (the rule of
 * node-net's `underlayDevice`), and every device of an IPv4 default route. On a lab node that is
 * its LAN device (the InternalIP's) and, on a gateway node, its WAN device (the endpoint's public
 * IP); on a cloud node usually one device for all. Traffic from other clusters arrives on these
 * while the route back may lead through vx-isthmus or a tunnel. Not found: an uplink used only by
 * a more specific route and holding none of these addresses.
 */
export async function readUnderlays(addresses: readonly string[], run: NodeCommandRunner): Promise<string[]> {
  const links = parseJson<{ ifname: string; addr_info?: { local?: string }[] }>(await run(["ip", "-j", "-4", "addr", "show"]));
  const found = new Set<string>();
  for (const address of addresses) {
    const owner = links.find((l) => (l.addr_info ?? []).some((a) => a.local === address))?.ifname;
    const dev = owner ?? parseJson<Route>(await run(["ip", "-j", "route", "get", address]))[0]?.dev;
    if (dev !== undefined) found.add(dev);
  }
  for (const r of parseJson<Route>(await run(["ip", "-j", "-4", "route", "show", "default"]))) {
    for (const dev of [r.dev, ...(r.nexthops ?? []).map((n) => n.dev)]) if (dev !== undefined) found.add(dev);
  }
  return [...found];
}

/** Creates the collector of `/cni-state`. */
export function createCniStateCollector(options: CniStateCollectorOptions): CniStateCollector {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const prefix = options.netns === undefined ? [] : ["ip", "netns", "exec", options.netns];
  return {
    async collect() {
      const abort = new AbortController();
      const timer = setTimeout(() => { abort.abort(); }, timeoutMs);
      // Exit codes 1 and 2 are answers: `nft list table` of an absent table, `ip route get` of an unreachable address.
      const run: NodeCommandRunner = async (argv) => (await runCommand([...prefix, ...argv], { allowExitCodes: [1, 2], signal: abort.signal })).stdout;
      try {
        const state = await readCniNode(options.nodeName, { run, table: gatewayDefaults.routeAgentNftTable });
        return { ...state, underlays: await readUnderlays(options.addresses(), run) };
      } catch (err) {
        if (abort.signal.aborted) throw new AgentError("CniStateTimedOut", `Reading the node's CNI state took longer than ${String(timeoutMs)} ms`, { cause: err });
        throw err;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
