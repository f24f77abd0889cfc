import { createSilentLogger } from "@isthmus/core/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { createHealthProber } from "./prober.js";
import { createUdpProbeSource, startUdpEchoResponder, type UdpEchoResponder } from "./udp-source.js";

// Real UDP sockets on loopback (no root needed): the echo responder and the probe source.
const logger = createSilentLogger();
let responder: UdpEchoResponder | undefined;
afterEach(async () => { await responder?.close(); });

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("UDP echo probes on loopback", () => {
  it("measures RTTs while the responder answers and counts losses once it is gone", async () => {
    responder = await startUdpEchoResponder({ address: "127.0.0.1", port: 0, logger });
    const outcomes: (number | undefined)[] = [];
    const stop = createUdpProbeSource({ port: responder.port, logger }).start("127.0.0.1", { intervalMs: 10, timeoutMs: 100, onOutcome: (o) => outcomes.push(o) });
    try {
      await until("5 answers", () => outcomes.filter((o) => o !== undefined).length >= 5);
      expect(outcomes.every((o) => o === undefined || (o >= 0 && o < 100))).toBe(true);
      await responder.close();
      const answered = outcomes.length;
      await until("3 losses", () => outcomes.slice(answered).filter((o) => o === undefined).length >= 3);
    } finally {
      stop();
    }
  });

  it("drives the prober from connected to error and back", async () => {
    responder = await startUdpEchoResponder({ address: "127.0.0.1", port: 0, logger });
    const port = responder.port;
    const changes: string[] = [];
    const prober = createHealthProber({
      source: createUdpProbeSource({ port, logger }),
      logger,
      intervalMs: 10,
      timeoutMs: 50,
      onChange: (_id, h) => changes.push(h.status),
    });
    try {
      prober.setTargets([{ id: "c2", address: "127.0.0.1" }]);
      await until("connected", () => changes.includes("connected"));
      await responder.close();
      await until("error", () => changes.includes("error"));
      expect(prober.snapshot("c2")?.reason).toMatch(/in a row got no answer/);
      responder = await startUdpEchoResponder({ address: "127.0.0.1", port, logger });
      await until("connected again", () => changes.lastIndexOf("connected") > changes.indexOf("error"));
      expect(changes).toEqual(["connected", "error", "connected"]);
      expect(prober.snapshot("c2")?.rtt?.avgMs).toBeGreaterThanOrEqual(0);
    } finally {
      prober.stop();
    }
  });

  it("echoes only well-formed probes", async () => {
    responder = await startUdpEchoResponder({ address: "127.0.0.1", port: 0, logger });
    const { createSocket } = await import("node:dgram");
    const socket = createSocket("udp4");
    const got: Buffer[] = [];
    socket.on("message", (m) => got.push(m));
    await new Promise<void>((resolve) => { socket.bind(0, "127.0.0.1", resolve); });
    socket.send(Buffer.from("hello, amplify me"), responder.port, "127.0.0.1");
    const probe = Buffer.concat([Buffer.from("ISTHPRB1"), Buffer.alloc(8)]);
    socket.send(probe, responder.port, "127.0.0.1");
    // The malformed datagram went first: had it been echoed, its echo would be the first to arrive.
    await until("one echo", () => got.length >= 1);
    expect(got[0]).toEqual(probe);
    socket.close();
  });
});
