import { describe, expect, it } from "vitest";
import { renderMetrics, startMetricsServer } from "./metrics.js";

describe("renderMetrics", () => {
  it("renders families in the Prometheus text format with escaped labels", () => {
    const text = renderMetrics([
      { name: "isthmus_gateway_connections", help: "Connections by status", type: "gauge", samples: [{ labels: { status: "connected", cluster: "c1" }, value: 2 }] },
      { name: "isthmus_x_total", help: "x", type: "counter", samples: [{ labels: { v: 'a"b\\c' }, value: Number.NaN }, { value: 3 }] },
    ]);
    expect(text).toBe([
      "# HELP isthmus_gateway_connections Connections by status",
      "# TYPE isthmus_gateway_connections gauge",
      'isthmus_gateway_connections{status="connected",cluster="c1"} 2',
      "# HELP isthmus_x_total x",
      "# TYPE isthmus_x_total counter",
      'isthmus_x_total{v="a\\"b\\\\c"} NaN',
      "isthmus_x_total 3",
      "",
    ].join("\n"));
  });
});

describe("startMetricsServer", () => {
  it("answers an extra JSON endpoint per GET, 500 with one line when it throws, 404 elsewhere", async () => {
    let fail = false;
    const server = await startMetricsServer({
      host: "127.0.0.1", port: 0, healthy: () => true, collect: () => Promise.resolve([]),
      json: { "/cni-state": () => (fail ? Promise.reject(new Error("nft:\n  not found")) : Promise.resolve({ node: "n1", links: [] })) },
    });
    try {
      const get = async (path: string, method = "GET"): Promise<[number, string]> => {
        const res = await fetch(`http://127.0.0.1:${String(server.port)}${path}`, { method });
        return [res.status, await res.text()];
      };
      expect(await get("/cni-state")).toEqual([200, '{"node":"n1","links":[]}\n']);
      fail = true;
      expect(await get("/cni-state")).toEqual([500, "nft: not found\n"]);
      expect((await get("/cni-state", "POST"))[0]).toBe(404);
      expect((await get("/toString"))[0]).toBe(404);
      expect(await get("/healthz")).toEqual([200, "ok\n"]);
    } finally {
      await server.close();
    }
  });
});
