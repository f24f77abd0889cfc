// UDP echo probes: a source sends small datagrams (magic, sequence, source id) to the peer's
// responder and times the echo; the responder echoes only well-formed probes, byte for byte, so it
// cannot amplify. Unlike ICMP it needs no privileges and measures RTT in-process.
import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { isIP } from "node:net";
import { errorMessage } from "@isthmus/core/errors";
import { systemClock, type Clock, type Timer } from "@isthmus/core/runtime";
import type { Logger } from "pino";
import type { ProbeSource } from "./source.js";

const magic = Buffer.from("ISTHPRB1");
/** Length of a probe datagram: magic (8), sequence (4), source id (4). */
export const probeLength = 16;

/** True when `msg` is a well-formed probe (what the responder echoes). */
export function isProbe(msg: Buffer): boolean {
  return msg.length === probeLength && msg.subarray(0, magic.length).equals(magic);
}

function familyOf(address: string): "udp4" | "udp6" {
  return isIP(address) === 6 ? "udp6" : "udp4";
}

/** A UDP echo responder for other gateways' probes. */
export interface UdpEchoResponder {
  /** The bound port (useful when 0 was asked for). */
  readonly port: number;
  /** Closes the socket. Idempotent. */
  close(): Promise<void>;
}

/** Binds a responder on `address:port` (port 0 = any); resolves once it listens. */
export async function startUdpEchoResponder(options: { address: string; port: number; logger: Logger }): Promise<UdpEchoResponder> {
  const socket = createSocket(familyOf(options.address));
  const log = options.logger.child({ component: "udp-echo" });
  socket.on("message", (msg, peer) => {
    if (isProbe(msg)) socket.send(msg, peer.port, peer.address);
  });
  socket.on("error", (err) => { log.warn({ err }, "UDP echo socket error; continuing"); });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(options.port, options.address, () => { socket.off("error", reject); resolve(); });
  });
  let closed = false;
  return {
    port: socket.address().port,
    close: () =>
      new Promise((resolve) => {
        if (closed) { resolve(); return; }
        closed = true;
        socket.close(() => { resolve(); });
      }),
  };
}

/** Options of {@link createUdpProbeSource}. */
export interface UdpProbeSourceOptions {
  /** The responders' port. */
  readonly port: number;
  /** Local address to send from (the gateway's tunnel address); default any. */
  readonly bindAddress?: string;
  /** Parent logger. */
  readonly logger: Logger;
  /** Time source (timers and RTT); default the system clock. */
  readonly clock?: Clock;
}

/** Creates a {@link ProbeSource} sending UDP probes to `<address>:<port>` responders. */
export function createUdpProbeSource(options: UdpProbeSourceOptions): ProbeSource {
  const clock = options.clock ?? systemClock;
  const log = options.logger.child({ component: "udp-probe" });
  return {
    start(address, stream) {
      const id = randomBytes(4);
      const pending = new Map<number, { sent: number; timer: Timer }>();
      const socket: Socket = createSocket(familyOf(address));
      let seq = 0;
      let stopped = false;
      let ticker: Timer | undefined;
      let warned = false;
      socket.on("error", (err) => { log.warn({ err, address }, "UDP probe socket error; probes count as lost"); });
      socket.on("message", (msg) => {
        if (!isProbe(msg) || !msg.subarray(12, 16).equals(id)) return;
        const entry = pending.get(msg.readUInt32BE(8));
        if (entry === undefined) return;
        pending.delete(msg.readUInt32BE(8));
        entry.timer.cancel();
        warned = false;
        stream.onOutcome(clock.now() - entry.sent);
      });
      const send = (): void => {
        if (stopped) return;
        seq = (seq + 1) >>> 0;
        const n = seq;
        const msg = Buffer.concat([magic, Buffer.alloc(4), id]);
        msg.writeUInt32BE(n, 8);
        const timer = clock.setTimeout(() => {
          if (pending.delete(n) && !stopped) stream.onOutcome(undefined);
        }, stream.timeoutMs);
        pending.set(n, { sent: clock.now(), timer });
        socket.send(msg, options.port, address, (err) => {
          if (err === null || stopped) return;
          if (!warned) log.warn({ address, err: errorMessage(err) }, "cannot send UDP probe; counting it lost");
          warned = true;
        });
        ticker = clock.setTimeout(send, stream.intervalMs);
      };
      if (options.bindAddress === undefined) send();
      else socket.bind(0, options.bindAddress, send);
      return () => {
        if (stopped) return;
        stopped = true;
        ticker?.cancel();
        for (const entry of pending.values()) entry.timer.cancel();
        pending.clear();
        socket.close();
      };
    },
  };
}
