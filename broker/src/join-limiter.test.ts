import { describe, expect, it } from "vitest";
import { createJoinLimiter, peerHost } from "./join-limiter.js";

describe("createJoinLimiter", () => {
  it("refuses a source once it has maxFailures refusals in the window, and lets it in again when they age out", () => {
    let t = 0;
    const limiter = createJoinLimiter({ maxFailures: 3, windowMs: 60_000, now: () => t });
    for (let i = 0; i < 3; i++) {
      limiter.check("198.51.100.7");
      limiter.fail("198.51.100.7");
      t += 1_000;
    }
    expect(() => {
      limiter.check("198.51.100.7");
    }).toThrow(expect.objectContaining({ code: "Exhausted", message: expect.stringMatching(/3 refused Joins from 198\.51\.100\.7 .* try again in 57 s/) as unknown }));
    limiter.check("198.51.100.8"); // another source is not affected
    t = 60_001;
    limiter.check("198.51.100.7"); // the first refusal left the window
  });

  it("tracks at most maxSources sources, dropping the stalest", () => {
    const limiter = createJoinLimiter({ maxFailures: 1, windowMs: 60_000, maxSources: 2, now: () => 0 });
    limiter.fail("a");
    limiter.fail("b");
    limiter.fail("c");
    limiter.check("a");
    expect(() => {
      limiter.check("c");
    }).toThrow(expect.objectContaining({ code: "Exhausted" }));
  });
});

describe("peerHost", () => {
  it("takes the host out of grpc-js peer strings", () => {
    expect(peerHost("ipv4:127.0.0.1:53412")).toBe("127.0.0.1");
    expect(peerHost("ipv6:[::1]:53412")).toBe("::1");
    expect(peerHost("unix:/run/x.sock")).toBe("unix:/run/x.sock");
  });
});
