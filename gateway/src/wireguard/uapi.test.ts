import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { DeviceState } from "./config.js";
import { parseWgShowDump } from "./dump.js";
import { hexKeyToBase64 } from "./keys.js";
import { configOfState } from "./plan.js";
import { parseGetResponse, parseUapiErrno, serializeSetRequest } from "./uapi.js";

// `wg` lists peers in its own order; compare them by key.
const sortedPeers = (state: DeviceState): DeviceState => ({ ...state, peers: [...state.peers].sort((a, b) => a.publicKey.localeCompare(b.publicKey)) });
const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

describe("parseGetResponse on recorded answers", () => {
  it("reads the current wireguard-go device with fwmark, v4 and v6 allowed IPs and a handshake", () => {
    const state = parseGetResponse(fixture("uapi-get-current.txt"));
    expect(state.listenPort).toBe(51820);
    expect(state.fwmark).toBe(0x1234);
    expect(state.publicKey).toBe("eN/Gg8UaswfzCsjZF6SBGTbZLxyqM7TtNkJdiqZyRz0=");
    expect(state.peers).toEqual([
      {
        publicKey: "RXZ4GiWVEPh2qTQmIC/LOJceRb5zliHeBIvcCp6owz8=",
        endpoint: "198.18.0.2:51820",
        allowedIps: ["10.98.0.0/16", "10.99.2.0/24", "fd00:2::/64"],
        persistentKeepalive: 25,
        lastHandshakeMs: 1795850347676,
        rxBytes: 92,
        txBytes: 328,
      },
    ]);
  });

  it("reads Debian's 2022 wireguard-go with a never-seen peer", () => {
    const state = parseGetResponse(fixture("uapi-get-debian.txt"));
    expect(state.fwmark).toBe(0);
    expect(state.peers.map((p) => [p.allowedIps, p.endpoint, p.lastHandshakeMs])).toEqual([
      [["10.77.0.0/16"], undefined, undefined],
      [["10.99.1.0/24"], "198.18.0.1:51820", 1795850347676],
    ]);
  });

  it("matches `wg show dump` of the same devices (handshake to the second)", () => {
    for (const [get, dump] of [["uapi-get-current.txt", "wg-show-dump-current.txt"], ["uapi-get-debian.txt", "wg-show-dump-debian.txt"]] as const) {
      const fromUapi = sortedPeers(parseGetResponse(fixture(get)));
      const fromDump = sortedPeers(parseWgShowDump(fixture(dump)));
      expect(configOfState(fromUapi)).toEqual(configOfState(fromDump));
      expect(fromUapi.publicKey).toBe(fromDump.publicKey);
      expect(fromDump.peers.map((p) => p.lastHandshakeMs)).toEqual(
        fromUapi.peers.map((p) => (p.lastHandshakeMs === undefined ? undefined : Math.floor(p.lastHandshakeMs / 1000) * 1000)),
      );
    }
  });

  it("turns a non-zero errno into UapiErrno", () => {
    expect(parseUapiErrno(fixture("uapi-set-invalid.txt"))).toBe(-22);
    expect(() => parseGetResponse(fixture("uapi-set-invalid.txt"))).toThrow(expect.objectContaining({ code: "UapiErrno" }));
  });

  it("rejects malformed answers with UapiProtocol", () => {
    expect(() => parseUapiErrno("errno=0\n")).toThrow(expect.objectContaining({ code: "UapiProtocol" }));
    expect(() => parseGetResponse("listen_port\nerrno=0\n\n")).toThrow(expect.objectContaining({ code: "UapiProtocol" }));
    expect(() => parseGetResponse("listen_port=x\nerrno=0\n\n")).toThrow(expect.objectContaining({ code: "UapiProtocol" }));
    expect(() => parseGetResponse("listen_port=1\n\n")).toThrow(expect.objectContaining({ code: "UapiProtocol" }));
  });
});

describe("serializeSetRequest", () => {
  const key = hexKeyToBase64("4576781a259510f876a93426202fcb38971e45be739621de048bdc0a9ea8c33f");
  it("writes device lines, then peers with hex keys, ending in a blank line", () => {
    const text = serializeSetRequest({
      privateKey: key,
      listenPort: 51820,
      fwmark: 0,
      replacePeers: true,
      peers: [
        { publicKey: key, endpoint: "[fd00:0::1]:51820", persistentKeepalive: 25, replaceAllowedIps: true, allowedIps: ["10.2.0.0/16", "fd00:2::/64"] },
        { publicKey: key, remove: true, allowedIps: ["10.9.0.0/16"] },
      ],
    });
    const hex = "4576781a259510f876a93426202fcb38971e45be739621de048bdc0a9ea8c33f";
    expect(text).toBe(
      [
        "set=1", `private_key=${hex}`, "listen_port=51820", "fwmark=0", "replace_peers=true",
        `public_key=${hex}`, "endpoint=[fd00::1]:51820", "persistent_keepalive_interval=25", "replace_allowed_ips=true", "allowed_ip=10.2.0.0/16", "allowed_ip=fd00:2::/64",
        `public_key=${hex}`, "remove=true",
      ].join("\n") + "\n\n",
    );
  });

  it("refuses a bad endpoint with InvalidConfig", () => {
    expect(() => serializeSetRequest({ peers: [{ publicKey: key, endpoint: "198.18.0.1" }] })).toThrow(expect.objectContaining({ code: "InvalidConfig" }));
  });
});
