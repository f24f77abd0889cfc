import { describe, expect, it } from "vitest";
import { parseLongFlags, untilStopSignal } from "./main.js";

describe("parseLongFlags", () => {
  it("reads --name value, --name=value and bare --name into camelCase keys", () => {
    expect(parseLongFlags(["--data-dir", "/d", "--grpc-port=7443", "--globalnet", "--tls-ip-addresses", "10.0.0.1", "--uninstall"], "usage")).toEqual({
      dataDir: "/d",
      grpcPort: "7443",
      globalnet: true,
      tlsIpAddresses: "10.0.0.1",
      uninstall: true,
    });
    expect(parseLongFlags(["--ipv6-only=", "--x-2a"], "usage")).toEqual({ ipv6Only: "", x2a: true });
  });

  it("refuses a stray argument, naming it and showing the usage", () => {
    expect(() => parseLongFlags(["--node-name", "n1", "extra"], "Usage: x")).toThrow('Unexpected argument "extra"\nUsage: x');
    expect(() => parseLongFlags(["-v"], "Usage: x")).toThrow('Unexpected argument "-v"');
    expect(() => parseLongFlags(["--Upper"], "Usage: x")).toThrow('Unexpected argument "--Upper"');
  });
});

describe("untilStopSignal", () => {
  it("resolves with the first SIGTERM or SIGINT, calls onSignal once and leaves no listener behind", async () => {
    const before = { term: process.listenerCount("SIGTERM"), int: process.listenerCount("SIGINT") };
    const seen: string[] = [];
    const stopped = untilStopSignal((signal) => seen.push(signal));
    expect(process.listenerCount("SIGTERM")).toBe(before.term + 1);
    process.emit("SIGINT", "SIGINT");
    process.emit("SIGTERM", "SIGTERM");
    expect(await stopped).toBe("SIGINT");
    expect(seen).toEqual(["SIGINT"]);
    expect({ term: process.listenerCount("SIGTERM"), int: process.listenerCount("SIGINT") }).toEqual(before);
  });
});
