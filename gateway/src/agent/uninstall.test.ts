import { describe, expect, it } from "vitest";
import { inGatewayPool } from "./uninstall.js";

describe("inGatewayPool", () => {
  it("is true only while the node carries isthmus.io/gateway=true, the gateway DaemonSet's node selector", () => {
    expect(inGatewayPool({ metadata: { name: "n1", labels: { "isthmus.io/gateway": "true" } } })).toBe(true);
    expect(inGatewayPool({ metadata: { name: "n1", labels: { "isthmus.io/gateway": "false" } } })).toBe(false);
    expect(inGatewayPool({ metadata: { name: "n1", labels: { other: "true" } } })).toBe(false);
    expect(inGatewayPool({ metadata: { name: "n1" } })).toBe(false);
  });
});
