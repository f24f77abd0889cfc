import { ConfigError, parseConfig } from "@isthmus/core/runtime";
import { describe, expect, it } from "vitest";
import { routeAgentConfigSchema } from "./config.js";

describe("route agent config", () => {
  it("routes directly on a shared subnet by default and takes --vxlan-mode always from a flag or the environment", () => {
    expect(parseConfig(routeAgentConfigSchema, { flags: { nodeName: "c1-n2" } }).vxlanMode).toBe("cross-subnet");
    expect(parseConfig(routeAgentConfigSchema, { flags: { nodeName: "c1-n2", vxlanMode: "always" } }).vxlanMode).toBe("always");
    const env = { prefix: "ISTHMUS_ROUTE_AGENT_", vars: { ISTHMUS_ROUTE_AGENT_NODE_NAME: "c1-n2", ISTHMUS_ROUTE_AGENT_VXLAN_MODE: "always" } };
    expect(parseConfig(routeAgentConfigSchema, { env }).vxlanMode).toBe("always");
  });

  it("refuses an unknown mode with a ConfigError that names the setting and the valid modes", () => {
    try {
      parseConfig(routeAgentConfigSchema, { flags: { nodeName: "c1-n2", vxlanMode: "direct" } });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toMatch(/vxlanMode/);
      expect((err as ConfigError).message).toMatch(/cross-subnet/);
      expect((err as ConfigError).message).toMatch(/always/);
    }
  });
});
