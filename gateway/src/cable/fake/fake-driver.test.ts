import { describe, expect, it } from "vitest";
import type { CablePeer } from "../driver.js";
import { createCableRegistry } from "../registry.js";
import { createSilentLogger } from "@isthmus/core/runtime";
import { createFakeCableDriver } from "./fake-driver.js";

const peer: CablePeer = { clusterId: "c2", remoteIp: "198.18.0.2", port: 51820, cidrs: ["10.2.0.0/16"], tunnelIp: "10.2.0.1", behindNat: false };

describe("fake cable driver", () => {
  it("fails the next call once, then works", async () => {
    const driver = createFakeCableDriver();
    driver.failNext("init");
    await expect(driver.init()).rejects.toMatchObject({ code: "Injected" });
    await driver.init();
    driver.failNext("sync", new Error("boom"));
    await expect(driver.sync([peer])).rejects.toThrow("boom");
    expect(await driver.sync([peer])).toEqual({ changes: ["peer c2: set"] });
    expect(await driver.sync([peer])).toEqual({ changes: [] });
    expect(await driver.sync([])).toEqual({ changes: ["peer c2: remove"] });
  });

  it("refuses sync before init", async () => {
    await expect(createFakeCableDriver().sync([peer])).rejects.toMatchObject({ code: "NotInitialized" });
  });

  it("waits for syncs that happen later and times out otherwise", async () => {
    const driver = createFakeCableDriver();
    await driver.init();
    const waiting = driver.waitForSync((peers) => peers.some((p) => p.clusterId === "c2"));
    setTimeout(() => void driver.sync([peer]), 10);
    expect(await waiting).toEqual([peer]);
    await driver.waitForSyncCount(1);
    await expect(driver.waitForSyncCount(5, 30)).rejects.toThrow("timed out");
  });

  it("reports the status a test sets", async () => {
    const driver = createFakeCableDriver();
    await driver.init();
    await driver.sync([peer]);
    expect(await driver.status()).toEqual([{ clusterId: "c2", remoteIp: "198.18.0.2", status: "connecting" }]);
    driver.setStatus("c2", "error", "no handshake");
    expect(await driver.status()).toEqual([{ clusterId: "c2", remoteIp: "198.18.0.2", status: "error", reason: "no handshake" }]);
  });
});

describe("cable registry", () => {
  const context = { logger: createSilentLogger() };
  it("creates registered drivers and lists valid names for unknown ones", () => {
    const registry = createCableRegistry();
    registry.register("wireguard", () => createFakeCableDriver("wireguard"));
    registry.register("vxlan", () => createFakeCableDriver("vxlan"));
    expect(registry.create("vxlan", {}, context).name).toBe("vxlan");
    expect(registry.names()).toEqual(["vxlan", "wireguard"]);
    expect(() => registry.create("ipsec", {}, context)).toThrow(expect.objectContaining({ code: "UnknownDriver", message: 'Unknown cable driver "ipsec": valid drivers are "vxlan", "wireguard"' }));
  });

  it("refuses duplicates", () => {
    const registry = createCableRegistry();
    registry.register("vxlan", () => createFakeCableDriver());
    expect(() => { registry.register("vxlan", () => createFakeCableDriver()); }).toThrow(expect.objectContaining({ code: "DuplicateDriver" }));
  });
});
