import { existsSync } from "node:fs";
import { createSilentLogger } from "@isthmus/core/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTool } from "../system/command.js";
import { createIpTool, isthmusRouteProtocol } from "../system/ip.js";
import { canPing, execIn, ipIn, randomTag, requireRoot, waitFor } from "../testing/netns.js";
import { pinnedWireguardGo } from "../testing/pinned.js";
import { createGatewayPair, peerOf, type GatewayPair, type TestSide } from "../testing/topology.js";
import { uapiSocketPath } from "../wireguard/uapi-client.js";
import { generateKeyPair } from "../wireguard/keys.js";
import type { CableDriver, CablePeer } from "./driver.js";
import { mssClampTable } from "./mss-clamp.js";
import { createVxlanCable } from "./vxlan/driver.js";
import { createWireguardCable } from "./wireguard/driver.js";

// Both cables between two "gateway" namespaces with a "pod" namespace behind each (see
// testing/topology.ts). WireGuard runs the pinned wireguard-go.
const wireguardGo = pinnedWireguardGo();

interface Case {
  readonly name: string;
  readonly port: number;
  create(side: TestSide, device: string, netns: string): CableDriver;
  peer(side: TestSide, clusterId: string): CablePeer;
}

const keys = [generateKeyPair(), generateKeyPair()] as const;
const cases: Case[] = [
  {
    name: "wireguard",
    port: 51820,
    create: (side, device, netns) =>
      createWireguardCable(
        { device, privateKey: keys[side.underlayIp.endsWith(".1") ? 0 : 1].privateKey, tunnelIp: side.tunnelIp, backend: "userspace", wireguardGo },
        { logger: createSilentLogger(), netns },
      ),
    peer: (side, clusterId) => peerOf(side, clusterId, { publicKey: keys[side.underlayIp.endsWith(".1") ? 0 : 1].publicKey }),
  },
  {
    name: "vxlan",
    port: 4790,
    create: (side, device, netns) => createVxlanCable({ device, localIp: side.underlayIp, tunnelIp: side.tunnelIp }, { logger: createSilentLogger(), netns }),
    peer: (side, clusterId) => peerOf(side, clusterId, { port: 4790 }),
  },
];

/**
 * Sends `bytes` of zeros from pod to pod over TCP with the DF bit forced (IP_MTU_DISCOVER =
 * IP_PMTUDISC_DO on the sending socket) and resolves with the byte count the receiver got.
 */
async function transfer(from: TestSide, to: TestSide, options: { bytes: number; port: number; timeoutMs: number }): Promise<number> {
  const server = runTool("sh", ["-c", `socat -u TCP-LISTEN:${options.port},reuseaddr - | wc -c`], { netns: to.pod, timeoutMs: options.timeoutMs + 2000 });
  // Awaited below; this only keeps a receiver that is never reached (the stall control) from
  // being reported as an unhandled rejection before the caller sees the sender's timeout.
  server.catch(() => undefined);
  await waitFor("the receiver to listen", async () => (await execIn(to.pod, "ss", ["-ltnH", `sport = :${options.port}`])).trim() !== "");
  await runTool("sh", ["-c", `head -c ${options.bytes} /dev/zero | socat -u - TCP:${to.podIp}:${options.port},setsockopt-int=0:10:2`], { netns: from.pod, timeoutMs: options.timeoutMs });
  return Number((await server).trim());
}

