import { once } from "node:events";
import { createServer as createHttpServer } from "node:http";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import type { Container } from "./kube-types.js";
import { probe, readinessCheck } from "./readiness.js";

const c = (extra: Partial<Container>): Container => ({ name: "c", ...extra });

describe("readinessCheck", () => {
  it("prefers the readiness probe, then the first TCP port, else liveness", () => {
    expect(readinessCheck(c({ readinessProbe: { httpGet: { port: "http", path: "/ready" } }, ports: [{ name: "http", containerPort: 7080 }] }))).toEqual({
      kind: "http",
      port: 7080,
      path: "/ready",
    });
    expect(readinessCheck(c({ readinessProbe: { tcpSocket: { port: 53 } } }))).toEqual({ kind: "tcp", port: 53 });
    expect(readinessCheck(c({ ports: [{ containerPort: 53, protocol: "UDP" }, { containerPort: 8080 }] }))).toEqual({ kind: "tcp", port: 8080 });
    expect(readinessCheck(c({ ports: [{ containerPort: 53, protocol: "UDP" }] }))).toEqual({ kind: "alive" });
  });
});

describe("probe", () => {
  it("passes on an open TCP port without resetting the server's socket, fails on a closed one", async () => {
    const errors: Error[] = [];
    const server = createServer((s: Socket) => {
      s.on("error", (e) => errors.push(e));
      s.end("hello");
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    expect(await probe({ kind: "tcp", port }, "127.0.0.1", 1000)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(errors).toEqual([]);
    server.close();
    await once(server, "close");
    expect(await probe({ kind: "tcp", port }, "127.0.0.1", 1000)).toBe(false);
  });

  it("passes on 2xx/3xx HTTP answers only", async () => {
    const server = createHttpServer((req, res) => {
      res.writeHead(req.url === "/ok" ? 200 : 503).end();
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    try {
      expect(await probe({ kind: "http", port, path: "/ok" }, "127.0.0.1", 1000)).toBe(true);
      expect(await probe({ kind: "http", port, path: "/bad" }, "127.0.0.1", 1000)).toBe(false);
    } finally {
      server.close();
    }
  });
});
