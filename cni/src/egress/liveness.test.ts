import { createLogger } from "@isthmus/core/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { createEgressLiveness, createPeerTable, type EgressLiveness } from "./liveness.js";

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
  afterEach(async () => {
    for (const l of running.splice(0)) await l.stop();
  });

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
});
