import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { pins } from "./pins.js";

describe("pins", () => {
  it("the gateway image builds the wireguard-go the lab runs", () => {
    const dockerfile = readFileSync(new URL("../../../deploy/docker/Dockerfile", import.meta.url), "utf8");
    expect(/^ARG WIREGUARD_GO_VERSION=(\S+)$/m.exec(dockerfile)?.[1]).toBe(pins.wireguardGo);
    expect(dockerfile).toMatch(/^COPY --from=wireguard-go \/wireguard-go \/usr\/local\/bin\/wireguard-go$/m);
    expect(dockerfile).not.toMatch(/apt-get install[^\n]*wireguard-go/);
  });
});
