// Helpers for `*.netns.test.ts`: named network namespaces wired by veth pairs, all created under
// the `isthmus-test-gw-` prefix and removed by `cleanup()`. They need root and fail (never skip)
// without it.
import { randomBytes } from "node:crypto";
import { isIsthmusError } from "@isthmus/core/errors";
import { runTool } from "../system/command.js";

/** Prefix of every namespace these helpers create. */
export const testNetnsPrefix = "isthmus-test-gw-";

/** Throws when the process cannot create network namespaces (netns tests must fail, not skip). */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new Error("netns tests need root (network namespaces, veth, nft): run them as root");
}

/** A short random tag for unique namespace and interface names (interfaces allow 15 characters). */
export function randomTag(): string {
  return randomBytes(3).toString("hex");
}

/** Runs `ip -n <ns> args…`. */
export function ipIn(netns: string, args: readonly string[]): Promise<string> {
  return runTool("ip", ["-n", netns, ...args]);
}

/** Runs a command inside a namespace and resolves with stdout. */
export function execIn(netns: string, file: string, args: readonly string[], timeoutMs = 20_000): Promise<string> {
  return runTool(file, args, { netns, timeoutMs });
}

/** True when one of three pings (0.2 s apart) from `netns` to `address` is answered within `waitSeconds`. */
export async function canPing(netns: string, address: string, waitSeconds = 1): Promise<boolean> {
  try {
    await runTool("ping", ["-n", "-c", "3", "-i", "0.2", "-W", String(waitSeconds), address], { netns, timeoutMs: (waitSeconds + 3) * 1000 });
    return true;
  } catch (err) {
    if (isIsthmusError(err, "CommandFailed") || isIsthmusError(err, "CommandTimedOut")) return false;
    throw err;
  }
}

/** Polls `check` every 50 ms until it is true; throws naming `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * Counts the packets `netns` receives (hook input) that match each of `matches` (nft match
 * expressions, e.g. `ip saddr 10.98.0.5` or `udp dport 4800`), with one counter each in a new
 * chain of the table `ip seen`; returns the reader of the counts, in the order of `matches`.
 */
export async function countPackets(netns: string, matches: readonly string[]): Promise<() => Promise<number[]>> {
  const chain = `c${randomTag()}`;
  await execIn(netns, "nft", ["add", "table", "ip", "seen"]);
  await execIn(netns, "nft", ["add", "chain", "ip", "seen", chain, "{ type filter hook input priority filter; }"]);
  for (const match of matches) await execIn(netns, "nft", ["add", "rule", "ip", "seen", chain, ...match.split(" "), "counter"]);
  return async () => [...(await execIn(netns, "nft", ["list", "chain", "ip", "seen", chain])).matchAll(/packets (\d+)/g)].map((m) => Number(m[1]));
}

/** A set of test namespaces that are removed together. */
export interface NetnsLab {
  /** Creates namespace `<prefix><tag>-<name>` with loopback up, and returns its full name. */
  add(name: string): Promise<string>;
  /** Connects two namespaces with a veth pair, addresses optional (CIDR form), links up. */
  link(a: { netns: string; ifname: string; address?: string }, b: { netns: string; ifname: string; address?: string }): Promise<void>;
  /** Deletes every namespace created here (their links and processes' sockets go with them). */
  cleanup(): Promise<void>;
}

/** Creates an empty {@link NetnsLab}; `tag` defaults to a random one. */
export function createNetnsLab(tag: string = randomTag()): NetnsLab {
  const created: string[] = [];
  return {
    async add(name) {
      const full = `${testNetnsPrefix}${tag}-${name}`;
      await runTool("ip", ["netns", "add", full]);
      created.push(full);
      await ipIn(full, ["link", "set", "lo", "up"]);
      await execIn(full, "sysctl", ["-qw", "net.ipv4.ip_forward=1"]);
      return full;
    },
    async link(a, b) {
      const tmp = `tv${randomTag()}`;
      await runTool("ip", ["link", "add", tmp, "type", "veth", "peer", "name", `${tmp}p`]);
      for (const [end, name] of [[a, tmp], [b, `${tmp}p`]] as const) {
        await runTool("ip", ["link", "set", name, "netns", end.netns]);
        await ipIn(end.netns, ["link", "set", name, "name", end.ifname]);
        if (end.address !== undefined) await ipIn(end.netns, ["addr", "add", end.address, "dev", end.ifname]);
        await ipIn(end.netns, ["link", "set", end.ifname, "up"]);
      }
    },
    async cleanup() {
      for (const name of created.splice(0).reverse()) {
        const pids = (await runTool("ip", ["netns", "pids", name])).split("\n").filter((p) => p !== "");
        for (const pid of pids) process.kill(Number(pid), "SIGKILL");
        await runTool("ip", ["netns", "del", name]);
      }
    },
  };
}
