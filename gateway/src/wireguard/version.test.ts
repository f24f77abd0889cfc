import { describe, expect, it } from "vitest";
import { parseWireguardGoVersion } from "./version.js";

describe("parseWireguardGoVersion", () => {
  it("reads a current build and Debian 12's, marking the one without offloads", () => {
    expect(parseWireguardGoVersion("wireguard-go v0.0.20250522\n\nUserspace WireGuard daemon for linux-amd64.\n")).toEqual({ version: "v0.0.20250522", outdated: false });
    expect(parseWireguardGoVersion("wireguard-go v0.0.20220316\n")).toEqual({ version: "v0.0.20220316", outdated: true });
    expect(parseWireguardGoVersion("wireguard-go v0.0.20230223\n")).toEqual({ version: "v0.0.20230223", outdated: false });
  });

  it("returns undefined for anything else", () => {
    expect(parseWireguardGoVersion("")).toBeUndefined();
    expect(parseWireguardGoVersion("boringtun 0.6.0")).toBeUndefined();
  });
});
