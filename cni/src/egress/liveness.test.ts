import { createSocket, type Socket } from "node:dgram";
import { createFakeClock, createLogger } from "@isthmus/core/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { createEgressLiveness, createPeerTable, type EgressLiveness, releaseTries } from "./liveness.js";

const policy = { intervalMs: 100, deadAfterMs: 450 };

describe("peer table", () => {
  it("a peer that never answered is unknown, never dead, and does not make this node cut off", () => {
    const t = createPeerTable(policy);
    t.setPeers(["n2"]);
    expect(t.dead(60_000)).toEqual([]);
    expect(t.isolated(60_000)).toBe(false);
  });

  it("a peer is dead deadAfterMs after its last answer and alive again at the next", () => {
    const t = createPeerTable(policy);
    t.setPeers(["n2", "n3"]);
    t.answered("n2", 100);
    t.answered("n3", 100);
    t.answered("n3", 500);
    expect(t.dead(550)).toEqual(["n2"]);
    expect(t.isolated(550)).toBe(false);
    expect(t.dead(950)).toEqual(["n2", "n3"]);
    expect(t.isolated(950)).toBe(true);
    t.answered("n2", 1_000);
    expect(t.dead(1_000)).toEqual(["n3"]);
  });

  it("a stall of this process is not counted as the peers' silence", () => {
    const t = createPeerTable(policy);
    t.setPeers(["n2"]);
    t.answered("n2", 100);
    t.shift(1_000);
    expect(t.dead(1_500)).toEqual([]);
    expect(t.dead(1_550)).toEqual(["n2"]);
  });

  it("no peers is never isolated; a removed peer is forgotten", () => {
    const t = createPeerTable(policy);
    expect(t.isolated(10_000)).toBe(false);
    t.setPeers(["n2", "n3"]);
    t.answered("n2", 0);
    t.answered("n3", 5_000);
    t.setPeers(["n3"]);
    t.answered("n2", 5_000);
    expect(t.dead(5_100)).toEqual([]);
    expect(t.dead(5_450)).toEqual(["n3"]);
  });
});

