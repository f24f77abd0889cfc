import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, type Server, type Socket } from "node:net";
import { isIP } from "node:net";
import { errorMessage } from "@isthmus/core/errors";
import { type Logger } from "@isthmus/core/runtime";
import { DnsError } from "../errors.js";
import type { QueryHandler } from "./handler.js";

// The DNS listeners: one UDP socket and one TCP server on the same address and port. TCP
// carries two-octet length-prefixed messages (RFC 1035 §4.2.2, RFC 7766): several queries per
// connection, answered in order, the connection closed after `idleTimeoutMs` without a query
// or on a frame too short to be a message.

/** Options of `createDnsListeners`. */
export interface DnsListenerOptions {
  readonly handler: QueryHandler;
  readonly logger: Logger;
  /** Address to bind (IPv4 or IPv6 literal). */
  readonly host: string;
  /** Port for both UDP and TCP; 0 picks a free one (the same for both). */
  readonly port: number;
  /** Close idle TCP connections after this long (RFC 7766 suggests seconds). */
  readonly idleTimeoutMs: number;
  /** Most concurrent TCP connections. */
  readonly maxConnections: number;
}

/** Running listeners. */
export interface DnsListeners {
  /** The port both transports listen on. */
  readonly port: number;
  /** Stops both listeners and closes open TCP connections; idempotent. */
  close(): Promise<void>;
}

/** Binds UDP and TCP and starts answering; rejects with DnsError "InvalidConfig" on a bad host or port. */
export async function createDnsListeners(options: DnsListenerOptions): Promise<DnsListeners> {
  const family = isIP(options.host);
  if (family === 0) throw new DnsError("InvalidConfig", `Cannot listen on ${JSON.stringify(options.host)}: not an IP address`);
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new DnsError("InvalidConfig", `Cannot listen on port ${options.port}: not in 0..65535`);
  }
  const attempts = options.port === 0 ? 5 : 1;
  for (let attempt = 1; ; attempt++) {
    const udp = await bindUdp(options, family === 6 ? "udp6" : "udp4");
    const port = udp.address().port;
    try {
      const tcp = await listenTcp(options, port);
      return { port, close: closer(udp, tcp) };
    } catch (err) {
      udp.close();
      if (attempt >= attempts) throw new DnsError("InvalidConfig", `Cannot listen on TCP ${options.host}:${port}: ${errorMessage(err)}`, { cause: err });
      options.logger.warn({ err, port }, "TCP port taken after binding UDP to a free port; trying another");
    }
  }
}

function bindUdp(options: DnsListenerOptions, type: "udp4" | "udp6"): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type, recvBufferSize: 4 << 20 });
    socket.once("error", reject);
    socket.on("message", (packet, peer) => {
      const response = options.handler.handle(packet, "udp");
      if (response !== undefined) socket.send(response, peer.port, peer.address);
    });
    socket.bind(options.port, options.host, () => {
      socket.off("error", reject);
      socket.on("error", (err) => {
        options.logger.warn({ err }, "UDP socket error; the socket keeps serving");
      });
      resolve(socket);
    });
  });
}

interface TcpListener {
  readonly server: Server;
  readonly connections: Set<Socket>;
}

function listenTcp(options: DnsListenerOptions, port: number): Promise<TcpListener> {
  return new Promise((resolve, reject) => {
    const connections = new Set<Socket>();
    const server = createServer((socket) => {
      connections.add(socket);
      socket.once("close", () => connections.delete(socket));
      serveConnection(socket, options);
    });
    server.maxConnections = options.maxConnections;
    server.once("error", reject);
    server.listen(port, options.host, () => {
      server.off("error", reject);
      server.on("error", (err) => {
        options.logger.warn({ err }, "TCP server error");
      });
      resolve({ server, connections });
    });
  });
}

function serveConnection(socket: Socket, options: DnsListenerOptions): void {
  let pending = Buffer.alloc(0);
  socket.setNoDelay(true);
  socket.setTimeout(options.idleTimeoutMs, () => socket.destroy());
  socket.on("error", (err) => {
    options.logger.debug({ err }, "DNS TCP connection failed");
  });
  socket.on("data", (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 2) {
      const length = pending.readUInt16BE(0);
      if (length < 12) {
        socket.destroy();
        return;
      }
      if (pending.length < 2 + length) break;
      const packet = pending.subarray(2, 2 + length);
      pending = pending.subarray(2 + length);
      const response = options.handler.handle(packet, "tcp");
      if (response === undefined) continue;
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(response.length, 0);
      socket.write(Buffer.concat([prefix, response]));
    }
  });
}

function closer(udp: UdpSocket, tcp: TcpListener): () => Promise<void> {
  let closed: Promise<void> | undefined;
  return () => {
    closed ??= new Promise<void>((resolve) => {
      udp.close();
      tcp.server.close(() => {
        resolve();
      });
      for (const socket of tcp.connections) socket.destroy();
    });
    return closed;
  };
}
