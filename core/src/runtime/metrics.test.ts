import { describe, expect, it } from "vitest";
import { renderMetrics } from "./metrics.js";

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
