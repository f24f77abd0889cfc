import { once } from "node:events";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startEchoServer, type EchoServer } from "./echo.js";
import { iperf3Argv } from "./iperf3.js";
import { httpGet, udpSend } from "./probe.js";

const identity = { pod: "echo-1", namespace: "demo", cluster: "c1", node: "c1-n1" };

describe("echo workload", () => {
  let server: EchoServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("answers HTTP with identity, client address and path", async () => {
    server = await startEchoServer({ identity, port: 0, host: "127.0.0.1" });
    const body = JSON.parse(await httpGet(`http://127.0.0.1:${server.port}/hello?x=1`, 2000)) as Record<string, unknown>;
    expect(body).toMatchObject({ ...identity, path: "/hello?x=1" });
    expect(body.client).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it("answers UDP on the same port number", async () => {
    server = await startEchoServer({ identity, port: 0, host: "127.0.0.1" });
    const body = JSON.parse(await udpSend(`127.0.0.1:${server.port}`, "ping", 2000)) as Record<string, unknown>;
    expect(body).toMatchObject({ ...identity, path: "ping" });
    expect(body.client).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it("close is idempotent and frees the port", async () => {
    server = await startEchoServer({ identity, port: 0, host: "127.0.0.1" });
    const { port } = server;
    await Promise.all([server.close(), server.close()]);
    await expect(httpGet(`http://127.0.0.1:${port}/`, 1000)).rejects.toMatchObject({ code: "Failed" });
  });
});

describe("probes", () => {
  it("http-get gives up after its timeout on a server that never answers", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    try {
      const { port } = silent.address() as AddressInfo;
      const started = Date.now();
      await expect(httpGet(`http://127.0.0.1:${port}/`, 200)).rejects.toMatchObject({ code: "Timeout" });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it("iperf3 runs as a server with the container's extra args", () => {
    expect(iperf3Argv(["-p", "5202"])).toEqual(["-s", "-p", "5202"]);
  });

  it("times out on a UDP port that never answers and rejects bad targets", async () => {
    await expect(udpSend("127.0.0.1:9", "x", 200)).rejects.toMatchObject({ code: expect.stringMatching(/Timeout|Failed/) as string });
    await expect(udpSend("nohost", "x", 200)).rejects.toMatchObject({ code: "InvalidTarget" });
  });
});
