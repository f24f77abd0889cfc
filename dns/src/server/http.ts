import { createServer, type Server } from "node:http";
import { errorMessage } from "@isthmus/core/errors";
import { DnsError } from "../errors.js";

// The HTTP side of isthmus-dns: `/metrics` (Prometheus text), `/healthz` (the process serves)
// and `/readyz` (the index has been filled once; the caller decides).

/** Options of `createHttpServer`. */
export interface HttpServerOptions {
  readonly host: string;
  /** Port; 0 picks a free one. */
  readonly port: number;
  /** Prometheus text of the current metrics. */
  readonly metrics: () => string;
  /** True once the component is ready to answer. */
  readonly ready: () => boolean;
}

/** A running HTTP server. */
export interface HttpEndpoint {
  readonly port: number;
  /** Stops listening and closes connections; idempotent. */
  close(): Promise<void>;
}

/** Starts the HTTP server; rejects with DnsError "InvalidConfig" when it cannot listen. */
export async function createHttpServer(options: HttpServerOptions): Promise<HttpEndpoint> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(options.metrics());
    } else if (path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } else if (path === "/readyz") {
      const ready = options.ready();
      res.writeHead(ready ? 200 : 503, { "content-type": "text/plain" }).end(ready ? "ready\n" : "not ready\n");
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => {
      reject(new DnsError("InvalidConfig", `Cannot listen for HTTP on ${options.host}:${options.port}: ${errorMessage(err)}`, { cause: err }));
    });
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  let closed: Promise<void> | undefined;
  return {
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
