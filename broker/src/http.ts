import { createServer, type Server } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Logger } from "./logger.js";

/** What the HTTP port reports. */
export interface HttpProbes {
  /** True while the process runs (liveness). */
  healthy(): boolean;
  /** True when the broker serves gRPC and its store answers (readiness). */
  ready(): boolean;
  /** Prometheus text exposition. */
  metrics(): string;
}

/** The HTTP port: /healthz, /readyz, /metrics. */
export interface BrokerHttpServer {
  /** Listens; resolves with the bound port. */
  listen(host: string, port: number): Promise<number>;
  /** Stops accepting and closes idle connections. Idempotent. */
  close(): Promise<void>;
}

/** Creates the HTTP server (plain HTTP: it carries no secrets). */
export function createBrokerHttpServer(probes: HttpProbes, logger: Logger): BrokerHttpServer {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, body: string, type = "text/plain; charset=utf-8"): void => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(405, "method not allowed\n");
      return;
    }
    switch (path) {
      case "/healthz":
        send(probes.healthy() ? 200 : 503, probes.healthy() ? "ok\n" : "unhealthy\n");
        return;
      case "/readyz":
        send(probes.ready() ? 200 : 503, probes.ready() ? "ready\n" : "not ready\n");
        return;
      case "/metrics":
        try {
          send(200, probes.metrics(), "text/plain; version=0.0.4; charset=utf-8");
        } catch (err) {
          logger.warn({ err }, "rendering metrics failed; answering 500");
          send(500, "metrics unavailable\n");
        }
        return;
      default:
        send(404, "not found\n");
    }
  });
  return {
    listen: (host, port) => listenOn(server, host, port),
    close: () => closeServer(server, "idle"),
  };
}

/** Listens on `host:port` (0: any free port); resolves with the port, rejects on a bind error. */
export function listenOn(server: Server | HttpsServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops listening and resolves once closed, dropping the idle connections or all of them. */
export function closeServer(server: Server | HttpsServer, drop: "idle" | "all"): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => {
      resolve();
    });
    if (drop === "all") server.closeAllConnections();
    else server.closeIdleConnections();
  });
}
