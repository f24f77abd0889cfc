import { createSilentLogger } from "@isthmus/core/runtime";
import { describe, expect, it } from "vitest";
import { generateKeyPair } from "../wireguard/keys.js";
import type { CablePeer } from "./driver.js";
import { mssClampTable } from "./mss-clamp.js";
import { checkPeers, peerDestinations } from "./peers.js";
import { createVxlanCable, vtepMac } from "./vxlan/driver.js";
import { createWireguardCable } from "./wireguard/driver.js";

const peer: CablePeer = { clusterId: "c2", remoteIp: "198.18.0.2", port: 51820, cidrs: ["10.2.0.0/16", "10.102.0.0/16"], tunnelIp: "10.2.255.1", behindNat: false };
const context = { logger: createSilentLogger() };

describe("checkPeers", () => {
  it("accepts a consistent set and routes CIDRs plus the tunnel address", () => {
    expect(() => { checkPeers([peer, { ...peer, clusterId: "c3", remoteIp: "198.18.0.3", cidrs: ["10.3.0.0/16"], tunnelIp: "10.3.255.1" }], "test"); }).not.toThrow();
    expect(peerDestinations(peer)).toEqual(["10.102.0.0/16", "10.2.0.0/16", "10.2.255.1/32"]);
  });

  it.each([
    ["a cluster twice", [peer, peer]],
    ["overlapping CIDRs of two clusters", [peer, { ...peer, clusterId: "c3", cidrs: ["10.2.128.0/17"], tunnelIp: "10.3.255.1" }]],
    ["a tunnel IP inside another cluster's CIDR", [peer, { ...peer, clusterId: "c3", cidrs: ["10.3.0.0/16"], tunnelIp: "10.2.0.9" }]],
    ["a CIDR with host bits", [{ ...peer, cidrs: ["10.2.0.1/16"] }]],
    ["a bad remote IP", [{ ...peer, remoteIp: "gw.example" }]],
    ["a bad port", [{ ...peer, port: 0 }]],
  ])("rejects %s with InvalidPeer", (_what, peers) => {
    expect(() => { checkPeers(peers, "test"); }).toThrow(expect.objectContaining({ code: "InvalidPeer" }));
  });
});

describe("driver options", () => {
  it("reject unknown keys and missing fields with InvalidOptions listing them", () => {
    expect(() => createVxlanCable({ localIp: "198.18.0.1", tunnelIp: "10.1.255.1", colour: "red" }, context)).toThrow(expect.objectContaining({ code: "InvalidOptions" }));
    expect(() => createVxlanCable({ tunnelIp: "10.1.255.1" }, context)).toThrow(/localIp/);
    expect(() => createWireguardCable({ tunnelIp: "10.1.255.1", privateKey: "short" }, context)).toThrow(expect.objectContaining({ code: "InvalidOptions", message: expect.stringContaining("privateKey") as string }));
    expect(() => createWireguardCable({ tunnelIp: "10.1.255.1", privateKey: generateKeyPair().privateKey, device: "a-name-that-is-too-long" }, context)).toThrow(/device/);
  });

  it("refuse sync before init", async () => {
    const driver = createVxlanCable({ localIp: "198.18.0.1", tunnelIp: "10.1.255.1" }, context);
    await expect(driver.sync([peer])).rejects.toMatchObject({ code: "NotInitialized" });
  });
});

describe("naming", () => {
  it("derives VTEP MACs from IPv4 tunnel addresses and refuses IPv6", () => {
    expect(vtepMac("10.2.255.1")).toBe("0e:1a:0a:02:ff:01");
    expect(() => vtepMac("fd00::1")).toThrow(expect.objectContaining({ code: "InvalidPeer" }));
  });

  it("names nft tables with identifier characters only", () => {
    expect(mssClampTable("isthmus-wg")).toBe("isthmus_mss_isthmus_wg");
  });
});
