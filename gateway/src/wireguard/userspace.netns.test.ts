import { existsSync } from "node:fs";
import { createSilentLogger } from "@isthmus/core/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTool } from "../system/command.js";
import { canPing, createNetnsLab, ipIn, randomTag, requireRoot, waitFor } from "../testing/netns.js";
import { pinnedWireguardGo } from "../testing/pinned.js";
import type { WireguardBackend } from "./backend.js";
import type { DeviceConfig } from "./config.js";
import { generateKeyPair } from "./keys.js";
import { uapiSocketPath } from "./uapi-client.js";
import { createUserspaceBackend } from "./userspace.js";

// Two namespaces on a veth (198.18.0.0/24), each with a wireguard-go device driven only through
// this library, running the pinned wireguard-go.
const binary = pinnedWireguardGo();
const tag = randomTag();
const lab = createNetnsLab(tag);
const keysA = generateKeyPair();
const keysB = generateKeyPair();
const devA = `twa${tag}`;
const devB = `twb${tag}`;
let nsA = "";
let nsB = "";
let backendA: WireguardBackend;
let backendB: WireguardBackend;
let restartsB = 0;

const configA = (allowedIps: string[]): DeviceConfig => ({
  privateKey: keysA.privateKey,
  listenPort: 51820,
  peers: [{ publicKey: keysB.publicKey, endpoint: "198.18.0.2:51820", allowedIps }],
});
const configB: DeviceConfig = {
  privateKey: keysB.privateKey,
  listenPort: 51820,
  peers: [{ publicKey: keysA.publicKey, endpoint: "198.18.0.1:51820", allowedIps: ["10.99.1.0/24"], persistentKeepalive: 5 }],
};

describe("wireguard-go driven by the UAPI library", () => {
  beforeAll(async () => {
    requireRoot();
    nsA = await lab.add("wga");
    nsB = await lab.add("wgb");
    await lab.link({ netns: nsA, ifname: "ul0", address: "198.18.0.1/24" }, { netns: nsB, ifname: "ul0", address: "198.18.0.2/24" });
    const logger = createSilentLogger();
    backendA = createUserspaceBackend({ device: devA, binary, netns: nsA, logger });
    backendB = createUserspaceBackend({
      device: devB, binary, netns: nsB, logger,
      onRestart: () => {
        restartsB += 1;
        void backendB.applyDevice(configB);
      },
    });
    await backendA.start();
    await backendB.start();
    for (const [ns, dev, addr, remote] of [[nsA, devA, "10.99.1.1/32", "10.99.2.0/24"], [nsB, devB, "10.99.2.1/32", "10.99.1.0/24"]] as const) {
      await ipIn(ns, ["addr", "add", addr, "dev", dev]);
      await ipIn(ns, ["link", "set", dev, "up"]);
      await ipIn(ns, ["route", "add", remote, "dev", dev]);
    }
  });

  afterAll(async () => {
    await backendA.destroy();
    await backendB.destroy();
    await lab.cleanup();
    expect(existsSync(uapiSocketPath(devA))).toBe(false);
    expect(existsSync(uapiSocketPath(devB))).toBe(false);
  });

  it("applies a config in one call and carries pings through the tunnel", async () => {
    const plan = await backendA.applyDevice(configA(["10.99.2.0/24"]));
    expect(plan.changes.length).toBeGreaterThan(0);
    await backendB.applyDevice(configB);
    await waitFor("a ping through the tunnel", () => canPing(nsA, "10.99.2.1"));
    const device = await backendA.getDevice();
    expect(device.publicKey).toBe(keysA.publicKey);
    const [peer] = device.peers;
    expect(peer?.lastHandshakeMs).toBeGreaterThan(Date.now() - 60_000);
    expect(peer?.rxBytes).toBeGreaterThan(0);
    expect(peer?.txBytes).toBeGreaterThan(0);
  });

  it("re-applying the same config changes nothing", async () => {
    expect(await backendA.applyDevice(configA(["10.99.2.0/24"]))).toEqual({ request: undefined, changes: [] });
    expect(await backendB.applyDevice(configB)).toEqual({ request: undefined, changes: [] });
  });

  it("replaces a peer's allowed IPs", async () => {
    await ipIn(nsB, ["addr", "add", "10.88.0.1/32", "dev", devB]);
    await ipIn(nsA, ["route", "add", "10.88.0.0/16", "dev", devA]);
    expect(await canPing(nsA, "10.88.0.1")).toBe(false);
    const plan = await backendA.applyDevice(configA(["10.88.0.0/16", "10.99.2.0/24"]));
    expect(plan.changes).toEqual([`peer ${keysB.publicKey}: allowed IPs 10.99.2.0/24 -> 10.88.0.0/16,10.99.2.0/24`]);
    expect((await backendA.getDevice()).peers[0]?.allowedIps).toEqual(["10.88.0.0/16", "10.99.2.0/24"]);
    await waitFor("a ping to the new allowed range", () => canPing(nsA, "10.88.0.1"));
  });

  it("restarts a crashed daemon and lets the owner re-apply its config", async () => {
    const daemon = (await runTool("ip", ["netns", "pids", nsB])).trim().split("\n");
    expect(daemon).toHaveLength(1);
    process.kill(Number(daemon[0]), "SIGKILL");
    await waitFor("the restarted daemon to be configured", async () => restartsB > 0 && (await backendB.getDevice().catch(() => undefined))?.peers.length === 1);
    await ipIn(nsB, ["addr", "replace", "10.99.2.1/32", "dev", devB]);
    await ipIn(nsB, ["link", "set", devB, "up"]);
    await ipIn(nsB, ["route", "replace", "10.99.1.0/24", "dev", devB]);
    await waitFor("a ping after the restart", () => canPing(nsA, "10.99.2.1"), 15_000);
  });

  it("adopts a running daemon instead of starting another", async () => {
    const before = await runTool("ip", ["netns", "pids", nsA]);
    const again = createUserspaceBackend({ device: devA, binary, netns: nsA, logger: createSilentLogger() });
    await again.start();
    expect((await again.getDevice()).publicKey).toBe(keysA.publicKey);
    await again.stop();
    expect(await runTool("ip", ["netns", "pids", nsA])).toBe(before);
  });

  it("removes a peer that is no longer wanted", async () => {
    const plan = await backendA.applyDevice({ ...configA([]), peers: [] });
    expect(plan.changes).toEqual([`peer ${keysB.publicKey}: remove`]);
    expect((await backendA.getDevice()).peers).toEqual([]);
    expect(await canPing(nsA, "10.99.2.1")).toBe(false);
  });
});
