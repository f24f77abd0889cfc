import { describe, expect, it } from "vitest";
import { chooseDialAddress } from "./dial-address.js";

// Two sites on the WAN (203.0.113.11, .12) and a third behind a NAT router whose outside address
// is 203.0.113.13 (the lab's c3); two gateways of one more site share that NAT (198.19.3.0/24).
const wanA = { publicIp: "203.0.113.11", privateIp: "198.18.1.11", behindNat: false };
const wanB = { publicIp: "203.0.113.12", privateIp: "198.18.2.11", behindNat: false };
const natC = { publicIp: "203.0.113.13", privateIp: "198.19.3.11", behindNat: true };
const natD = { publicIp: "203.0.113.13", privateIp: "198.19.3.12", behindNat: true };

describe("chooseDialAddress", () => {
  it("dials a gateway on the WAN at its public address, with no NAT on the path", () => {
    expect(chooseDialAddress(wanA, wanB)).toEqual({ address: "203.0.113.12", via: "public", natOnPath: false });
    expect(chooseDialAddress(wanB, wanA)).toEqual({ address: "203.0.113.11", via: "public", natOnPath: false });
  });

  it("dials a gateway behind NAT at the NAT's public address, and says a NAT is on the path from both sides", () => {
    expect(chooseDialAddress(wanA, natC)).toEqual({ address: "203.0.113.13", via: "public", natOnPath: true });
    expect(chooseDialAddress(natC, wanA)).toEqual({ address: "203.0.113.11", via: "public", natOnPath: true });
  });

  it("dials the private address of a gateway behind the same public address (no hairpin through the NAT, no NAT between them)", () => {
    expect(chooseDialAddress(natC, natD)).toEqual({ address: "198.19.3.12", via: "private", natOnPath: false });
    expect(chooseDialAddress(natD, natC)).toEqual({ address: "198.19.3.11", via: "private", natOnPath: false });
  });

  it("keeps the public address when the shared address is the remote's own (nothing private to prefer)", () => {
    const self = { publicIp: "203.0.113.11", privateIp: "203.0.113.11", behindNat: false };
    expect(chooseDialAddress(wanA, self)).toEqual({ address: "203.0.113.11", via: "public", natOnPath: false });
  });
});
