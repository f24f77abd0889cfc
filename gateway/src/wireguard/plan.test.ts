import { describe, expect, it } from "vitest";
import { normalizeDeviceConfig, type DeviceConfig, type DeviceState } from "./config.js";
import { generateKeyPair } from "./keys.js";
import { configOfState, planDeviceUpdate } from "./plan.js";

const self = generateKeyPair();
const [a, b, c] = [generateKeyPair().publicKey, generateKeyPair().publicKey, generateKeyPair().publicKey];

const stats = { lastHandshakeMs: 1_700_000_000_000, rxBytes: 10, txBytes: 20 };
const current: DeviceState = {
  privateKey: self.privateKey,
  publicKey: self.publicKey,
  listenPort: 51820,
  fwmark: 0,
  peers: [
    { publicKey: a, endpoint: "198.18.0.2:51820", allowedIps: ["10.2.0.0/16"], ...stats },
    { publicKey: b, endpoint: "198.18.0.3:51820", allowedIps: ["10.3.0.0/16"], persistentKeepalive: 25, ...stats },
  ],
};
const same: DeviceConfig = {
  privateKey: self.privateKey,
  listenPort: 51820,
  peers: [
    { publicKey: a, endpoint: "198.18.0.2:51820", allowedIps: ["10.2.0.0/16"] },
    { publicKey: b, endpoint: "198.18.0.3:51820", allowedIps: ["10.3.0.0/16"], persistentKeepalive: 25 },
  ],
};

describe("planDeviceUpdate", () => {
  it("plans nothing when the device already matches", () => {
    expect(planDeviceUpdate(current, normalizeDeviceConfig(same))).toEqual({ request: undefined, changes: [] });
  });

  it("sends only what changed: replaced allowed IPs, a removed peer, an added peer", () => {
    const desired = normalizeDeviceConfig({
      ...same,
      peers: [
        { publicKey: a, endpoint: "198.18.0.2:51820", allowedIps: ["10.2.0.0/16", "10.20.0.0/16"] },
        { publicKey: c, endpoint: "198.18.0.4:51820", allowedIps: ["10.4.0.0/16"], persistentKeepalive: 25 },
      ],
    });
    const plan = planDeviceUpdate(current, desired);
    expect(plan.request).toEqual({
      peers: [
        { publicKey: b, remove: true },
        { publicKey: a, replaceAllowedIps: true, allowedIps: ["10.2.0.0/16", "10.20.0.0/16"] },
        { publicKey: c, endpoint: "198.18.0.4:51820", persistentKeepalive: 25, replaceAllowedIps: true, allowedIps: ["10.4.0.0/16"] },
      ],
    });
    expect(plan.changes).toHaveLength(3);
  });

  it("changes device fields and keepalive, and leaves a roamed endpoint alone when none is wanted", () => {
    const desired = normalizeDeviceConfig({
      privateKey: generateKeyPair().privateKey,
      listenPort: 51821,
      fwmark: 7,
      peers: [{ publicKey: a, allowedIps: ["10.2.0.0/16"] }, { publicKey: b, endpoint: "198.18.0.3:51820", allowedIps: ["10.3.0.0/16"] }],
    });
    const { request } = planDeviceUpdate(current, desired);
    expect(request).toEqual({ privateKey: desired.privateKey, listenPort: 51821, fwmark: 7, peers: [{ publicKey: b, persistentKeepalive: 0 }] });
  });

  it("applying the state's own config plans nothing", () => {
    const config = configOfState(current);
    expect(planDeviceUpdate(current, normalizeDeviceConfig({ ...config, privateKey: self.privateKey })).request).toBeUndefined();
  });
});

describe("normalizeDeviceConfig", () => {
  it("canonicalises endpoints and CIDRs and drops zero keepalive and fwmark", () => {
    expect(normalizeDeviceConfig({ privateKey: self.privateKey, listenPort: 1, fwmark: 0, peers: [{ publicKey: a, endpoint: "[fd00:0::1]:5", allowedIps: ["10.3.0.0/16", "10.2.0.0/16", "10.2.0.0/16"], persistentKeepalive: 0 }] })).toEqual({
      privateKey: self.privateKey,
      listenPort: 1,
      peers: [{ publicKey: a, endpoint: "[fd00::1]:5", allowedIps: ["10.2.0.0/16", "10.3.0.0/16"] }],
    });
  });

  it.each([
    ["a bad port", { ...same, listenPort: 0 }],
    ["a duplicate peer", { ...same, peers: [same.peers[0]!, same.peers[0]!] }],
    ["an allowed IP on two peers", { ...same, peers: [same.peers[0]!, { publicKey: c, allowedIps: ["10.2.0.0/16"] }] }],
    ["host bits in an allowed IP", { ...same, peers: [{ publicKey: c, allowedIps: ["10.2.0.1/16"] }] }],
    ["an endpoint without port", { ...same, peers: [{ publicKey: c, endpoint: "198.18.0.1", allowedIps: [] }] }],
    ["a keepalive out of range", { ...same, peers: [{ publicKey: c, allowedIps: [], persistentKeepalive: 70000 }] }],
    ["a bad public key", { ...same, peers: [{ publicKey: "nope", allowedIps: [] }] }],
  ])("rejects %s with InvalidConfig", (_what, config) => {
    expect(() => normalizeDeviceConfig(config)).toThrow(expect.objectContaining({ code: "InvalidConfig" }));
  });
});