describe.each(cases)("$name cable between two gateway namespaces", (c) => {
  const tag = randomTag();
  let pair: GatewayPair;
  let one: TestSide;
  let two: TestSide;
  let drivers: [CableDriver, CableDriver];
  const devices = [`c1${c.name.slice(0, 2)}${tag}`, `c2${c.name.slice(0, 2)}${tag}`] as const;

  beforeAll(async () => {
    requireRoot();
    pair = await createGatewayPair(tag);
    [one, two] = pair.sides;
    drivers = [c.create(one, devices[0], one.gw), c.create(two, devices[1], two.gw)];
    await drivers[0].init();
    await drivers[1].init();
  });

  afterAll(async () => {
    await pair.lab.cleanup();
  });

  it("connects pod to pod both ways, with remote CIDRs routed into the tunnel", async () => {
    const first = await drivers[0].sync([c.peer(two, "c2")]);
    await drivers[1].sync([c.peer(one, "c1")]);
    expect(first.changes.length).toBeGreaterThan(0);
    await waitFor("pod1 -> pod2", () => canPing(one.pod, two.podIp), 15_000);
    expect(await canPing(two.pod, one.podIp)).toBe(true);
    expect(await canPing(one.gw, two.tunnelIp)).toBe(true);
    const routes = await createIpTool(one.gw).listRoutes(devices[0]);
    expect(routes.map((r) => r.dst).sort()).toEqual(["10.102.0.0/16", "10.2.0.0/16", "10.2.255.1"]);
  });

  it("re-syncing the same peers changes nothing", async () => {
    expect(await drivers[0].sync([c.peer(two, "c2")])).toEqual({ changes: [] });
    expect(await drivers[1].sync([c.peer(one, "c1")])).toEqual({ changes: [] });
  });

  it("reports the peer connected", async () => {
    const [status] = await drivers[0].status();
    expect(status).toMatchObject({ clusterId: "c2", remoteIp: two.underlayIp, status: "connected" });
    if (c.name === "wireguard") expect(status?.rxBytes).toBeGreaterThan(0);
  });

  it("a restarted gateway adopts the tunnel without dropping it", async () => {
    await drivers[0].release();
    const restarted = c.create(one, devices[0], one.gw);
    await restarted.init();
    expect(await canPing(one.pod, two.podIp)).toBe(true);
    expect(await restarted.sync([c.peer(two, "c2")])).toEqual({ changes: [] });
    expect(await canPing(one.pod, two.podIp)).toBe(true);
    drivers[0] = restarted;
  });

  // Only the userspace WireGuard cable has a daemon that can crash.
  if (c.name === "wireguard") {
    it("re-programs a crashed wireguard-go from the last sync", async () => {
      const pids = (await runTool("ip", ["netns", "pids", two.gw])).trim().split("\n");
      expect(pids).toHaveLength(1);
      process.kill(Number(pids[0]), "SIGKILL");
      await waitFor("a new wireguard-go", async () => {
        const now = (await runTool("ip", ["netns", "pids", two.gw])).trim().split("\n");
        return now.length === 1 && now[0] !== "" && now[0] !== pids[0];
      });
      await waitFor("the tunnel to come back", () => canPing(one.pod, two.podIp), 20_000);
      expect(await drivers[1].sync([c.peer(one, "c1")])).toEqual({ changes: [] });
    });
  }

  it("moves 50 MB with DF set through a PMTU black hole thanks to the MSS clamp", async () => {
    // The gateways may not tell senders about the smaller tunnel MTU: only clamping can save TCP.
    for (const side of [one, two]) {
      await runTool("nft", ["-f", "-"], {
        netns: side.gw,
        input: "table inet blackhole {\n  chain out { type filter hook output priority 0; icmp type destination-unreachable icmp code frag-needed drop; }\n}\n",
      });
    }
    expect(await transfer(one, two, { bytes: 50 * 1024 * 1024, port: 5201, timeoutMs: 30_000 })).toBe(50 * 1024 * 1024);
    expect(await transfer(two, one, { bytes: 50 * 1024 * 1024, port: 5202, timeoutMs: 30_000 })).toBe(50 * 1024 * 1024);
    // Control: without the clamp the same black hole stalls the transfer.
    await runTool("nft", ["delete", "table", "inet", mssClampTable(devices[0])], { netns: one.gw });
    await runTool("nft", ["delete", "table", "inet", mssClampTable(devices[1])], { netns: two.gw });
    await expect(transfer(one, two, { bytes: 5 * 1024 * 1024, port: 5203, timeoutMs: 5000 })).rejects.toMatchObject({ code: "CommandTimedOut" });
    await drivers[0].init();
    await drivers[1].init();
    for (const side of [one, two]) await runTool("nft", ["delete", "table", "inet", "blackhole"], { netns: side.gw });
  });

  it("removes peers cleanly", async () => {
    const result = await drivers[0].sync([]);
    expect(result.changes.length).toBeGreaterThan(0);
    expect(await createIpTool(one.gw).listRoutes(devices[0])).toEqual([]);
    expect(await canPing(one.pod, two.podIp)).toBe(false);
    expect(await drivers[0].status()).toEqual([]);
    if (c.name === "vxlan") {
      expect(await createIpTool(one.gw).listFdb(devices[0])).toEqual([]);
      expect((await createIpTool(one.gw).listNeighbours(devices[0])).filter((n) => n.lladdr?.startsWith("0e:1a:"))).toEqual([]);
    }
  });

  it("cleanup leaves nothing behind", async () => {
    for (const [i, side] of [one, two].entries()) {
      await drivers[i === 0 ? 0 : 1].cleanup();
      await drivers[i === 0 ? 0 : 1].cleanup();
      expect(await createIpTool(side.gw).getLink(devices[i === 0 ? 0 : 1])).toBeUndefined();
      expect(await ipIn(side.gw, ["route", "show", "proto", String(isthmusRouteProtocol)])).toBe("");
      expect(await runTool("nft", ["list", "tables"], { netns: side.gw })).not.toContain("isthmus");
      expect(existsSync(uapiSocketPath(devices[i === 0 ? 0 : 1]))).toBe(false);
    }
  });
});
