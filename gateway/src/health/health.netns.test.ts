import { createSilentLogger } from "@isthmus/core/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CableDriver } from "../cable/driver.js";
import { createWireguardCable } from "../cable/wireguard/driver.js";
import { ipIn, randomTag, requireRoot, waitFor } from "../testing/netns.js";
import { pinnedWireguardGo } from "../testing/pinned.js";
import { createGatewayPair, peerOf, type GatewayPair } from "../testing/topology.js";
import { generateKeyPair } from "../wireguard/keys.js";
import { createIcmpProbeSource } from "./icmp-source.js";
import { createHealthProber, type HealthProber } from "./prober.js";

// ICMP probes through a real WireGuard cable between two gateway namespaces; the WAN link of one
// gateway goes down and comes back. Detection must stay within the configured window:
// failureThreshold (5) × interval (100 ms) plus one interval of ping's -O reporting delay.
const wireguardGo = pinnedWireguardGo();
const tag = randomTag();
const logger = createSilentLogger();
let pair: GatewayPair;
let drivers: CableDriver[] = [];
let prober: HealthProber;
const changes: { status: string; atMs: number }[] = [];

describe("health probes through the wireguard cable", () => {
  beforeAll(async () => {
    requireRoot();
    pair = await createGatewayPair(tag);
    const [one, two] = pair.sides;
    const keys = [generateKeyPair(), generateKeyPair()] as const;
    drivers = [one, two].map((side, i) =>
      createWireguardCable({ device: `h${i}${tag}`, privateKey: keys[i === 0 ? 0 : 1].privateKey, tunnelIp: side.tunnelIp, backend: "userspace", wireguardGo }, { logger, netns: side.gw }),
    );
    for (const d of drivers) await d.init();
    await drivers[0]?.sync([peerOf(two, "c2", { publicKey: keys[1].publicKey })]);
    await drivers[1]?.sync([peerOf(one, "c1", { publicKey: keys[0].publicKey })]);
    prober = createHealthProber({
      source: createIcmpProbeSource({ logger, netns: one.gw, sourceAddress: one.tunnelIp }),
      logger,
      intervalMs: 100,
      timeoutMs: 300,
      onChange: (_id, h) => changes.push({ status: h.status, atMs: Date.now() }),
    });
  });

  afterAll(async () => {
    prober.stop();
    for (const d of drivers) await d.cleanup();
    await pair.lab.cleanup();
  });

  it("reports connected with RTT statistics", async () => {
    prober.setTargets([{ id: "c2", address: pair.sides[1].tunnelIp }]);
    await waitFor("connected", () => Promise.resolve(prober.snapshot("c2")?.status === "connected"), 15_000);
    await waitFor("a few answers", () => Promise.resolve((prober.snapshot("c2")?.rtt?.avgMs ?? -1) > 0), 5000);
    const rtt = prober.snapshot("c2")?.rtt;
    expect(rtt?.minMs).toBeLessThanOrEqual(rtt?.maxMs ?? 0);
  });

  it("turns to error within the window when the WAN link goes down, and back when it returns", async () => {
    const down = Date.now();
    await ipIn(pair.sides[1].gw, ["link", "set", "wan", "down"]);
    await waitFor("error", () => Promise.resolve(prober.snapshot("c2")?.status === "error"), 5000);
    const detectedMs = (changes.find((c) => c.status === "error")?.atMs ?? Infinity) - down;
    expect(detectedMs).toBeLessThan(1500);
    expect(prober.snapshot("c2")?.reason).toMatch(/in a row got no answer/);
    const up = Date.now();
    await ipIn(pair.sides[1].gw, ["link", "set", "wan", "up"]);
    await waitFor("connected again", () => Promise.resolve(prober.snapshot("c2")?.status === "connected"), 15_000);
    console.log(`health: WAN down detected after ${detectedMs} ms; back to connected ${Date.now() - up} ms after link up`);
    expect(changes.map((c) => c.status)).toEqual(["connected", "error", "connected"]);
  });
});
