import { createFakeClock, createSilentLogger } from "@isthmus/core/runtime";
import { describe, expect, it } from "vitest";
import { parsePingLine } from "./icmp-source.js";
import { createPeerHealth, defaultHealthPolicy } from "./peer-health.js";
import { createHealthProber } from "./prober.js";
import { createProbeWindow } from "./rtt-window.js";
import type { ProbeSource, ProbeStreamOptions } from "./source.js";

describe("probe window", () => {
  it("computes last/min/avg/max/stddev over answers and loss over all outcomes", () => {
    const window = createProbeWindow(4);
    expect(window.stats()).toBeUndefined();
    for (const o of [100, 1, 3, undefined, 2]) window.record(o);
    expect(window.size).toBe(4);
    expect(window.stats()).toEqual({ lastMs: 2, minMs: 1, avgMs: 2, maxMs: 3, stddevMs: 0.816 });
    expect(window.lossRatio()).toBe(0.25);
  });
});

describe("peer health", () => {
  const policy = { ...defaultHealthPolicy, failureThreshold: 3, recoveryThreshold: 2, connectTimeoutMs: 1000 };

  it("goes connecting → connected → error → connected with reasons", () => {
    const clock = createFakeClock();
    const health = createPeerHealth("10.2.255.1", { policy, clock });
    expect(health.snapshot()).toMatchObject({ status: "connecting", lossRatio: 0 });
    expect(health.record(0.5)).toBe(true);
    expect(health.snapshot()).toMatchObject({ status: "connected", rtt: { lastMs: 0.5 } });
    expect(health.record(undefined)).toBe(false);
    expect(health.record(undefined)).toBe(false);
    expect(health.record(undefined)).toBe(true);
    expect(health.snapshot()).toMatchObject({ status: "error", reason: "3 probes to 10.2.255.1 in a row got no answer" });
    expect(health.record(0.4)).toBe(false);
    expect(health.record(0.6)).toBe(true);
    expect(health.snapshot().status).toBe("connected");
    expect(health.snapshot().reason).toBeUndefined();
  });

  it("turns a peer that never answers to error after the connect timeout, not before", async () => {
    const clock = createFakeClock();
    const health = createPeerHealth("10.2.255.1", { policy, clock });
    await clock.advance(500);
    expect(health.record(undefined)).toBe(false);
    await clock.advance(500);
    expect(health.record(undefined)).toBe(true);
    expect(health.snapshot()).toMatchObject({ status: "error", lastChangeMs: 1000 });
  });
});

function createScriptedSource(): ProbeSource & { streams: Map<string, ProbeStreamOptions>; stopped: string[] } {
  const streams = new Map<string, ProbeStreamOptions>();
  const stopped: string[] = [];
  return {
    streams,
    stopped,
    start(address, options) {
      streams.set(address, options);
      return () => { stopped.push(address); streams.delete(address); };
    },
  };
}

describe("health prober", () => {
  it("starts, keeps and restarts streams declaratively and reports changes", () => {
    const source = createScriptedSource();
    const changes: [string, string][] = [];
    const prober = createHealthProber({ source, logger: createSilentLogger(), clock: createFakeClock(), onChange: (id, h) => changes.push([id, h.status]) });
    prober.setTargets([{ id: "c2", address: "10.2.255.1" }, { id: "c3", address: "10.3.255.1" }]);
    expect([...source.streams.keys()]).toEqual(["10.2.255.1", "10.3.255.1"]);
    source.streams.get("10.2.255.1")?.onOutcome(0.3);
    expect(changes).toEqual([["c2", "connected"]]);
    prober.setTargets([{ id: "c2", address: "10.2.255.1" }, { id: "c3", address: "10.3.255.9" }]);
    expect(source.stopped).toEqual(["10.3.255.1"]);
    expect(prober.snapshot("c2")?.status).toBe("connected");
    expect(prober.snapshot("c3")?.status).toBe("connecting");
    prober.setTargets([]);
    expect(prober.snapshots().size).toBe(0);
    expect(source.streams.size).toBe(0);
  });

  it("ignores outcomes of a stream it already replaced", () => {
    const source = createScriptedSource();
    const prober = createHealthProber({ source, logger: createSilentLogger(), clock: createFakeClock() });
    prober.setTargets([{ id: "c2", address: "10.2.255.1" }]);
    const old = source.streams.get("10.2.255.1");
    prober.setTargets([{ id: "c2", address: "10.2.255.2" }]);
    old?.onOutcome(0.3);
    expect(prober.snapshot("c2")?.status).toBe("connecting");
  });
});

describe("parsePingLine", () => {
  it("reads replies, losses and unreachables from ping -n -O", () => {
    expect(parsePingLine("64 bytes from 10.2.255.1: icmp_seq=2 ttl=64 time=0.040 ms")).toEqual({ kind: "reply", rttMs: 0.04 });
    expect(parsePingLine("no answer yet for icmp_seq=4")).toEqual({ kind: "loss" });
    expect(parsePingLine("From 10.6.0.1 icmp_seq=3 Destination Host Unreachable")).toEqual({ kind: "loss" });
    expect(parsePingLine("PING 10.2.255.1 (10.2.255.1) 56(84) bytes of data.")).toBeUndefined();
  });
});
