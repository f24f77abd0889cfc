import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Who the echo server says it is (from the pod's environment). */
export interface EchoIdentity {
  readonly pod: string;
  readonly namespace: string;
  readonly cluster: string;
  readonly node: string;
}

/** The JSON body of every answer, over HTTP and UDP. */
export interface EchoReply extends EchoIdentity {
  /** The peer address as this server saw it, `ip:port` (shows SNAT/DNAT on the path). */
  readonly client: string;
  /** HTTP request path, or the UDP payload as text (at most 200 bytes). */
  readonly path: string;
}

/** A running echo server: HTTP and UDP on the same port number. */
export interface EchoServer {
  /** The bound TCP port (the UDP socket has the same number). */
  readonly port: number;
  /** Closes both sockets. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link startEchoServer}. */
export interface EchoServerOptions {
  readonly identity: EchoIdentity;
  /** Port to bind (0: any free port, then UDP takes the same number). */
  readonly port: number;
  /** Address to bind; default all (`::`, dual-stack). */
  readonly host?: string;
}

const format = (address: string, port: number): string => `${address.replace(/^::ffff:/, "")}:${port}`;

/** Starts the `lab/echo` workload: answers every HTTP request and every UDP datagram with an {@link EchoReply}. */
export async function startEchoServer(options: EchoServerOptions): Promise<EchoServer> {
  const { identity } = options;
  const host = options.host ?? "::";
  const http: Server = createServer((req, res) => {
    const reply: EchoReply = {
      ...identity,
      client: format(req.socket.remoteAddress ?? "?", req.socket.remotePort ?? 0),
      path: req.url ?? "/",
    };
    res.writeHead(200, { "content-type": "application/json" });
    res.end(`${JSON.stringify(reply)}\n`);
  });
  http.listen(options.port, host);
  await once(http, "listening");
  const port = (http.address() as AddressInfo).port;

  const udp: Socket = createSocket(host.includes(":") ? "udp6" : "udp4");
  udp.on("message", (msg, rinfo) => {
    const reply: EchoReply = { ...identity, client: format(rinfo.address, rinfo.port), path: msg.subarray(0, 200).toString("utf8") };
    udp.send(`${JSON.stringify(reply)}\n`, rinfo.port, rinfo.address);
  });
  udp.bind(port, host);
  await once(udp, "listening");

  let closing: Promise<void> | undefined;
  return {
    port,
    close(): Promise<void> {
      closing ??= Promise.all([
        new Promise<void>((resolve) => {
          http.closeAllConnections();
          http.close(() => { resolve(); });
        }),
        new Promise<void>((resolve) => {
          udp.close(() => { resolve(); });
        }),
      ]).then(() => undefined);
      return closing;
    },
  };
}
