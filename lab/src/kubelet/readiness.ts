import { request } from "node:http";
import { connect } from "node:net";
import type { Container } from "./kube-types.js";

/** What decides a running container's readiness. */
export type ReadinessCheck =
  | { readonly kind: "alive" }
  | { readonly kind: "tcp"; readonly port: number }
  | { readonly kind: "http"; readonly port: number; readonly path: string };

function portOf(container: Container, port: number | string | undefined): number | undefined {
  if (typeof port === "number") return port;
  if (port !== undefined && /^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/**
 * The container's readiness check: its readinessProbe (httpGet or tcpSocket) when it has one,
 * else its first TCP containerPort, else "alive" (process running is enough).
 */
export function readinessCheck(container: Container): ReadinessCheck {
  const probe = container.readinessProbe;
  const http = probe?.httpGet;
  const httpPort = http === undefined ? undefined : portOf(container, http.port);
  if (httpPort !== undefined) return { kind: "http", port: httpPort, path: http?.path ?? "/" };
  const tcpPort = probe?.tcpSocket === undefined ? undefined : portOf(container, probe.tcpSocket.port);
  if (tcpPort !== undefined) return { kind: "tcp", port: tcpPort };
  const first = container.ports?.find((p) => (p.protocol ?? "TCP") === "TCP");
  return first === undefined ? { kind: "alive" } : { kind: "tcp", port: first.containerPort };
}

/** Runs `check` against `host`; true when it passes within `timeoutMs`. Never rejects. */
export function probe(check: ReadinessCheck, host: string, timeoutMs: number): Promise<boolean> {
  if (check.kind === "alive") return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    if (check.kind === "tcp") {
      const socket = connect({ host, port: check.port, timeout: timeoutMs });
      socket.once("connect", () => {
        // Close politely (FIN, drain what the server sends) so servers do not see a reset.
        resolve(true);
        socket.resume();
        socket.end();
        socket.setTimeout(timeoutMs, () => socket.destroy());
      });
      socket.once("timeout", () => {
        socket.destroy();
        resolve(false);
      });
      socket.once("error", () => {
        socket.destroy();
        resolve(false);
      });
      return;
    }
    const req = request({ host, port: check.port, path: check.path, timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 400);
    });
    req.once("timeout", () => req.destroy());
    req.once("error", () => { resolve(false); });
    req.end();
  });
}
