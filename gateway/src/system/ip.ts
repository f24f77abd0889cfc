// The gateway's data-plane programming through iproute2 (`ip`, `bridge`) and `nft`, optionally
// inside a named network namespace. Sync runs on peer changes, not per packet, so one command per
// change is affordable; JSON output (`-j`) is parsed with schemas, never scraped.
import { z } from "zod";
import { runTool, runToolJson } from "./command.js";
import { SystemError } from "./errors.js";
import { gatewayDefaults } from "../constants.js";

/** Route protocol number that marks routes Isthmus installed (`ip route … proto 149`). */
export const isthmusRouteProtocol = gatewayDefaults.routeProtocol;

const routeSchema = z.looseObject({ dst: z.string(), gateway: z.string().optional(), dev: z.string().optional(), prefsrc: z.string().optional(), metric: z.number().optional() });
const neighSchema = z.looseObject({ dst: z.string(), lladdr: z.string().optional() });
const fdbSchema = z.looseObject({ mac: z.string(), dst: z.string().optional(), port: z.number().optional() });
const addrSchema = z.looseObject({ addr_info: z.array(z.looseObject({ local: z.string(), prefixlen: z.number() })) });
const linkSchema = z.looseObject({ ifname: z.string(), mtu: z.number(), address: z.string().optional(), flags: z.array(z.string()) });

/** A route as `ip -j route show` prints it (host routes have no `/32` in `dst`). */
export type RouteEntry = z.output<typeof routeSchema>;
/** A neighbour entry. */
export type NeighEntry = z.output<typeof neighSchema>;
/** A bridge/VXLAN forwarding-database entry. */
export type FdbEntry = z.output<typeof fdbSchema>;
/** A link's basic state. */
export type LinkEntry = z.output<typeof linkSchema>;

function parseList<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S>[] {
  const result = z.array(schema).safeParse(value);
  if (!result.success) throw new SystemError("UnexpectedOutput", `Unexpected ${what} JSON: ${result.error.message}`);
  return result.data;
}

/** iproute2 and nft bound to one network namespace. */
export interface IpTool {
  /** The namespace commands run in; undefined = the process's own. */
  readonly netns: string | undefined;
  /** `ip args…`. */
  ip(args: readonly string[]): Promise<string>;
  /** `bridge args…`. */
  bridge(args: readonly string[]): Promise<string>;
  /** `nft -f -` with `script` on stdin (atomic). */
  nft(script: string): Promise<void>;
  /** The link named `name`, or undefined when there is none. */
  getLink(name: string): Promise<LinkEntry | undefined>;
  /** The link's addresses as `address/prefix`. */
  listAddresses(dev: string): Promise<string[]>;
  /** Routes through `dev` with our protocol number. */
  listRoutes(dev: string): Promise<RouteEntry[]>;
  /** Neighbour entries of `dev`. */
  listNeighbours(dev: string): Promise<NeighEntry[]>;
  /** FDB entries of `dev` that have a remote destination (VXLAN). */
  listFdb(dev: string): Promise<FdbEntry[]>;
  /** True when the nft table exists. */
  hasNftTable(family: string, name: string): Promise<boolean>;
}

/** Creates an {@link IpTool} for `netns` (undefined = own namespace). */
export function createIpTool(netns: string | undefined): IpTool {
  const ip = (args: readonly string[]): Promise<string> => runTool("ip", netns === undefined ? args : ["-n", netns, ...args]);
  const ipJson = (args: readonly string[]): Promise<unknown> => runToolJson("ip", netns === undefined ? ["-j", ...args] : ["-n", netns, "-j", ...args]);
  const bridge = (args: readonly string[]): Promise<string> => runTool("bridge", args, { netns });
  return {
    netns,
    ip,
    bridge,
    async nft(script) {
      await runTool("nft", ["-f", "-"], { netns, input: script });
    },
    async getLink(name) {
      try {
        return parseList(linkSchema, await ipJson(["link", "show", "dev", name]), "ip link")[0];
      } catch (err) {
        if (err instanceof SystemError && err.code === "CommandFailed" && err.message.includes("does not exist")) return undefined;
        throw err;
      }
    },
    async listAddresses(dev) {
      const links = parseList(addrSchema, await ipJson(["addr", "show", "dev", dev]), "ip addr");
      return links.flatMap((l) => l.addr_info.map((a) => `${a.local}/${a.prefixlen}`));
    },
    async listRoutes(dev) {
      return parseList(routeSchema, await ipJson(["route", "show", "dev", dev, "proto", String(isthmusRouteProtocol)]), "ip route");
    },
    async listNeighbours(dev) {
      return parseList(neighSchema, await ipJson(["neigh", "show", "dev", dev]), "ip neigh");
    },
    async listFdb(dev) {
      const out = await runToolJson("bridge", ["-j", "fdb", "show", "dev", dev], { netns });
      return parseList(fdbSchema, out, "bridge fdb").filter((e) => e.dst !== undefined);
    },
    async hasNftTable(family, name) {
      try {
        await runTool("nft", ["list", "table", family, name], { netns });
        return true;
      } catch (err) {
        if (err instanceof SystemError && err.code === "CommandFailed") return false;
        throw err;
      }
    },
  };
}
