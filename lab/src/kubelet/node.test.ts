import { describe, expect, it } from "vitest";
import { parseKubeletConfig } from "./config.js";
import { buildNode, buildNodeStatus, kubeletVersion, type NodeFacts } from "./node.js";

const config = parseKubeletConfig({
  clusterId: "c1",
  nodeName: "c1-n1",
  nodeIp: "198.18.1.11",
  kubeconfig: "/k",
  stateDir: "/s",
  labels: { "isthmus.io/gateway": "true" },
  clusterDns: "10.101.0.10",
  repoRoot: "/r",
  serviceAccountIssuer: "https://kubernetes.default.svc.cluster.local",
  apiServer: { host: "198.18.1.2", port: 6443 },
});
const facts: NodeFacts = { kernelVersion: "6.1.0", osImage: "Debian", machineId: "m", bootId: "b", architecture: "amd64" };

describe("node object", () => {
  it("carries the standard and configured labels", () => {
    expect(buildNode(config, facts).metadata?.labels).toEqual({
      "kubernetes.io/hostname": "c1-n1",
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      "isthmus.io/gateway": "true",
    });
  });

  it("reports Ready, addresses, capacity and the kubelet version", () => {
    const now = new Date("2025-01-01T00:00:30Z");
    const status = buildNodeStatus(config, facts, now, new Date("2025-01-01T00:00:00Z"));
    expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "True", lastHeartbeatTime: now.toISOString(), lastTransitionTime: "2025-01-01T00:00:00.000Z" });
    expect(status.conditions?.filter((c) => c.status === "False").map((c) => c.type)).toEqual(["MemoryPressure", "DiskPressure", "PIDPressure"]);
    expect(status.addresses).toEqual([
      { type: "InternalIP", address: "198.18.1.11" },
      { type: "Hostname", address: "c1-n1" },
    ]);
    expect(status.capacity).toMatchObject({ cpu: "2", memory: "4Gi", pods: "110" });
    expect(status.allocatable).toEqual(status.capacity);
    expect(status.nodeInfo?.kubeletVersion).toBe(kubeletVersion);
    expect(kubeletVersion).toBe("v1.34.4");
  });
});
