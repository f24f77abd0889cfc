import { describe, expect, it } from "vitest";
import { renderMetrics } from "@isthmus/core/runtime";
import { policyMetrics } from "./metrics.js";

describe("policyMetrics", () => {
  it("exports drops per policy and direction as Prometheus counters", () => {
    const text = renderMetrics(policyMetrics([{ namespace: "x", policy: "deny", direction: "ingress", packets: 7, bytes: 420 }], true));
    expect(text).toContain('isthmus_policy_dropped_packets_total{namespace="x",policy="deny",direction="ingress"} 7');
    expect(text).toContain('isthmus_policy_dropped_bytes_total{namespace="x",policy="deny",direction="ingress"} 420');
    expect(text).toContain("# TYPE isthmus_policy_dropped_packets_total counter");
    expect(text).toContain("isthmus_policy_ready 1");
  });
});
