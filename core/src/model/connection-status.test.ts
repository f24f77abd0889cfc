import { describe, expect, it } from "vitest";
import { parseConnectionStatus } from "./connection-status.js";
import { ModelError } from "./errors.js";

const valid = {
  fromCluster: "east",
  fromGateway: "east-gw-1",
  toCluster: "west",
  toGateway: "west-gw-2",
  status: "connected",
  rtt: { lastMs: 0.5, minMs: 0.4, avgMs: 0.55, maxMs: 0.9, stddevMs: 0.1 },
  lossRatio: 0,
  lastChange: "2025-01-31T12:00:00.123Z",
} as const;

function issuesOf(input: unknown): readonly string[] {
  try {
    parseConnectionStatus(input);
  } catch (err) {
    expect((err as ModelError).code).toBe("InvalidConnectionStatus");
    return (err as ModelError).issues;
  }
  throw new Error("expected parseConnectionStatus to throw");
}

describe("parseConnectionStatus", () => {
  it("accepts a connected tunnel and a connecting one without a remote gateway", () => {
    expect(parseConnectionStatus(valid)).toEqual(valid);
    const { toGateway: _g, lossRatio: _l, ...connecting } = { ...valid, status: "connecting" };
    expect(parseConnectionStatus(connecting).status).toBe("connecting");
  });

  it("requires a reason for errors and distinct clusters", () => {
    expect(issuesOf({ ...valid, status: "error", toCluster: "east" })).toEqual([
      'toCluster: must differ from fromCluster ("east")',
      'reason: is required when status is "error"',
    ]);
    expect(parseConnectionStatus({ ...valid, status: "error", reason: "handshake timed out" }).reason).toBe("handshake timed out");
  });

  it("checks RTT statistics and the loss ratio", () => {
    expect(issuesOf({ ...valid, rtt: { ...valid.rtt, minMs: 1 }, lossRatio: 1.5 })).toEqual([
      "rtt: must satisfy minMs <= avgMs <= maxMs (got 1, 0.55, 0.9)",
      "rtt.lastMs: must lie within [minMs, maxMs] = [1, 0.9]",
      "lossRatio: Too big: expected number to be <=1",
    ]);
    expect(issuesOf({ ...valid, rtt: { ...valid.rtt, stddevMs: -1 } })).toEqual(["rtt.stddevMs: Too small: expected number to be >=0"]);
  });
});
