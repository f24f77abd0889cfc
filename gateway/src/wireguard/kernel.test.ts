import { createSilentLogger } from "@isthmus/core/runtime";
import { AttrStream, wg } from "netlink";
import { describe, expect, it } from "vitest";
import { createKernelBackend, type WireguardNetlinkTransport } from "./kernel.js";
import { decodeGetDevice, decodeSockaddr, encodeSetDevice, encodeSockaddr } from "./kernel-messages.js";
import { generateKeyPair, keyFromBase64 } from "./keys.js";

// No WireGuard module on the test machines: the kernel backend is covered by its messages (as
// bytes, through npm netlink's own encoder) and by its apply logic over a fake transport.
const bytes = (msg: wg.Device): Buffer => {
  const stream = new AttrStream();
  stream.emit(wg.formatDevice(msg));
  return Buffer.concat(stream.bufs);
};
const roundTrip = (msg: wg.Device): wg.Device => wg.parseDevice(bytes(msg));

const self = generateKeyPair();
const peer = generateKeyPair();

describe("kernel WireGuard messages", () => {
  it("lays out attributes as include/uapi/linux/wireguard.h numbers them", () => {
    // WGDEVICE_A_IFNAME (2) "wg0\0", WGDEVICE_A_LISTEN_PORT (6) u16 host order (the final
    // attribute's padding is added when the message is framed).
    expect(bytes(encodeSetDevice("wg0", { listenPort: 51820, peers: [] })).toString("hex")).toBe("08000200" + "77673000" + "06000600" + "6cca");
  });

  it("encodes sockaddr_in and sockaddr_in6 endpoints and decodes them back", () => {
    expect(encodeSockaddr("198.18.0.2:51820").toString("hex")).toBe("0200" + "ca6c" + "c6120002" + "0000000000000000");
    const v6 = encodeSockaddr("[fd00::2]:51820");
    expect(v6).toHaveLength(28);
    expect(v6.readUInt16LE(0)).toBe(10);
    expect(decodeSockaddr(v6)).toBe("[fd00::2]:51820");
    expect(decodeSockaddr(Buffer.alloc(16))).toBeUndefined();
    expect(() => decodeSockaddr(Buffer.from("0700", "hex"))).toThrow(expect.objectContaining({ code: "NetlinkProtocol" }));
  });

  it("encodes a minimal set request with peer flags, keepalive and allowed IPs", () => {
    const msg = roundTrip(
      encodeSetDevice("isthmus-wg", {
        privateKey: self.privateKey,
        peers: [
          { publicKey: peer.publicKey, remove: true },
          { publicKey: self.publicKey, endpoint: "198.18.0.2:51820", persistentKeepalive: 25, replaceAllowedIps: true, allowedIps: ["10.2.0.0/16", "fd00:2::/64"] },
        ],
      }),
    );
    expect(msg.ifname).toBe("isthmus-wg");
    expect(msg.privateKey).toEqual(keyFromBase64(self.privateKey));
    expect(msg.listenPort).toBeUndefined();
    const [removed, added] = msg.peers ?? [];
    expect(removed?.flags).toEqual({ removeMe: true });
    expect(added?.flags).toEqual({ replaceAllowedIps: true });
    expect(added?.persistentKeepaliveInterval).toBe(25);
    expect(added?.allowedIps?.map((ip) => [ip.family, ip.cidrMask])).toEqual([[2, 16], [10, 64]]);
  });

  it("decodes a GET_DEVICE answer split over two messages", () => {
    const handshake = Buffer.alloc(16);
    handshake.writeBigInt64LE(1_700_000_000n, 0);
    handshake.writeBigInt64LE(5_000_000n, 8);
    const common = { publicKey: keyFromBase64(peer.publicKey), endpoint: encodeSockaddr("198.18.0.2:51820"), lastHandshakeTime: handshake, rxBytes: 10n, txBytes: 20n };
    const first = roundTrip({ ifname: "wg0", privateKey: keyFromBase64(self.privateKey), listenPort: 51820, peers: [{ ...common, allowedIps: [{ family: 2, ipaddr: Buffer.from([10, 2, 0, 0]), cidrMask: 16 }] }] });
    const second = roundTrip({ ifname: "wg0", peers: [{ publicKey: common.publicKey, allowedIps: [{ family: 2, ipaddr: Buffer.from([10, 1, 0, 0]), cidrMask: 16 }] }] });
    expect(decodeGetDevice([first, second])).toEqual({
      privateKey: self.privateKey,
      publicKey: self.publicKey,
      listenPort: 51820,
      fwmark: 0,
      peers: [{ publicKey: peer.publicKey, endpoint: "198.18.0.2:51820", allowedIps: ["10.1.0.0/16", "10.2.0.0/16"], lastHandshakeMs: 1_700_000_000_005, rxBytes: 10, txBytes: 20 }],
    });
  });
});

describe("kernel backend over a fake transport", () => {
  it("adopts an existing device, sends one minimal SET_DEVICE, and nothing when re-applied", async () => {
    let device: wg.Device = { ifname: "wg0", listenPort: 0 };
    const sent: wg.Device[] = [];
    const transport: WireguardNetlinkTransport = {
      getDevice: () => Promise.resolve([device]),
      setDevice(message) {
        sent.push(message);
        const peers = (message.peers ?? []).map(({ flags: _flags, ...rest }) => rest);
        device = { ...device, ...(message.privateKey === undefined ? {} : { privateKey: message.privateKey }), ...(message.listenPort === undefined ? {} : { listenPort: message.listenPort }), peers };
        return Promise.resolve();
      },
      close: () => undefined,
    };
    const created: string[] = [];
    const backend = createKernelBackend({ device: "wg0", logger: createSilentLogger(), transport, createLink: (d) => { created.push(d); return Promise.resolve(); } });
    await backend.start();
    expect(created).toEqual([]);
    const config = { privateKey: self.privateKey, listenPort: 51820, peers: [{ publicKey: peer.publicKey, allowedIps: ["10.2.0.0/16"] }] };
    expect((await backend.applyDevice(config)).changes).toHaveLength(3);
    expect(sent).toHaveLength(1);
    expect((await backend.getDevice()).publicKey).toBe(self.publicKey);
    expect(await backend.applyDevice(config)).toEqual({ request: undefined, changes: [] });
    expect(sent).toHaveLength(1);
  });

  it("reports BackendStartFailed when the link cannot be created", async () => {
    const transport: WireguardNetlinkTransport = { getDevice: () => Promise.reject(new Error("No such device")), setDevice: () => Promise.resolve(), close: () => undefined };
    const backend = createKernelBackend({ device: "wg0", logger: createSilentLogger(), transport, createLink: () => Promise.reject(new Error("Unknown device type")) });
    await expect(backend.start()).rejects.toMatchObject({ code: "BackendStartFailed" });
  });
});