describe("egress liveness over UDP (loopback)", () => {
  const running: EgressLiveness[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const l of running.splice(0)) await l.stop();
    for (const s of sockets.splice(0)) s.close();
  });

  /** A bare UDP socket standing in for a peer on `host`:`port`, keeping what it receives. */
  async function rawPeer(host: string, port: number): Promise<{ readonly socket: Socket; readonly got: { readonly msg: Buffer; readonly port: number }[] }> {
    const socket = createSocket("udp4");
    sockets.push(socket);
    const got: { msg: Buffer; port: number }[] = [];
    socket.on("message", (msg, from) => { got.push({ msg, port: from.port }); });
    await new Promise<void>((resolve) => { socket.bind(port, host, resolve); });
    return { socket, got };
  }
  const magic = (m: Buffer): string => m.subarray(0, 8).toString();

  async function until(what: string, check: () => boolean): Promise<void> {
    await expect.poll(check, { timeout: 10_000, interval: 20, message: what }).toBe(true);
  }

  it("two nodes see each other; when one stops the other finds it dead and itself cut off; a new address starts unknown", async () => {
    const logger = createLogger({ level: "silent" });
    // One port for both (a peer's port is the node's own); random, so two runs at once rarely meet.
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const changes = { a: 0 };
    const a = createEgressLiveness({ nodeName: "a", port, host: "127.0.0.1", policy, logger, onChange: () => { changes.a += 1; } });
    const b = createEgressLiveness({ nodeName: "b", port, host: "127.0.0.2", policy, logger, onChange: () => undefined });
    running.push(a, b);
    await a.start();
    await b.start();
    a.setPeers(new Map([["b", "127.0.0.2"]]));
    b.setPeers(new Map([["a", "127.0.0.1"]]));
    expect(a.peers()).toEqual([{ name: "b", state: "unknown" }]);
    await until("a hears b", () => a.peers()[0]?.state === "up");
    await until("b hears a", () => b.peers()[0]?.state === "up");
    expect(a.unreachable()).toEqual([]);
    await b.stop();
    await until("a finds b dead and itself cut off", () => a.unreachable().join() === "a,b");
    expect(a.peers()).toEqual([{ name: "b", state: "dead" }]);
    await until("a's onChange called", () => changes.a > 0);
    a.setPeers(new Map([["b", "127.0.0.3"]]));
    expect(a.peers()).toEqual([{ name: "b", state: "unknown" }]);
    expect(a.unreachable()).toEqual([]);
  });

  it("a released address reaches the peers, and only from a peer", async () => {
    const logger = createLogger({ level: "silent" });
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const heard: string[] = [];
    const a = createEgressLiveness({ nodeName: "a", port, host: "127.0.0.1", policy, logger, onChange: () => undefined, onReleased: (address, peer) => { heard.push(`${address} from ${peer}`); } });
    const b = createEgressLiveness({ nodeName: "b", port, host: "127.0.0.2", policy, logger, onChange: () => undefined });
    const stranger = createEgressLiveness({ nodeName: "x", port, host: "127.0.0.3", policy, logger, onChange: () => undefined });
    running.push(a, b, stranger);
    for (const l of [a, b, stranger]) await l.start();
    a.setPeers(new Map([["b", "127.0.0.2"]]));
    b.setPeers(new Map([["a", "127.0.0.1"]]));
    stranger.setPeers(new Map([["a", "127.0.0.1"]]));
    stranger.release(["198.18.0.9"]);
    b.release(["198.18.0.50"]);
    await until("a hears b's release", () => heard.length > 0);
    // The stranger's datagram was sent first: had it counted, it would be here.
    expect(heard).toEqual(["198.18.0.50 from b"]);
  });

  it("repeats a release with its probes until the peer confirms it, releaseTries times at most", async () => {
    const logger = createLogger({ level: "silent" });
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const clock = createFakeClock(1_000_000);
    const a = await rawPeer("127.0.0.1", port);
    const b = createEgressLiveness({ nodeName: "b", port, host: "127.0.0.2", policy, clock, logger, onChange: () => undefined });
    running.push(b);
    await b.start();
    b.setPeers(new Map([["a", "127.0.0.1"]]));
    const releases = (address: string): Buffer[] => a.got.map((g) => g.msg).filter((m) => magic(m) === "ISTHEGR1" && [...m.subarray(8, 12)].join(".") === address);
    const probes = (): Buffer[] => a.got.map((g) => g.msg).filter((m) => magic(m) === "ISTHEGQ1");
    const send = (m: Buffer): Promise<void> => new Promise((resolve) => { a.socket.send(m, port, "127.0.0.2", () => { resolve(); }); });
    /** One probe interval: b sends its repeats, then its probe, in that order (so whatever repeat it sent has arrived once the probe has). */
    const tick = async (): Promise<void> => {
      const before = probes().length;
      await clock.advance(policy.intervalMs);
      await until("b's probe", () => probes().length > before);
    };
    b.release(["198.18.0.50", "198.18.0.51"]);
    await until("both releases", () => releases("198.18.0.50").length === 1 && releases("198.18.0.51").length === 1);
    await tick();
    expect(releases("198.18.0.50").length).toBe(2);
    const [first] = releases("198.18.0.50");
    expect(first?.readUInt32BE(12)).not.toBe(0);
    expect(releases("198.18.0.50").every((m) => m.equals(first ?? Buffer.alloc(0)))).toBe(true);
    // Confirm the first address only, then answer a probe: b handles its datagrams in order, so
    // once it finds a up it has handled the confirmation.
    await send(Buffer.concat([Buffer.from("ISTHEGK1"), first?.subarray(8) ?? Buffer.alloc(8)]));
    await send(Buffer.concat([Buffer.from("ISTHEGA1"), probes().at(-1)?.subarray(8) ?? Buffer.alloc(8)]));
    await until("b hears a", () => b.peers()[0]?.state === "up");
    for (let i = 0; i < releaseTries + 2; i++) await tick();
    expect(releases("198.18.0.50").length).toBe(2);
    expect(releases("198.18.0.51").length).toBe(releaseTries);
  });

  it("confirms every copy of a release and acts on it once (a number of 0, from an older sender, every time)", async () => {
    const logger = createLogger({ level: "silent" });
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const heard: string[] = [];
    const a = createEgressLiveness({ nodeName: "a", port, host: "127.0.0.1", policy, logger, onChange: () => undefined, onReleased: (address, peer) => { heard.push(`${address} from ${peer}`); } });
    running.push(a);
    await a.start();
    a.setPeers(new Map([["b", "127.0.0.2"]]));
    const b = await rawPeer("127.0.0.2", port);
    const release = (n: number): Buffer => {
      const m = Buffer.concat([Buffer.from("ISTHEGR1"), Buffer.from([198, 18, 0, 50]), Buffer.alloc(4)]);
      m.writeUInt32BE(n, 12);
      return m;
    };
    const acks = (): Buffer[] => b.got.map((g) => g.msg).filter((m) => magic(m) === "ISTHEGK1");
    for (const m of [release(7), release(7), release(0), release(0)]) await new Promise<void>((resolve) => { b.socket.send(m, port, "127.0.0.1", () => { resolve(); }); });
    await until("four confirmations", () => acks().length === 4);
    expect(acks().map((m) => [[...m.subarray(8, 12)].join("."), m.readUInt32BE(12)])).toEqual([["198.18.0.50", 7], ["198.18.0.50", 7], ["198.18.0.50", 0], ["198.18.0.50", 0]]);
    expect(heard).toEqual(["198.18.0.50 from b", "198.18.0.50 from b", "198.18.0.50 from b"]);
  });
});
